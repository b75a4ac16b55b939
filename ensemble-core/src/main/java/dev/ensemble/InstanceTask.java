package dev.ensemble;

import java.io.Serializable;

/**
 * A call on one instance of an {@link Ensemble} with one argument: {@link Ensemble#scatter},
 * {@link Ensemble#map} and the other calls over inputs. Serializable for the same reason as {@link Task}.
 *
 * @param <S> the type of the instances
 * @param <A> the argument type
 * @param <R> the result type
 */
@FunctionalInterface
public interface InstanceTask<S, A, R> extends Serializable {
    /**
     * Runs on the worker that holds {@code instance}.
     *
     * @param instance the worker's instance, the same object for every call on that worker
     * @param argument the argument, exactly as the caller gave it (it may be {@code null})
     * @return the result, which may be {@code null}
     * @throws Exception any failure, reported to the caller with the argument's index
     */
    R apply(S instance, A argument) throws Exception;
}
