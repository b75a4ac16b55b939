package dev.ensemble;

import dev.ensemble.internal.worker.CurrentWorker;

/**
 * What a task knows about the worker it runs on. Obtain it inside a task, a hook or a factory with
 * {@link #current()}.
 *
 * <p>Worker ids are stable slots: a worker that dies and is replaced gives its id to the replacement.
 */
public interface WorkerContext {

    /**
     * The context of the worker running the calling code.
     *
     * @return the context of the current worker
     * @throws IllegalStateException if the calling thread is not running a task, a hook or a factory of a pool
     */
    static WorkerContext current() {
        return CurrentWorker.get();
    }

    /**
     * This worker's id.
     *
     * @return a number from 0 to {@code workerCount() - 1}
     */
    int workerId();

    /**
     * The number of workers of the pool.
     *
     * @return the pool's size, at least 1
     */
    int workerCount();

    /**
     * The pool's shared objects ({@link WorkerPool.Builder#sharedObjects}): the same instance for every task of
     * this worker, sent to a worker process once rather than with every task.
     *
     * @param <D> the type the caller expects; a wrong type fails with {@link ClassCastException} where used
     * @return the shared objects
     * @throws IllegalStateException if the pool was built without shared objects
     */
    <D> D shared();
}
