package dev.ensemble.internal.shm;

import dev.ensemble.SharedArray;
import java.io.Serial;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/** {@link SharedArray.OfFloat} over a part of a {@link Region}. */
public final class FloatView extends AbstractView implements SharedArray.OfFloat {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final ValueLayout.OfFloat E = ValueLayout.JAVA_FLOAT;

    FloatView(Region region, long byteOffset, long length, boolean owner) {
        super(region, byteOffset, length, owner, Kind.FLOAT);
    }

    @Override
    Kind kind() {
        return Kind.FLOAT;
    }

    @Override
    public float get(long index) {
        Objects.checkIndex(index, length);
        try {
            return segment.getAtIndex(E, index);
        } catch (IllegalStateException e) {
            throw failed(e);
        }
    }

    @Override
    public void set(long index, float value) {
        checkWritable();
        Objects.checkIndex(index, length);
        try {
            segment.setAtIndex(E, index, value);
        } catch (IllegalStateException e) {
            throw failed(e);
        }
    }

    @Override
    public void fill(float value) {
        if (length > 0) {
            set(0, value);
            fillWithFirst();
        } else {
            checkWritable();
        }
    }

    @Override
    public float[] toArray() {
        float[] copy = new float[javaArrayLength()];
        copyTo(0, copy, 0, copy.length);
        return copy;
    }

    @Override
    public void copyTo(long index, float[] dst, int dstIndex, int count) {
        copyOut(index, dst, dst == null ? 0 : dst.length, dstIndex, count);
    }

    @Override
    public void copyFrom(float[] src, int srcIndex, long index, int count) {
        copyIn(src, src == null ? 0 : src.length, srcIndex, index, count);
    }

    @Override
    public double sum() {
        try {
            // Four independent double sums, as in DoubleView.
            MemorySegment s = segment;
            long n = length;
            double a0 = 0;
            double a1 = 0;
            double a2 = 0;
            double a3 = 0;
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
    public SharedArray.OfFloat slice(long from, long to) {
        return (SharedArray.OfFloat) sliceOf(from, to);
    }
}
