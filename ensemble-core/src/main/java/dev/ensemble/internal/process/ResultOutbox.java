package dev.ensemble.internal.process;

import dev.ensemble.internal.wire.FrameChannel;
import dev.ensemble.internal.wire.Serialization;
import dev.ensemble.internal.worker.ChunkResult;
import java.io.IOException;
import java.util.Arrays;
import org.apache.fory.memory.MemoryBuffer;

/**
 * A worker's results on their way to the pool: the results of short chunks are held back and sent together in one
 * RESULTS frame (the main thread or the monitor flushes them), and parts of chunks (PARTIAL, TIMED_OUT, DYING) are
 * written the same way. A frame has a size limit: a value that cannot be sent, or the largest ones when the
 * values do not fit, fail at their offset instead, so that the chunk's other results still arrive and the worker
 * lives on. Thread-safe: the main thread adds, the monitor and the shutdown hook flush and write parts.
 */
final class ResultOutbox {
    /** How a chunk's results are written. */
    enum Encoding {
        /** The chunk came JDK-serialized, so the pool's Fory may not be built: JDK serialization where it can. */
        JDK_FIRST,
        /** Fory if this worker's is built, else JDK serialization where it can. */
        AS_BUILT
    }

    /** What the outbox asks of its worker. */
    interface Writers {
        /** This worker's Fory if built, else null. */
        Serialization built();

        /** This worker's Fory, waiting for it to be built if need be. */
        Serialization fory();

        /** This worker's slot, for messages. */
        int slot();
    }

    private final FrameChannel channel;
    private final Writers writers;
    private final MemoryBuffer outbox = MemoryBuffer.newHeapBuffer(64 * 1024);
    private int outboxCount;
    private long outboxSince;
    private volatile boolean holding;

    ResultOutbox(FrameChannel channel, Writers writers) {
        this.channel = channel;
        this.writers = writers;
    }

    /** When the results held back began to be held. */
    long heldSince() {
        return outboxSince;
    }

    /** How many bytes the results held back take. */
    int heldBytes() {
        return outbox.writerIndex();
    }

    /** Whether results are held for the monitor to send if the main thread does not within its wait. */
    boolean holding() {
        return holding;
    }

    /**
     * Marks the results as held for the monitor.
     *
     * @return whether they were not held before (the monitor is then to be woken)
     */
    boolean startHolding() {
        if (holding) {
            return false;
        }
        holding = true;
        return true;
    }

    /**
     * Holds a chunk's result back to go with the next ones (see {@link #flush}).
     *
     * @throws IOException if the pool's end is gone
     */
    void add(int seq, ChunkResult result, Encoding encoding) throws IOException {
        synchronized (outbox) {
            addLocked(seq, result, encoding);
        }
    }

    /**
     * Appends a chunk's result to the results held back. A message has a size limit: if the result does not fit
     * with the results already held, those are sent first; if it does not fit alone, its largest values fail
     * instead (see {@link #writeValues}), so that the chunk's other results still arrive and this worker lives on.
     */
    private void addLocked(int seq, ChunkResult result, Encoding encoding) throws IOException {
        long errorsRoom = 0;
        for (int attempt = 0; attempt < 3; attempt++) {
            if (outboxCount == 0) {
                FrameChannel.begin(outbox, Protocol.RESULTS);
                outbox.writeInt32(0);
                outboxSince = System.nanoTime();
            }
            int resultStart = outbox.writerIndex();
            outbox.writeInt32(seq);
            outbox.writeInt32(result.processed());
            outbox.writeInt64(result.waitNanos());
            outbox.writeInt64(result.workNanos());
            outbox.writeInt64(result.slowestNanos());
            outbox.writeInt32(result.slowestOffset());
            // As if alone in its message: results held back are sent first when it does not fit with them.
            long budget = channel.maxFrameBytes() - 9L - (outbox.writerIndex() - resultStart) - errorsRoom;
            Throwable[] errors = writeValues(outbox, result.values(), result.errors(), 0, result.processed(),
                    budget, encoding);
            int errorsStart = outbox.writerIndex();
            Protocol.writeErrors(outbox, errors, 0, result.processed());
            if (outbox.writerIndex() - 4L <= channel.maxFrameBytes()) {
                outboxCount++;
                return;
            }
            outbox.writerIndex(resultStart);
            if (outboxCount > 0) {
                flush();
            } else {
                errorsRoom = outbox.writerIndex() - errorsStart;
            }
        }
        throw new FrameChannel.TooLargeException(outbox.writerIndex(), channel.maxFrameBytes());
    }

