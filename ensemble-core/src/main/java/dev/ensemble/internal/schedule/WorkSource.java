package dev.ensemble.internal.schedule;

import dev.ensemble.TaskFailedException;
import dev.ensemble.internal.idle.SpinBudget;
import dev.ensemble.internal.worker.ChunkResult;

/**
 * Where a backend's workers get their chunks and report what became of them: the worker side of the
 * {@link Scheduler}. A cluster member that hosts one slot of a pool in a worker JVM of its own implements it too,
 * with a queue of the chunks the pool sends it, and drives the same process backend directly.
 *
 * <p>Every chunk a worker takes gets exactly one report: {@link #completed}, {@link #lost} or {@link #returned}.
 * Reports may come from any thread; none may be made while holding a lock a taker could wait for.
 */
public interface WorkSource {

    /**
     * The next chunk for a worker, waiting until there is one.
     *
     * @param slot the worker's slot
     * @param limit the most inputs the worker accepts now (for recycling), at least 1
     * @return the chunk, or null when the worker should exit: no more work will come
     * @throws InterruptedException if the worker's thread is interrupted while waiting
     */
    Chunk take(int slot, int limit) throws InterruptedException;

    /**
     * {@link #take(int, int)}, first spinning as long as {@code spin} says if this source can (a worker thread of
     * this JVM: the next chunk of a ping-pong of small calls comes within microseconds, sooner than a wake-up).
     *
     * @param slot the worker's slot
     * @param limit the most inputs the worker accepts now (for recycling), at least 1
     * @param spin the worker's spin budget, or null for no spinning
     * @return the chunk, or null when the worker should exit: no more work will come
     * @throws InterruptedException if the worker's thread is interrupted while waiting
     */
    default Chunk take(int slot, int limit, SpinBudget spin) throws InterruptedException {
        return take(slot, limit);
    }

    /**
     * The next chunk for a worker if one is ready now, for a backend that keeps several chunks in flight.
     *
     * @param slot the worker's slot
     * @param limit the most inputs the worker accepts now
     * @return the chunk, or null
     */
    Chunk poll(int slot, int limit);

    /**
     * Whether a worker that looked now might find work.
     *
     * @return true if chunks are queued or being made
     */
    boolean workWaiting();

    /**
     * A worker finished a chunk (possibly cut short by a failure or cancellation).
     *
     * @param slot the worker's slot
     * @param chunk the chunk
     * @param result what the worker reported
     */
    void completed(int slot, Chunk chunk, ChunkResult result);

    /**
     * A worker was lost while it held a chunk: it died, or was killed after a timeout. The task at
     * {@code failedOffset} is blamed; the finished ones before it whose results were lost run again.
     *
     * @param slot the worker's slot
     * @param chunk the chunk it held
     * @param partial the results it sent for the chunk's first inputs, or null
     * @param failedOffset the offset of the task it was running, or -1 if unknown
     * @param error what that input gets if it is not run again
     * @param loss whether the chunk may run again (a death) or not (a timeout)
     */
    void lost(int slot, Chunk chunk, ChunkResult partial, int failedOffset, TaskFailedException error, Loss loss);

    /**
     * Gives back a chunk that was taken but never started (its worker died with it queued, or it could not be
     * sent): it runs later, without counting as a retry.
     *
     * @param slot the worker's slot
     * @param chunk the chunk, untouched
     */
    void returned(int slot, Chunk chunk);

    /**
     * A worker of the slot started.
     *
     * @param slot the slot
     * @param startingNanos time from asking for the worker to it running
     * @param hookNanos time in the start hook
     * @param start whether it is the slot's first worker or replaces one lost or recycled
     */
    void workerStarted(int slot, long startingNanos, long hookNanos, WorkerStart start);

    /**
     * A worker of the slot ran its exit hook and exited.
     *
     * @param slot the slot
     * @param hookNanos time in the exit hook
     */
    void workerExited(int slot, long hookNanos);

    /** @return whether workers are still needed (a lost one is replaced only then) */
    boolean needsWorkers();

    /**
     * No worker can run any more (a lost worker's replacement keeps failing): ends everything still waiting
     * with {@code reason}, and every {@link #take} returns null.
     *
     * @param reason what every waiting caller gets
     */
    void terminate(RuntimeException reason);
}
