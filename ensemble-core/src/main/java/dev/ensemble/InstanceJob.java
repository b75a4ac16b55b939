package dev.ensemble;

import java.io.Serializable;

/**
 * A call on one instance of an {@link Ensemble} without an argument: {@link Ensemble#broadcast} and
 * {@link Ensemble#on}. Serializable for the same reason as {@link Task}.
 *
 * @param <S> the type of the instances
 * @param <R> the result type
 */
@FunctionalInterface
public interface InstanceJob<S, R> extends Serializable {
    /**
     * Runs on the worker that holds {@code instance}.
     *
     * @param instance the worker's instance, the same object for every call on that worker
     * @return the result, which may be {@code null}
     * @throws Exception any failure, reported to the caller as a {@link TaskFailedException}
     */
    R call(S instance) throws Exception;
}
