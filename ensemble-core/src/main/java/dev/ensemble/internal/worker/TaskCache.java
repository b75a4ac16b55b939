package dev.ensemble.internal.worker;

import java.util.Map;
import java.util.function.LongFunction;

/**
 * The calls whose task one end of a link keeps, by call id, bounded and in order of use: the one task cache of
 * both ends. Where chunks arrive (a worker JVM, a cluster member) it holds the rebuilt tasks; where they are sent
 * from it holds a record of what the other end keeps ({@link Boolean#TRUE}), so that a chunk carries its call's
 * task only when the other end lacks it, or the task's encoded bytes, so that a call's task is encoded once.
 *
 * <p>Over a worker JVM's link both ends keep the same number of entries and touch them for the same chunks in the
 * same order (the pool as it encodes a chunk, the worker as it decodes it), so the pool's record is exact. A
 * cluster member keeps the tasks of every pool it serves, so a pool's record can be wrong: the member then answers
 * that it needs the task, and the pool sends it again.
 *
 * <p>Thread-safe.
 *
 * @param <T> what is kept for a call
 */
public final class TaskCache<T> {
    private final Map<Long, T> entries;

    /**
     * An empty cache.
     *
     * @param capacity how many calls it keeps, at least 1
     */
    public TaskCache(int capacity) {
        this.entries = Lru.synchronizedOf(capacity);
    }

    /**
     * What is kept for a call, which becomes the most recently used.
     *
     * @param callId the call
     * @return what is kept, or null
     */
    public T get(long callId) {
        return entries.get(callId);
    }

    /**
     * Keeps {@code value} for a call, dropping the least recently used beyond the capacity.
     *
     * @param callId the call
     * @param value what to keep
     */
    public void put(long callId, T value) {
        entries.put(callId, value);
    }

    /**
     * What is kept for a call, made by {@code make} if nothing is; {@code make} runs under no lock, as it may be
     * slow (two threads may then both make it, and the last one's value is kept).
     *
     * @param callId the call
     * @param make makes the value from the call id
     * @return the value kept
     */
    public T computeIfAbsent(long callId, LongFunction<T> make) {
        T value = entries.get(callId);
        if (value == null) {
            value = make.apply(callId);
            entries.put(callId, value);
        }
        return value;
    }

    /**
     * Forgets a call: its task did not reach the other end after all.
     *
     * @param callId the call
     */
    public void remove(long callId) {
        entries.remove(callId);
    }

    /** Forgets every call. */
    public void clear() {
        entries.clear();
    }
}
