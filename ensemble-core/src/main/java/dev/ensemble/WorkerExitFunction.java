package dev.ensemble;

import java.io.Serializable;

/**
 * A value each worker computes as it exits normally, collected by its pool ({@link WorkerPool.Builder#exitResult},
 * {@link WorkerPool#exitResults()}): MPIRE's {@code worker_exit} with {@code get_exit_results()}. For example a
 * worker's counters, or the name of the file it wrote. Serializable for the same reason as {@link Task}.
 *
 * @param <R> the value's type
 */
@FunctionalInterface
public interface WorkerExitFunction<R> extends Serializable {
    /**
     * Runs in the worker as it exits, after {@code onWorkerExit}.
     *
     * @param context the worker's context, the same object {@link WorkerContext#current()} returns there
     * @return the value; null is collected as null
     * @throws Exception a failure, reported by {@link WorkerPool#exitResults()}
     */
    R apply(WorkerContext context) throws Exception;
}
