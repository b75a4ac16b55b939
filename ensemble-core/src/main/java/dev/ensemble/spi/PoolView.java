package dev.ensemble.spi;

import dev.ensemble.Insights;
import java.time.Instant;
import java.util.List;

/**
 * A snapshot of one live pool, for the dashboard.
 *
 * @param id the pool's number in this JVM, from 1
 * @param name the pool's name
 * @param kind what its workers are ({@code threads}, {@code processes}, ...)
 * @param state {@code running} or {@code closing}
 * @param started when it started
 * @param workerStates what each worker does now ({@code starting}, {@code idle}, {@code working}, {@code exited})
 * @param insights its figures so far
 * @param running the calls not yet finished, oldest first
 * @param recent the last finished calls, newest first
 * @param failures the last failed calls, newest first (kept longer than {@code recent})
 * @param callsCompleted calls finished since the pool started, failed or not
 * @param callsFailed calls that failed (not counting cancelled ones)
 */
public record PoolView(long id, String name, String kind, String state, Instant started, List<String> workerStates,
        Insights insights, List<CallView> running, List<CallView> recent, List<CallView> failures,
        long callsCompleted, long callsFailed) {

    /**
     * Copies the lists.
     *
     * @param id the pool's number
     * @param name the pool's name
     * @param kind the kind of workers
     * @param state running or closing
     * @param started start time
     * @param workerStates per worker state
     * @param insights figures
     * @param running running calls
     * @param recent finished calls
     * @param failures failed calls
     * @param callsCompleted finished calls
     * @param callsFailed failed calls
     */
    public PoolView {
        workerStates = List.copyOf(workerStates);
        running = List.copyOf(running);
        recent = List.copyOf(recent);
        failures = List.copyOf(failures);
    }
}
