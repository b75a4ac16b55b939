package dev.ensemble.internal;

import dev.ensemble.internal.schedule.Scheduler;

/**
 * What a kind of worker must provide: start the workers (each runs a loop that takes chunks from the
 * {@link Scheduler} and reports them back), and stop them. Everything else is the scheduler's.
 */
public interface Backend {

    /**
     * Starts every worker and returns when all are ready.
     *
     * @param scheduler the scheduler the workers take chunks from
     * @throws RuntimeException if a worker could not start; the backend has stopped the others
     */
    void start(Scheduler scheduler);

    /**
     * After {@link Scheduler#close()}: waits until the workers have run their exit hooks and exited, then
     * releases everything the backend holds.
     */
    void awaitExit();

    /** After {@link Scheduler#terminate()}: stops the workers now, not waiting for their tasks. */
    void kill();

    /**
     * Whether the calling thread is one of this backend's workers (a task must not close its own pool).
     *
     * @return true inside a worker
     */
    boolean isWorkerThread();
}
