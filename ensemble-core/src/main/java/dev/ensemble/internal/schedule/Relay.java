package dev.ensemble.internal.schedule;

import dev.ensemble.TaskFailedException;
import dev.ensemble.internal.worker.ChunkResult;

/**
 * Where the outcomes of a relay call's chunks go (see {@link Scheduler#openRelay}): exactly one callback per
 * chunk, as the backend reported it, with nothing retried, reordered or failed here. Called after the
 * scheduler's lock is released, on the thread that reported the chunk (a worker process's reader): keep it short.
 */
public interface Relay {

    /**
     * The worker finished the chunk, or stopped it early (a failure outside outcomes mode, a cancellation): its
     * first {@code result.processed()} inputs have results.
     *
     * @param chunk the chunk, as {@link Scheduler#relay} made it
     * @param result what the worker reported
     */
    void completed(Chunk chunk, ChunkResult result);

    /**
     * The worker was lost while it held the chunk: it died, or overran the task timeout and was killed.
     *
     * @param chunk the chunk
     * @param partial the results of the chunk's first inputs that the worker had sent, or null
     * @param failedOffset the offset of the task it was running, or -1 if unknown
     * @param error what that input gets if it is not run again
     * @param loss whether the chunk may run again (a death) or not (a timeout)
     */
    void lost(Chunk chunk, ChunkResult partial, int failedOffset, TaskFailedException error, Loss loss);
}
