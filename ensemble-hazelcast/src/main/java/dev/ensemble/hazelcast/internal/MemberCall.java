package dev.ensemble.hazelcast.internal;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * One request from a pool to a member, run there by Hazelcast's executor service. Hazelcast serializes the
 * request itself ({@link DataSerializable}: a class name and these fields); the user's objects inside are
 * {@link PayloadCodec} bytes.
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
 * CANCEL_CALL  pool, callId                                 OK: the rest of the call's chunks stop early
 * STOP_WORKER  pool, slot, generation                       OK number = exit hook nanos
 * CLOSE_POOL   pool, flags = TERMINATE or 0                 OK: the member forgets the pool
 * </pre>
 *
 * A generation tells one incarnation of a slot's worker from the next (after a timeout abandoned it, or
 * recycling): requests for an old one get NO_WORKER.
 */
public final class MemberCall implements Callable<Reply>, DataSerializable, HazelcastInstanceAware {
    static final byte PROBE = 1;
    static final byte OPEN_POOL = 2;
    static final byte START_WORKER = 3;
    static final byte RUN_CHUNK = 4;
    static final byte CANCEL_CALL = 5;
    static final byte STOP_WORKER = 6;
    static final byte CLOSE_POOL = 7;

    static final byte FLAG_KEEP_GOING = 1;
    static final byte FLAG_TIME_EACH_TASK = 2;
    static final byte FLAG_UNSENDABLE_INPUTS = 4;
    static final byte FLAG_TERMINATE = 8;

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

    private transient HazelcastInstance member;

    /** For Hazelcast, which rebuilds requests on the member. */
    public MemberCall() {
    }

    MemberCall(byte op, String pool) {
        this.op = op;
        this.pool = pool;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.member = instance;
    }

    @Override
    public Reply call() {
        return MemberRuntime.of(member).handle(this);
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByte(op);
        out.writeString(pool);
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
        out.writeByteArray(task);
        out.writeByteArray(payload);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        op = in.readByte();
        pool = in.readString();
        if (in.readBoolean()) {
            owner = new UUID(in.readLong(), in.readLong());
        }
        slot = in.readInt();
        generation = in.readInt();
        callId = in.readLong();
        flags = in.readByte();
        number = in.readLong();
        firstIndex = in.readLong();
        task = in.readByteArray();
        payload = in.readByteArray();
    }

    @Override
    public String toString() {
        return "MemberCall[op " + op + ", pool " + pool + ", slot " + slot + "]";
    }
}
