package dev.ensemble.internal.schedule;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.RandomAccess;

/**
 * The unmodifiable result list of a call: a view over the value arrays of its chunks, in order, so that a
 * million results are not copied once more at the end of a map. {@code get} finds the chunk by binary search
 * over the chunks' starting positions (a call has at most a few thousand chunks).
 */
final class SegmentedList extends AbstractList<Object> implements RandomAccess {
    private final Object[][] parts;
    private final int[] starts;

    /**
     * @param parts each chunk's values (possibly longer than its count)
     * @param starts {@code starts[i]} is the list position of {@code parts[i][0]}; {@code starts[parts.length]}
     *     is the size
     */
    SegmentedList(Object[][] parts, int[] starts) {
        this.parts = parts;
        this.starts = starts;
    }

    @Override
    public Object get(int index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException("index " + index + " of a list of " + size());
        }
        int part = Arrays.binarySearch(starts, 0, parts.length, index);
        if (part < 0) {
            part = -part - 2;
        } else {
            while (part + 1 < parts.length && starts[part + 1] == index) {
                part++; // skip empty parts that start at the same position
            }
        }
        return parts[part][index - starts[part]];
    }

    @Override
    public int size() {
        return starts[parts.length];
    }
}
