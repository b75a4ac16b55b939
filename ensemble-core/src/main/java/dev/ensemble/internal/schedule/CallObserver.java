package dev.ensemble.internal.schedule;

import dev.ensemble.CallOptions;

/**
 * Told when a call of a {@link Scheduler} opens and when it finishes: what progress bars, the pool monitor and
 * the dashboard are built on. Both methods run outside the scheduler's lock and must return quickly: they run on
 * the caller's thread ({@code opened}) or on the worker thread that finished the call ({@code finished}).
 *
 * <p>For each call, {@code opened} comes first (on the thread that opened it, before {@code open} returns) and
 * {@code finished} once, after it (before the call's future completes when the call ends on its own; a stream
 * that is closed or cancelled after its last chunk ran is not reported again).
 */
public interface CallObserver {

    /**
     * A call was opened.
     *
     * @param call the call, already being dispatched
     * @param options its options, or null for a call of placed inputs (submit, broadcast, scatter)
     */
    void opened(Call<?> call, CallOptions options);

    /**
     * A call no longer needs workers: it completed, failed or was cancelled.
     *
     * @param call the call
     * @param failure why it failed or was cancelled, or null if it succeeded
     */
    void finished(Call<?> call, Throwable failure);
}
