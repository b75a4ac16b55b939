package dev.ensemble.internal.backend;

import dev.ensemble.internal.schedule.Chunk;

/**
 * The recycling rule of one worker's life, the same for a thread, a worker JVM and a cluster member's worker: it
 * is given at most the pool's {@code maxTasksPerWorker} tasks, and nothing more after a chunk that completes its
 * call's {@code maxTasksPerWorker} ({@link Chunk#recycleAfter()}); then it is due: once nothing it holds is still
 * running, it runs its exit hook and a new worker takes the slot, with a new lifespan.
 *
 * <p>Tasks count when their chunk is given to the worker, so a pipelined worker is never given more than its
 * lifespan; tasks of a chunk that stopped early (its call was cancelled) are {@linkplain #notRun given back}. A
 * worker that has been given nothing takes any chunk, so that a chunk larger than the limit still runs somewhere.
 *
 * <p>Not thread-safe: used by the thread that feeds the worker, or under the lock of the worker's link.
 */
public final class Lifespan {
    private final long maxTasks;
    private long given;
    private boolean callEnds;

    /**
     * A new worker's lifespan.
     *
     * @param maxTasks the pool's {@code maxTasksPerWorker}; 0 for no limit
     */
    public Lifespan(long maxTasks) {
        this.maxTasks = maxTasks;
    }

    /**
     * How many more tasks the worker may be given: the limit to ask the scheduler for.
     *
     * @return 0 when due, {@link Integer#MAX_VALUE} without a limit
     */
    public int room() {
        if (callEnds) {
            return 0;
        }
        return maxTasks > 0 ? Math.clamp(maxTasks - given, 0, Integer.MAX_VALUE) : Integer.MAX_VALUE;
    }

    /**
     * Gives the worker a chunk, if it fits: a chunk that would take a worker already given tasks past the limit
     * (a scheduler's answer to an older limit, a queued chunk cut for another worker) does not, and makes the
     * worker due; the chunk then goes to its replacement or another worker.
     *
     * @param chunk the chunk
     * @return whether the worker takes it
     */
    public boolean give(Chunk chunk) {
        if (due()) {
            return false;
        }
        if (maxTasks > 0 && given > 0 && given + chunk.size() > maxTasks) {
            given = maxTasks;
            return false;
        }
        given += chunk.size();
        callEnds = chunk.recycleAfter();
        return true;
    }

    /**
     * Some tasks of a chunk given to the worker never ran (its call was cancelled or failed before them): they do
     * not count.
     *
     * @param tasks how many
     */
    public void notRun(long tasks) {
        given = Math.max(0, given - Math.max(0, tasks));
    }

    /**
     * Counts tasks a worker ran before this lifespan began (a warm worker adopted by a new pool).
     *
     * @param tasks how many it ran
     */
    public void ranBefore(long tasks) {
        given += tasks;
    }

    /** @return how many tasks the worker has been given */
    public long given() {
        return given;
    }

    /** @return whether the worker takes no more work and is to be recycled once it holds none */
    public boolean due() {
        return callEnds || maxTasks > 0 && given >= maxTasks;
    }
}
