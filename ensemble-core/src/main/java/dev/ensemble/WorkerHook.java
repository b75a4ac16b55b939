package dev.ensemble;

import java.io.Serializable;

/**
 * Code run by each worker when it starts or exits ({@link WorkerPool.Builder#onWorkerStart},
 * {@link WorkerPool.Builder#onWorkerExit}), for example to open a connection or load a model once per worker.
 */
@FunctionalInterface
public interface WorkerHook extends Serializable {
    /**
     * Runs the hook in the worker.
     *
     * @param context the worker's context, the same object {@link WorkerContext#current()} returns there
     * @throws Exception a failure; in a start hook it fails the worker's start, in an exit hook it is logged
     */
    void run(WorkerContext context) throws Exception;
}
