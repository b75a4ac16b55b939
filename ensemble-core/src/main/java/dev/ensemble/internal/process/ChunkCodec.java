package dev.ensemble.internal.process;

import dev.ensemble.internal.backend.Jobs;
import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.wire.ClassPathPackages;
import dev.ensemble.internal.wire.FrameChannel;
import dev.ensemble.internal.wire.Serialization;
import dev.ensemble.internal.worker.TaskCache;
import java.util.Set;
import org.apache.fory.memory.MemoryBuffer;

/**
 * The pool's side of the worker protocol's encoding (see {@link Protocol}): how a chunk becomes a {@code CHUNK}
 * frame and how a values block is read back, and which serializer carries them. It chooses JDK serialization or
 * Fory per chunk ({@link #jdkFirst}), checks and keeps the bytes of tasks, and fails an input that cannot be sent
 * alone, at its own index. One per pool; used by the pool's worker links, which call nothing else for encoding.
 */
final class ChunkCodec {
    private final TaskCache<byte[]> taskBytes = new TaskCache<>(256);

    /** This JVM's Fory, built now if it is not yet (see {@link #validate} for why it may not be). */
    static Serialization serialization() {
        return Serialization.forParent();
    }

    /**
     * Whether chunks may travel by Fory to a worker that reads Fory: not before this JVM's Fory is built. A
     * worker's report that its Fory is ready starts building it here, in the background.
     */
    static boolean foryReadyHere() {
        if (Serialization.parentIfBuilt() != null) {
            return true;
        }
        Serialization.buildParentInBackground();
        return false;
    }

    /** Chunks of at least this many inputs never travel JDK-serialized (see {@link #jdkFirst}). */
    static final int JDK_AT_MOST = 64;

    /**
     * Whether a chunk goes JDK-serialized if it can: while this JVM's Fory or the worker's is not built yet,
     * and the chunk is small. The first pool of a JVM builds neither before a call needs it (a worker builds its
     * own after a few dozen small chunks, this JVM once a worker has one), which made the first result
     * 0.2-0.4 s sooner here; but JDK serialization costs about 4 us per input and result, so a large chunk
     * rather waits for Fory (built on the spot, on either side) than crawl: a map of 200,000 inputs right after
     * the first result ran 2-3 times slower JDK-serialized.
     */
    static boolean jdkFirst(Chunk chunk, boolean workerHasFory) {
        if (chunk.size() >= JDK_AT_MOST) {
            return false;
        }
        return !workerHasFory || !foryReadyHere();
    }

    /**
     * Checks that a task or job can be sent to worker processes, and keeps its bytes for the send that follows on
     * this thread.
     *
     * @param function the task, job or hook
     * @param role how a failure names it ("the task")
     * @throws IllegalArgumentException if it cannot be sent, naming what it captures
     */
    void validate(Object function, String role) {
        // Until this JVM's Fory is built (a first pool builds it only once a worker has its own), a function that
        // JDK serialization carries and the workers' filter admits is sendable: it goes that way.
        if (Serialization.parentIfBuilt() == null) {
            byte[] jdk = Serialization.jdkFunctionBytesIfAdmitted(function, ClassPathPackages.ofThisJvm());
            if (jdk != null) {
                lastValidated = new Validated(Thread.currentThread(), function, jdk, true);
                return;
            }
        }
        byte[] bytes = serialization().requireSendable(function, role);
        lastValidated = new Validated(Thread.currentThread(), function, bytes, false);
    }

    /** A function just checked by {@link #validate}, and its bytes: JDK-serialized ({@code jdk}) or Fory. */
    private record Validated(Thread thread, Object function, byte[] bytes, boolean jdk) {
    }

    /**
     * The last function validated: a submit sends its job from the caller's thread right after validating it,
     * and needs its bytes again. Only that thread takes them, at once; later, a sender serializes anew.
     */
    private volatile Validated lastValidated;

    /** The bytes {@link #validate} made of {@code function} on this thread just now, in that codec; else null. */
    private byte[] validatedBytes(Object function, boolean jdk) {
        Validated last = lastValidated;
        if (last != null && last.function() == function && last.thread() == Thread.currentThread()
                && last.jdk() == jdk) {
            lastValidated = null;
            return last.bytes();
        }
        return null;
    }

    /** The Fory bytes of a task or job, checked sendable; those {@link #validate} made if it is the one. */
    private byte[] sendableBytes(Object function) {
        byte[] validated = validatedBytes(function, false);
        return validated != null ? validated : serialization().requireSendable(function, "the task");
    }

    /** Reads a values block of a worker's results (see {@link Values}). */
    Object[] readValues(MemoryBuffer frame) {
        return Values.read(frame, ClassPathPackages.ofThisJvm(), ChunkCodec::serialization);
    }

