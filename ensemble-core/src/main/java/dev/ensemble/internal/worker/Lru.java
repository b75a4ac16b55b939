package dev.ensemble.internal.worker;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A map that keeps its {@code capacity} most recently used entries and drops the eldest beyond: the one bounded
 * cache behind every per-call memo of the library: {@link TaskCache} (tasks, the record of them, encoded tasks),
 * cancelled calls, a worker's stateless tasks by their bytes. Not synchronized, as {@link LinkedHashMap}.
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class Lru<K, V> extends LinkedHashMap<K, V> {
    @java.io.Serial
    private static final long serialVersionUID = 1L;

    private final int capacity;

    /**
     * An empty cache.
     *
     * @param capacity the most entries kept, at least 1
     */
    public Lru(int capacity) {
        super(16, 0.75f, true);
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    /**
     * An empty cache that several threads may use: {@link java.util.Collections#synchronizedMap} over one.
     *
     * @param capacity the most entries kept, at least 1
     * @param <K> key type
     * @param <V> value type
     * @return the cache
     */
    public static <K, V> Map<K, V> synchronizedOf(int capacity) {
        return java.util.Collections.synchronizedMap(new Lru<>(capacity));
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > capacity;
    }
}
