package dev.ensemble.internal.process;

import dev.ensemble.Job;
import dev.ensemble.Task;
import dev.ensemble.internal.backend.Jobs;
import dev.ensemble.internal.wire.Serialization;
import dev.ensemble.internal.wire.Stateless;
import dev.ensemble.internal.worker.Lru;
import dev.ensemble.internal.worker.TaskCache;
import java.util.Map;
import java.util.Set;
import org.apache.fory.memory.MemoryBuffer;

/**
 * A worker JVM's side of the worker protocol's encoding (see {@link Protocol}), the counterpart of the pool's
 * {@link ChunkCodec}: turns a {@code CHUNK} frame into the task and inputs to run, keeping the tasks of the calls
 * it has seen (the pool sends a call's task once per worker) and, by their bytes, the stateless ones that each call
 * would otherwise send again.
 */
final class ChunkDecoder {
    /** What the decoder reads with: the worker's Fory (built when first needed) and its JDK-serialization filter. */
    interface Readers {
        /** @return the worker's Fory, built if it is not yet */
        Serialization fory();

        /** @return the packages the worker's JDK-serialization filter admits */
        Set<String> packages();
    }

    /** A chunk read from the socket, decoded, waiting its turn. */
    record Pending(int seq, long callId, byte flags, long timeoutNanos, Task<Object, Object> task,
            Object[] inputs, Throwable broken) {
    }

    private final int slot;
    private final Readers readers;
    private final TaskCache<Task<Object, Object>> tasks = new TaskCache<>(Protocol.TASK_CACHE_SIZE);
    /**
     * Stateless tasks by their serialized form (and whether it was a job): a call of the same non-capturing lambda
     * as an earlier call (a loop of {@code submit}) reuses the copy built then instead of deserializing it again.
     */
    private final Map<StatelessKey, Task<Object, Object>> statelessTasks = new Lru<>(Protocol.TASK_CACHE_SIZE);

    private record StatelessKey(boolean job, boolean jdk, java.nio.ByteBuffer bytes) {
        // Written out: a record's generated ones link through an invokedynamic bootstrap, several ms in a worker's
        // first call.
        @Override
        public boolean equals(Object other) {
            return other instanceof StatelessKey k && k.job == job && k.jdk == jdk && k.bytes.equals(bytes);
        }

        @Override
        public int hashCode() {
            return bytes.hashCode() * 4 + (job ? 2 : 0) + (jdk ? 1 : 0);
        }
    }

    ChunkDecoder(int slot, Readers readers) {
        this.slot = slot;
        this.readers = readers;
    }

    /**
     * Decodes a CHUNK frame (its type byte read): the task, sent with the call's first chunk here or kept since,
     * and the inputs. What cannot be rebuilt does not throw: a task fails each input with the reason, inputs that
     * cannot be read fail the chunk's first input.
     *
     * @param frame the frame, positioned after its type
     * @return the chunk, to run in turn
     */
    Pending decode(MemoryBuffer frame) {
        int seq = frame.readInt32();
        long callId = frame.readInt64();
        byte flags = frame.readByte();
        long chunkTimeoutNanos = frame.readInt64();
        Task<Object, Object> task = null;
        boolean jdk = (flags & Protocol.FLAG_JDK) != 0;
        try {
            if ((flags & Protocol.FLAG_HAS_TASK) != 0) {
                byte[] taskBytes = Protocol.readBytes(frame);
                StatelessKey key = new StatelessKey((flags & Protocol.FLAG_JOB) != 0, jdk,
                        java.nio.ByteBuffer.wrap(taskBytes));
                try {
                    task = statelessTasks.get(key);
                    if (task == null) {
                        Object sent = jdk ? Serialization.jdkRead(taskBytes, readers.packages())
                                : readers.fory().read(MemoryBuffer.fromByteArray(taskBytes));
                        task = key.job() ? Jobs.asTask((Job<?>) sent) : asTask(sent);
                        if (Stateless.is(sent)) {
                            statelessTasks.put(key, task);
                        }
                    }
                } catch (RuntimeException | LinkageError e) {
                    RuntimeException error = new IllegalStateException("the task could not be rebuilt in worker "
                            + slot + ": " + e, e);
                    task = ignored -> {
                        throw error;
                    };
                }
                tasks.put(callId, task);
            } else {
                task = tasks.get(callId);
                if (task == null) {
                    throw new IllegalStateException("worker " + slot + " lost the task of call " + callId);
                }
            }
            Object[] inputs = Values.read(frame, readers.packages(), readers::fory);
            return new Pending(seq, callId, flags, chunkTimeoutNanos, task, inputs, null);
        } catch (RuntimeException | LinkageError e) {
            return new Pending(seq, callId, flags, chunkTimeoutNanos, task, new Object[1], new IllegalStateException(
                    "the inputs could not be rebuilt in worker " + slot + ": " + e, e));
        }
    }

    /** Forgets every task: the worker leaves its pool (warm reuse), and the next pool's calls are not these. */
    void forgetTasks() {
        tasks.clear();
        statelessTasks.clear();
    }

    @SuppressWarnings("unchecked")
    private static Task<Object, Object> asTask(Object value) {
        return (Task<Object, Object>) value;
    }
}
