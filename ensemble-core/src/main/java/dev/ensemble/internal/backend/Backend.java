package dev.ensemble.internal.backend;

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
     * What the workers returned from the pool's exit function as they exited; complete after {@link #awaitExit}.
     *
     * @return the collector; empty for a backend that cannot collect them
     */
    default ExitResults exitResults() {
        return new ExitResults();
    }

    /**
     * The end of a {@link #start} whose workers count down {@code ready} once ready (or once failed, after
     * recording the first failure in {@code failure}): returns when all are ready; else terminates the scheduler,
     * kills what started and throws the first failure, or an {@link IllegalStateException} if the caller was
     * interrupted (its interrupt flag set again).
     *
     * @param backend the starting backend
     * @param poolName for the message
     * @param scheduler the pool's scheduler
     * @param ready counted down by each worker
     * @param failure the first worker's failure, if any
     */
    static void awaitStarted(Backend backend, String poolName, Scheduler scheduler,
            java.util.concurrent.CountDownLatch ready,
            java.util.concurrent.atomic.AtomicReference<RuntimeException> failure) {
        try {
            ready.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            scheduler.terminate();
            backend.kill();
            throw new IllegalStateException("interrupted while starting pool " + poolName, e);
        }
        if (failure.get() != null) {
            scheduler.terminate();
            backend.kill();
            throw failure.get();
        }
    }

    /**
     * Whether the calling thread is one of this backend's workers (a task must not close its own pool).
     *
     * @return true inside a worker
     */
    boolean isWorkerThread();

    /**
     * Checks, before a call is made, that a user's task, job or hook can reach the workers (for workers in
     * other JVMs: that it can be serialized). Nothing is sent if it cannot.
     *
     * @param function the user's function object
     * @param role what it is, for the message, such as {@code "the task"}
     * @throws IllegalArgumentException naming what cannot be sent
     */
    default void validate(Object function, String role) {
    }

    /**
     * A call of a few placed inputs was just opened on the calling thread (submit, apply, broadcast), and no
     * worker thread was woken for it: a backend may hand its chunks to idle workers from this thread, sparing a
     * thread hand-off on the way.
     *
     * @param callId the call's id
     * @return true if nothing is left queued for the workers; false to have them woken
     */
    default boolean callOpened(long callId) {
        return false;
    }

    /**
     * A call was cancelled or failed: workers holding chunks of it that have not started should drop them now. A
     * worker process is told at once, from the calling thread, rather than at its sender's next look: a chunk
     * already in its socket behind a running one would otherwise start before the word arrives.
     *
     * @param callId the call's id
     */
    default void callCancelled(long callId) {
    }

    /**
     * A call was ended by its deadline: stop the workers running its tasks now, as a task timeout would (a worker
     * process is killed and replaced, a thread interrupted). Its queued chunks are dropped by the scheduler.
     *
     * @param callId the call's id
     */
    default void stopRunning(long callId) {
    }
}
