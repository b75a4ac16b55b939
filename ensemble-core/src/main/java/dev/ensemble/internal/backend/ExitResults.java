package dev.ensemble.internal.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What a pool's workers returned from its exit function as they exited, in the order they arrived; read once the
 * pool is closed. Thread-safe: each worker (or its reader thread) adds its own.
 */
public final class ExitResults {
    private record Entry(int worker, long order, Object value, Throwable failure) {
    }

    private final List<Entry> entries = new ArrayList<>();

    /**
     * Records one worker's value.
     *
     * @param worker the worker's id
     * @param value what its exit function returned
     */
    public synchronized void add(int worker, Object value) {
        entries.add(new Entry(worker, entries.size(), value, null));
    }

    /**
     * Records that one worker's exit function failed, or its value could not reach this JVM.
     *
     * @param worker the worker's id
     * @param failure why
     */
    public synchronized void fail(int worker, Throwable failure) {
        entries.add(new Entry(worker, entries.size(), null, failure));
    }

    /**
     * The values in worker order, a worker that exited several times (recycled) oldest first.
     *
     * @param poolName for the message
     * @return the values
     * @throws IllegalStateException if some worker's exit function failed: the first failure is the cause, the
     *     others suppressed
     */
    public synchronized List<Object> values(String poolName) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingInt(Entry::worker).thenComparingLong(Entry::order));
        IllegalStateException failed = null;
        List<Object> values = new ArrayList<>(sorted.size());
        for (Entry e : sorted) {
            if (e.failure() == null) {
                values.add(e.value());
            } else if (failed == null) {
                failed = new IllegalStateException("the exitResult function of pool " + poolName + " failed on worker "
                        + e.worker() + ": " + e.failure(), e.failure());
            } else {
                failed.addSuppressed(e.failure());
            }
        }
        if (failed != null) {
            throw failed;
        }
        return java.util.Collections.unmodifiableList(values);
    }
}
