package dev.ensemble.internal.schedule;

import dev.ensemble.Task;
import java.time.Duration;

/**
 * What a worker needs of the call a {@link Chunk} belongs to: the task, how to treat a failure, the timeout,
 * and whether the call still wants results. A scheduler's {@link Call}, or a cluster member's record of a call
 * of a pool that runs in the caller's JVM.
 */
public interface CallRef {

    /** @return the call's id, unique among the calls whose chunks one worker gets */
    long id();

    /** @return the task to apply to each input */
    Task<Object, Object> task();

    /** @return whether to run every input after a failure (outcomes mode) */
    boolean keepGoing();

    /** @return whether the call was cancelled or failed, so the rest of its chunks is wasted work */
    boolean isCancelled();

    /** @return the longest one of its tasks may run, or null for no limit */
    Duration taskTimeout();

    /**
     * A call that no scheduler runs, for chunks made by hand (the start-up cache's training run, tests): it stops
     * at its first failure, is never cancelled and has no task timeout.
     *
     * @param id the call's id
     * @param task its task
     * @return the call
     */
    static CallRef plain(long id, Task<Object, Object> task) {
        return new Plain(id, task);
    }

    /** See {@link #plain}. */
    record Plain(long id, Task<Object, Object> task) implements CallRef {
        @Override
        public boolean keepGoing() {
            return false;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public Duration taskTimeout() {
            return null;
        }
    }
}