    /**
     * Encodes a CHUNK frame; called with the link's write lock held, in frame order. While the worker's Fory or
     * this JVM's is still being built ({@code jdkFirst}), a chunk whose task and inputs JDK serialization can carry
     * goes that way, so the worker's first results do not wait for Fory. An input that cannot be sent fails alone, at its
     * own index, in the worker: one that cannot be serialized, and the largest ones when the chunk's inputs do
     * not fit in one message of {@code maxFrameBytes}.
     *
     * @throws IllegalArgumentException if the task alone does not fit in a message
     */
    void encodeChunk(MemoryBuffer buffer, int seq, Chunk chunk, TaskCache<Boolean> taskMirror, boolean jdkFirst,
            int maxFrameBytes) {
        FrameChannel.begin(buffer, Protocol.CHUNK);
        buffer.writeInt32(seq);
        buffer.writeInt64(chunk.callId());
        int flagsAt = buffer.writerIndex();
        buffer.writeByte(0);
        java.time.Duration timeout = chunk.taskTimeout();
        buffer.writeInt64(timeout == null ? 0 : timeout.toNanos());
        byte flags = chunk.keepGoing() ? Protocol.FLAG_KEEP_GOING : 0;
        if (chunk.timeEachTask() || timeout != null) {
            flags |= Protocol.FLAG_TIME_EACH_TASK; // a timeout needs each task's start
        }
        boolean known = taskMirror.get(chunk.callId()) != null;
        // The job of a submit or apply goes alone; the worker wraps it (one lambda less to rebuild per call).
        Object job = known ? null : Jobs.jobOf(chunk.task());
        Object sent = job != null ? job : chunk.task();
        if (job != null) {
            flags |= Protocol.FLAG_JOB;
        }
        int jdkFlags = jdkFirst ? encodeJdk(buffer, chunk, sent, known, maxFrameBytes) : -1;
        if (jdkFlags >= 0) {
            buffer.putByte(flagsAt, (byte) (flags | jdkFlags | (known ? 0 : Protocol.FLAG_HAS_TASK)));
            if (!known) {
                taskMirror.put(chunk.callId(), Boolean.TRUE);
            }
            return;
        }
        if (!known) {
            flags |= Protocol.FLAG_HAS_TASK;
            byte[] task = taskBytes.computeIfAbsent(chunk.callId(), id -> sendableBytes(sent));
            if (task.length > maxFrameBytes - 1024L) {
                throw new IllegalArgumentException("the task cannot be sent to a worker process: it takes "
                        + task.length + " bytes, over the limit of " + maxFrameBytes + " bytes per message; it "
                        + "captures too much data (share it with sharedObjects, or a SharedArray)");
            }
            Protocol.writeBytes(buffer, task);
        }
        Object[] inputs = chunk.inputs().toArray();
        Serialization serialization = serialization();
        int mark = buffer.writerIndex();
        long budget = maxFrameBytes - (mark - 4L);
        try {
            Values.writeFory(buffer, serialization, inputs);
            if (buffer.writerIndex() - mark > budget) {
                throw new FrameChannel.TooLargeException(buffer.writerIndex() - 4L, maxFrameBytes);
            }
        } catch (RuntimeException | StackOverflowError e) {
            // Find the inputs that cannot be sent; each fails alone, at its own index, in the worker.
            buffer.writerIndex(mark);
            long[] sizes = new long[inputs.length];
            long total = 0;
            for (int i = 0; i < inputs.length; i++) {
                try {
                    sizes[i] = serialization.toBytes(inputs[i]).length;
                } catch (RuntimeException | StackOverflowError bad) {
                    inputs[i] = new Serialization.Unsendable("the input cannot be sent to a worker process: "
                            + serialization.culprit(inputs[i], bad));
                    sizes[i] = -(((Serialization.Unsendable) inputs[i]).message().length() + 64L);
                }
                total += Math.abs(sizes[i]);
            }
            // Over the limit: the largest inputs give way (each failing with the reason) until the rest fits.
            while (total > budget) {
                int largest = 0;
                for (int i = 1; i < sizes.length; i++) {
                    largest = sizes[i] > sizes[largest] ? i : largest;
                }
                if (sizes[largest] <= 0) {
                    break;
                }
                Serialization.Unsendable reason = new Serialization.Unsendable("the input cannot be sent to a "
                        + "worker process: it takes " + sizes[largest] + " bytes, and the inputs of a chunk travel "
                        + "in one message of at most " + maxFrameBytes + " bytes; send less data per task (a "
                        + "SharedArray for large arrays) or use a smaller chunkSize");
                inputs[largest] = reason;
                total -= sizes[largest] - (reason.message().length() + 64L);
                sizes[largest] = 0;
            }
            flags |= Protocol.FLAG_UNSENDABLE_INPUTS;
            Values.writeFory(buffer, serialization, inputs);
        }
        buffer.putByte(flagsAt, flags);
        if (!known) {
            taskMirror.put(chunk.callId(), Boolean.TRUE);
        }
    }

    /**
     * Writes the task (unless known) JDK-serialized and the inputs without Fory ({@link Values#writeWithoutFory}),
     * if the worker would accept them.
     *
     * @return the flag that says so, or -1 if nothing was written (the chunk goes by Fory)
     */
    private int encodeJdk(MemoryBuffer buffer, Chunk chunk, Object task, boolean known, int maxFrameBytes) {
        int mark = buffer.writerIndex();
        Set<String> packages = ClassPathPackages.ofThisJvm();
        // What the worker's filter would refuse, or JDK serialization cannot carry, goes by Fory.
        if (!known) {
            byte[] validated = validatedBytes(task, true);
            byte[] bytes = validated != null ? validated : Serialization.jdkFunctionBytesIfAdmitted(task, packages);
            if (bytes == null) {
                return -1;
            }
            Protocol.writeBytes(buffer, bytes);
        }
        if (Values.writeWithoutFory(buffer, chunk.inputs().toArray(), maxFrameBytes + 4L, packages)) {
            return Protocol.FLAG_JDK;
        }
        buffer.writerIndex(mark); // Fory finds the inputs that cannot be sent or do not fit
        return -1;
    }
}
