package dev.ensemble.internal.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;

/**
 * One request from a pool to a member, carried as bytes by the cluster module's transport and handled there by
 * {@link MemberRuntime}. The user's objects inside are {@link PayloadCodec} bytes.
 *
 * <pre>
 * op           fields used                                  reply
 * PROBE        -                                            number = the member's processor count
 * OPEN_POOL    pool, owner, payload = codec(PoolSetup)      OK, or ERROR if the member cannot rebuild it
 * START_WORKER pool, slot, generation                       OK number = start hook nanos, or ERROR
 * RUN_CHUNK    pool, slot, generation, callId, flags,       DONE (a ChunkResult), NEED_TASK (task bytes were
 *              task (or null), payload = codec(Object[]),   left out and the member has not got them: send
 *              number = sequence of the chunk for this      again, same sequence), ABANDONED (its task timed
 *              worker incarnation, from 0, firstIndex =     out and ignored the interrupt: the worker is gone),
 *              index of its first input in the call         NO_WORKER (the chunk never started: no such worker
 *                                                           here, or it ended first), SKIPPED (its call was
 *                                                           cancelled before it started), LOST (its worker JVM
 *                                                           died or was killed for a timeout; the member has
 *                                                           replaced it: see Reply#lost)
 * CANCEL_CALL  pool, callId, flags = STOP_RUNNING or 0       OK: the rest of the call's chunks stop early; with
 *                                                           STOP_RUNNING (the call's deadline passed) its tasks
 *                                                           that run now are stopped too (see SlotWorker#cancel)
 * STOP_WORKER  pool, slot, generation                       OK number = exit hook nanos
 * CLOSE_POOL   pool, flags = TERMINATE or 0                 OK: the member forgets the pool
 * </pre>
 *
 * A generation tells one incarnation of a slot's worker from the next (after a timeout abandoned it, or
 * recycling): requests for an old one get NO_WORKER.
 */
final class Request {
    static final byte PROBE = 1;
    static final byte OPEN_POOL = 2;
    static final byte START_WORKER = 3;
    static final byte RUN_CHUNK = 4;
    static final byte CANCEL_CALL = 5;
    static final byte STOP_WORKER = 6;
    static final byte CLOSE_POOL = 7;

    /** The first byte of every request: a member of another version of Ensemble refuses it clearly. */
    private static final byte VERSION = 1;

    static final byte FLAG_KEEP_GOING = 1;
    static final byte FLAG_TIME_EACH_TASK = 2;
    static final byte FLAG_UNSENDABLE_INPUTS = 4;
    static final byte FLAG_TERMINATE = 8;
    static final byte FLAG_STOP_RUNNING = 16;

    byte op;
    String pool = "";
    UUID owner;
    int slot;
    int generation;
    long callId;
    byte flags;
    long number;
    long firstIndex;
    byte[] task;
    byte[] payload;

    Request(byte op, String pool) {
        this.op = op;
        this.pool = pool;
    }

    private Request() {
    }

    /** The bytes the transport carries. */
    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + length(task) + length(payload));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeByte(op);
            out.writeUTF(pool);
            out.writeBoolean(owner != null);
            if (owner != null) {
                out.writeLong(owner.getMostSignificantBits());
                out.writeLong(owner.getLeastSignificantBits());
            }
            out.writeInt(slot);
            out.writeInt(generation);
            out.writeLong(callId);
            out.writeByte(flags);
            out.writeLong(number);
            out.writeLong(firstIndex);
            Reply.writeBytes(out, task);
            Reply.writeBytes(out, payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not from a byte array
        }
        return bytes.toByteArray();
    }

    /**
     * Reads what {@link #encode} wrote.
     *
     * @throws IllegalArgumentException if the bytes are not a request of this version
     */
    static Request decode(byte[] bytes) {
        Request r = new Request();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readByte() != VERSION) {
                throw new IOException("version " + bytes[0]);
            }
            r.op = in.readByte();
            r.pool = in.readUTF();
            if (in.readBoolean()) {
                r.owner = new UUID(in.readLong(), in.readLong());
            }
            r.slot = in.readInt();
            r.generation = in.readInt();
            r.callId = in.readLong();
            r.flags = in.readByte();
            r.number = in.readLong();
            r.firstIndex = in.readLong();
            r.task = Reply.readBytes(in);
            r.payload = Reply.readBytes(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("a request of " + bytes.length + " bytes is not one of this version "
                    + "of Ensemble; every member needs the same ensemble-core as the caller", e);
        }
        return r;
    }

    private static int length(byte[] b) {
        return b == null ? 0 : b.length;
    }

    @Override
    public String toString() {
        return "Request[op " + op + ", pool " + pool + ", slot " + slot + "]";
    }
}
