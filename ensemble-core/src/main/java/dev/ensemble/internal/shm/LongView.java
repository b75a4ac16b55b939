package dev.ensemble.internal.shm;

import dev.ensemble.SharedArray;
import java.io.Serial;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/** {@link SharedArray.OfLong} over a part of a {@link Region}. */
public final class LongView extends AbstractView implements SharedArray.OfLong {
    @Serial
    private static final long serialVersionUID = 1L;
    /** Coordinates (segment, byte offset); atomic because every element is naturally aligned in the file. */
    private static final VarHandle ATOMIC = ValueLayout.JAVA_LONG.varHandle().withInvokeExactBehavior();
    private static final ValueLayout.OfLong E = ValueLayout.JAVA_LONG;

    LongView(Region region, long byteOffset, long length, boolean owner) {
        super(region, byteOffset, length, owner, Kind.LONG);
    }

    @Override
    Kind kind() {
        return Kind.LONG;
    }

    @Override
    public long get(long index) {
        Objects.checkIndex(index, length);
        try {
            return segment.getAtIndex(E, index);
        } catch (IllegalStateException e) {
            throw failed(e);
        }
    }

    @Override
    public void set(long index, long value) {
        checkWritable();
        Objects.checkIndex(index, length);
        try {
            segment.setAtIndex(E, index, value);
        } catch (IllegalStateException e) {
            throw failed(e);
        }
    }

    @Override
    public long getVolatile(long index) {
        Objects.checkIndex(index, length);
        try {
            return (long) ATOMIC.getVolatile(segment, index * 8L);
        } catch (IllegalStateException e) {
            throw failed(e);
        }
    }

    @Override
    public void setVolatile(long index, long value) {
        checkWritable();
        Objects.checkIndex(index, length);
        try {
            ATOMIC.setVolatile(segment, index * 8L, value);
        } catch (IllegalStateException e) {
            throw failed(e);
        }
    }

    @Override
    public long getAndAdd(long index, long delta) {
        checkWritable();
        Objects.checkIndex(index, length);
        try {
            return (long) ATOMIC.getAndAdd(segment, index * 8L, delta);
        } catch (IllegalStateException e) {
            throw failed(e);
        }
    }

    @Override
    public boolean compareAndSet(long index, long expected, long value) {
        checkWritable();
        Objects.checkIndex(index, length);
        try {
            return (boolean) ATOMIC.compareAndSet(segment, index * 8L, expected, value);
        } catch (IllegalStateException e) {
            throw failed(e);
        }
    }

    @Override
    public void fill(long value) {
        if (length > 0) {
            set(0, value);
            fillWithFirst();
        } else {
            checkWritable();
        }
    }

    @Override
    public long[] toArray() {
        long[] copy = new long[javaArrayLength()];
        copyTo(0, copy, 0, copy.length);
        return copy;
    }

    @Override
    public void copyTo(long index, long[] dst, int dstIndex, int count) {
        copyOut(index, dst, dst == null ? 0 : dst.length, dstIndex, count);
    }

    @Override
    public void copyFrom(long[] src, int srcIndex, long index, int count) {
        copyIn(src, src == null ? 0 : src.length, srcIndex, index, count);
    }

    @Override
    public long sum() {
        try {
            // Four independent sums, as in DoubleView.
            MemorySegment s = segment;
            long n = length;
            long a0 = 0;
            long a1 = 0;
            long a2 = 0;
            long a3 = 0;
            long i = 0;
            for (; i + 3 < n; i += 4) {
                a0 += s.getAtIndex(E, i);
                a1 += s.getAtIndex(E, i + 1);
                a2 += s.getAtIndex(E, i + 2);
                a3 += s.getAtIndex(E, i + 3);
            }
            for (; i < n; i++) {
                a0 += s.getAtIndex(E, i);
            }
            return (a0 + a1) + (a2 + a3);
        } catch (IllegalStateException e) {
            throw failed(e);
        }
    }

    @Override
    public SharedArray.OfLong slice(long from, long to) {
        return (SharedArray.OfLong) sliceOf(from, to);
    }
}