    /**
     * Writes values [from, to) as a values block ({@link Values}): without Fory if they allow it, when this
     * worker's Fory is not built or the chunk came JDK-serialized ({@link Encoding#JDK_FIRST}: the
     * pool's Fory may not be built either); else with Fory. A value that cannot be serialized becomes an error at
     * its offset; so do the largest values when all of them take more than {@code budget} bytes (a message's
     * limit), until the rest fits.
     *
     * @return the errors, with any such error added
     */
    private Throwable[] writeValues(MemoryBuffer buffer, Object[] values, Throwable[] errors, int from, int to,
            long budget, Encoding encoding) {
        Object[] slice = from == 0 && to == values.length ? values : Arrays.copyOfRange(values, from, to);
        // Too large or not all serializable without Fory: Fory finds the values that cannot be sent.
        if ((encoding == Encoding.JDK_FIRST || writers.built() == null)
                && Values.writeWithoutFory(buffer, slice, buffer.writerIndex() + budget, null)) {
            return errors;
        }
        Serialization serialization = writers.fory();
        int mark = buffer.writerIndex();
        try {
            Values.writeFory(buffer, serialization, slice);
            if (buffer.writerIndex() - mark <= budget) {
                return errors;
            }
        } catch (RuntimeException | StackOverflowError e) {
            // a value cannot be serialized: found below
        }
        buffer.writerIndex(mark);
        slice = slice.clone(); // the caller's values stay as they are, for another attempt
        Throwable[] fixed = errors == null ? new Throwable[values.length] : errors.clone();
        long[] sizes = new long[slice.length];
        long total = 0;
        for (int i = 0; i < slice.length; i++) {
            try {
                sizes[i] = slice[i] == null ? 0 : serialization.toBytes(slice[i]).length;
                total += sizes[i];
            } catch (RuntimeException | StackOverflowError e) {
                fixed[from + i] = new IllegalStateException("the task's result could not be sent back from worker "
                        + writers.slot() + ": " + serialization.culprit(slice[i], e));
                slice[i] = null;
            }
        }
        while (total > budget) {
            int largest = 0;
            for (int i = 1; i < sizes.length; i++) {
                largest = sizes[i] > sizes[largest] ? i : largest;
            }
            if (sizes[largest] == 0) {
                break;
            }
            fixed[from + largest] = new IllegalStateException("the task's result could not be sent back from worker "
                    + writers.slot() + ": it takes " + sizes[largest] + " bytes, and the results of a chunk travel in one "
                    + "message of at most " + channel.maxFrameBytes() + " bytes; return less data per task (a "
                    + "SharedArray for large arrays) or use a smaller chunkSize");
            total -= sizes[largest];
            sizes[largest] = 0;
            slice[largest] = null;
        }
        Values.writeFory(buffer, serialization, slice);
        return fixed;
    }

    /** Writes the part [from, to) of a chunk's result {@code done} (PARTIAL, TIMED_OUT, DYING). */
    void writePart(MemoryBuffer buffer, int seq, int from, int to, ChunkResult done, Encoding encoding) {
        Object[] values = done.values();
        Throwable[] errors = done.errors();
        buffer.writeInt32(seq);
        buffer.writeInt32(from);
        buffer.writeInt32(to);
        Object[] padded = values.length >= to ? values : Arrays.copyOf(values, to);
        // A part leaves an eighth of its message for its errors and reason.
        Throwable[] fixed = writeValues(buffer, padded, errors, from, to, channel.maxFrameBytes() / 8L * 7,
                encoding);
        Protocol.writeErrors(buffer, fixed, from, to);
    }

    /** Sends the results held back. Called by the main thread, and by the monitor before a PARTIAL. */
    void flush() throws IOException {
        synchronized (outbox) {
            if (outboxCount == 0) {
                return;
            }
            outbox.putInt32(5, outboxCount);
            outboxCount = 0;
            holding = false;
            channel.send(outbox);
        }
    }
}
