package dev.ensemble;

import java.io.Serializable;

/**
 * Makes the instance an {@link Ensemble} worker holds: run once per worker, in the worker, when it starts (and
 * again on a worker that replaces one that died). A method reference such as {@code Model::new} is one.
 *
 * <p>It is {@link Serializable} so that it can travel to a worker process or cluster member; the instance it
 * makes never travels, so its class need not be serializable. Inside {@link #create()},
 * {@link WorkerContext#current()} tells which worker it runs on and gives the pool's shared objects.
 *
 * @param <S> the type of the instances
 */
@FunctionalInterface
public interface InstanceFactory<S> extends Serializable {
    /**
     * Makes one instance.
     *
     * @return the instance, not {@code null}
     * @throws Exception any failure; at {@link Ensemble.Builder#build()} it fails the build with this exception
     *     as the cause
     */
    S create() throws Exception;
}
