package dev.ensemble;

import java.io.Serializable;

/**
 * A function applied to one input on a worker: the unit of work of {@link WorkerPool#map}.
 *
 * <p>It is {@link Serializable} so that a lambda or method reference passed to a pool can travel to a
 * worker process or cluster member without a cast. It may throw any exception; the pool reports it as a
 * {@link TaskFailedException} whose cause is the exception thrown.
 *
 * @param <T> the input type
 * @param <R> the result type
 */
@FunctionalInterface
public interface Task<T, R> extends Serializable {
    /**
     * Computes the result for one input.
     *
     * @param input the input, exactly as the caller gave it (it may be {@code null})
     * @return the result, which may be {@code null}
     * @throws Exception any failure, reported to the caller with the input's index
     */
    R apply(T input) throws Exception;
}
