package dev.ensemble.internal.cluster;

import dev.ensemble.TaskFailedException;
import dev.ensemble.internal.worker.ChunkResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A member's answer to a {@link Request}, carried back as bytes. For a chunk it carries a {@link ChunkResult}:
 * values as one {@link PayloadCodec} array, errors one by one (JDK-serialized exceptions keep their class and stack
 * trace).
 */
final class Reply {
    static final byte OK = 1;
    static final byte ERROR = 2;
    static final byte DONE = 3;
    static final byte NEED_TASK = 4;
    static final byte ABANDONED = 5;
    static final byte NO_WORKER = 6;
    static final byte SKIPPED = 7;
    static final byte LOST = 8;

    static final byte FLAG_RETRYABLE = 1;

    byte status;
    byte flags;
    long number;
    byte[] error;
    int processed;
    long waitNanos;
    long workNanos;
    long slowestNanos;
    int slowestOffset;
    byte[] values;
    int[] errorOffsets = new int[0];
    byte[][] errors = new byte[0][];

    private Reply() {
    }

    static Reply of(byte status) {
        Reply reply = new Reply();
        reply.status = status;
        return reply;
    }

    static Reply ok(long number) {
        Reply reply = of(OK);
        reply.number = number;
        return reply;
    }

    static Reply error(PayloadCodec codec, Throwable error) {
        Reply reply = of(ERROR);
        reply.error = codec.encodeError(error);
        return reply;
    }

    /**
     * Waits, on a member's request thread, for the answer to a request, and turns it into the reply: an
     * interrupted wait (the member shutting down) and a failed answer become error replies.
     *
     * @param answer what will hold the answer
     * @param toReply makes the reply of the answer, on the waiting thread
     * @param codec how errors travel
     * @param <T> the answer's type
     * @return the reply
     */
    static <T> Reply await(java.util.concurrent.Future<T> answer, java.util.function.Function<? super T, Reply> toReply,
            PayloadCodec codec) {
        try {
            return toReply.apply(answer.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error(codec, new IllegalStateException("the cluster member is shutting down"));
        } catch (java.util.concurrent.ExecutionException e) {
            return error(codec, e.getCause());
        }
    }

    /** Packs a chunk's result; a value that cannot be sent back becomes an error at its offset. */
    static Reply done(PayloadCodec codec, ChunkResult result, byte status, int processed) {
        Reply reply = of(status);
        reply.processed = processed;
        reply.waitNanos = result.waitNanos();
        reply.workNanos = result.workNanos();
        reply.slowestNanos = result.slowestNanos();
        reply.slowestOffset = result.slowestOffset();
        Object[] values = java.util.Arrays.copyOf(result.values(), processed);
        Throwable[] errors = result.errors() == null ? new Throwable[processed]
                : java.util.Arrays.copyOf(result.errors(), processed);
        try {
            reply.values = codec.encode(values);
        } catch (RuntimeException | StackOverflowError whole) {
            for (int i = 0; i < processed; i++) {
                try {
                    codec.encode(values[i]);
                } catch (RuntimeException | StackOverflowError e) {
                    errors[i] = new IllegalStateException("the task's result cannot be sent back from the cluster "
                            + "member: " + codec.culprit(values[i], e), e);
                    values[i] = null;
                }
            }
            reply.values = codec.encode(values);
        }
        int count = 0;
        for (Throwable t : errors) {
            count += t != null ? 1 : 0;
        }
        reply.errorOffsets = new int[count];
        reply.errors = new byte[count][];
        for (int i = 0, j = 0; i < processed; i++) {
            if (errors[i] != null) {
                reply.errorOffsets[j] = i;
                reply.errors[j++] = codec.encodeError(errors[i]);
            }
        }
        return reply;
    }

    /**
     * Packs the loss of a worker JVM under a chunk, as the process backend reported it: the results it had sent
     * (the first {@code processed}), the offset of the task it was running ({@code number}), the error for that
     * task if it is not run again, and whether it may be (a death; not a timeout).
     */
    static Reply lost(PayloadCodec codec, ChunkResult partial, int failedOffset, TaskFailedException error,
            boolean retryable) {
        Reply reply = partial == null ? of(LOST) : done(codec, partial, LOST, partial.processed());
        reply.number = failedOffset;
        reply.error = codec.encodeError(error);
        reply.flags = retryable ? FLAG_RETRYABLE : 0;
        return reply;
    }

    /** Unpacks the chunk's result on the caller. */
    ChunkResult result(PayloadCodec codec) {
        Object[] decoded = (Object[]) codec.decode(values);
        Throwable[] thrown = null;
        if (errorOffsets.length > 0) {
            thrown = new Throwable[decoded.length];
            for (int j = 0; j < errorOffsets.length; j++) {
                thrown[errorOffsets[j]] = codec.decodeError(errors[j]);
            }
        }
        return new ChunkResult(decoded, thrown, processed, waitNanos, workNanos, slowestNanos, slowestOffset,
                values.length);
    }

    /** The bytes the transport carries back. */
    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + (values == null ? 0 : values.length));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(status);
            out.writeByte(flags);
            out.writeLong(number);
            writeBytes(out, error);
            out.writeInt(processed);
            out.writeLong(waitNanos);
            out.writeLong(workNanos);
            out.writeLong(slowestNanos);
            out.writeInt(slowestOffset);
            writeBytes(out, values);
            out.writeInt(errorOffsets.length);
            for (int j = 0; j < errorOffsets.length; j++) {
                out.writeInt(errorOffsets[j]);
                writeBytes(out, errors[j]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not from a byte array
        }
        return bytes.toByteArray();
    }

    /**
     * Reads what {@link #encode} wrote.
     *
     * @throws IllegalStateException if the bytes are not a reply of this version
     */
    static Reply decode(byte[] bytes) {
        Reply r = new Reply();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            r.status = in.readByte();
            r.flags = in.readByte();
            r.number = in.readLong();
            r.error = readBytes(in);
            r.processed = in.readInt();
            r.waitNanos = in.readLong();
            r.workNanos = in.readLong();
            r.slowestNanos = in.readLong();
            r.slowestOffset = in.readInt();
            r.values = readBytes(in);
            int count = in.readInt();
            r.errorOffsets = new int[count];
            r.errors = new byte[count][];
            for (int j = 0; j < count; j++) {
                r.errorOffsets[j] = in.readInt();
                r.errors[j] = readBytes(in);
            }
        } catch (IOException e) {
            throw new IllegalStateException("a member's answer of " + bytes.length + " bytes is not one of this "
                    + "version of Ensemble; every member needs the same ensemble-core as the caller", e);
        }
        return r;
    }

    /** Writes a byte array that may be null. */
    static void writeBytes(DataOutput out, byte[] b) throws IOException {
        out.writeInt(b == null ? -1 : b.length);
        if (b != null) {
            out.write(b);
        }
    }

    /** Reads what {@link #writeBytes} wrote. */
    static byte[] readBytes(DataInput in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] b = new byte[length];
        in.readFully(b);
        return b;
    }
}
