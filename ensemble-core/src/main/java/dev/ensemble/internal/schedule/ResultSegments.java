package dev.ensemble.internal.schedule;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A call's results as they arrive, in segments (the results of a run of consecutive inputs): by input index for
 * an ordered call, in arrival order otherwise. A collecting call takes them all at its end ({@link #toList}); a
 * stream's reader takes them a segment at a time as they become readable ({@link #takeReady}), and the serialized
 * bytes not read yet bound how far the stream runs ahead of it. Guarded by the scheduler's lock.
 */
final class ResultSegments {
    /** The results of inputs {@code firstIndex} to {@code firstIndex + count - 1}, and their serialized size. */
    record Segment(long firstIndex, Object[] values, int count, long bytes) {
    }

    private final Call.Order order;
    private final TreeMap<Long, Segment> ordered = new TreeMap<>();
    private final ArrayDeque<Segment> unordered = new ArrayDeque<>();
    /** The index of the next input whose result an ordered stream's reader gets. */
    private long nextIndexToRead;
    /** Serialized bytes of the segments not taken yet. */
    private long bytesUnread;

    ResultSegments(Call.Order order) {
        this.order = order;
    }

    void add(long firstIndex, Object[] values, int count, long bytes) {
        Segment segment = new Segment(firstIndex, values, count, bytes);
        bytesUnread += bytes;
        if (order == Call.Order.ORDERED) {
            ordered.put(firstIndex, segment);
        } else {
            unordered.add(segment);
        }
    }

    /** @return the segments held, not yet taken */
    int size() {
        return ordered.size() + unordered.size();
    }

    boolean isEmpty() {
        return ordered.isEmpty() && unordered.isEmpty();
    }

    long bytesUnread() {
        return bytesUnread;
    }

    long nextIndexToRead() {
        return nextIndexToRead;
    }

    /**
     * The next segment a stream's reader may have: the next by arrival, or for an ordered call the one that
     * starts where the reader is, cut short at the failure at {@code failureIndex}.
     *
     * @return the segment, or null if none is readable yet
     */
    Segment takeReady(long failureIndex) {
        if (order == Call.Order.UNORDERED) {
            Segment s = unordered.poll();
            if (s != null) {
                bytesUnread -= s.bytes();
            }
            return s;
        }
        Map.Entry<Long, Segment> first = ordered.firstEntry();
        if (first == null || first.getKey() != nextIndexToRead || first.getKey() >= failureIndex) {
            return null;
        }
        ordered.pollFirstEntry();
        Segment s = first.getValue();
        bytesUnread -= s.bytes();
        int count = (int) Math.min(s.count(), failureIndex - s.firstIndex());
        nextIndexToRead = s.firstIndex() + s.count();
        return count == s.count() ? s : new Segment(s.firstIndex(), s.values(), count, s.bytes());
    }

    /** @return every result, in input order (ordered) or arrival order, as one list over the segments' arrays */
    List<Object> toList() {
        Collection<Segment> segments = order == Call.Order.ORDERED ? ordered.values() : unordered;
        int count = segments.size();
        Object[][] parts = new Object[count][];
        int[] starts = new int[count + 1];
        int at = 0;
        for (Segment s : segments) {
            parts[at] = s.values();
            starts[at + 1] = starts[at] + s.count();
            at++;
        }
        return new SegmentedList(parts, starts);
    }
}
