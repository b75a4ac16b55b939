package dev.ensemble;

import java.io.Serializable;

/**
 * A call with no input run once on a worker: {@link WorkerPool#submit}, {@link WorkerPool#apply} and
 * {@link WorkerPool#broadcast}. Serializable for the same reason as {@link Task}.
 *
 * @param <R> the result type
 */
@FunctionalInterface
public interface Job<R> extends Serializable {
    /**
     * Runs the job.
     *
     * @return the result, which may be {@code null}
     * @throws Exception any failure, reported to the caller as a {@link TaskFailedException}
     */
    R call() throws Exception;
}
