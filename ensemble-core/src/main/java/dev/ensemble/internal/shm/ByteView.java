package dev.ensemble.internal.shm;

import dev.ensemble.SharedArray;
import java.io.Serial;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/** {@link SharedArray.OfByte} over a part of a {@link Region}. */
public final class ByteView extends AbstractView implements SharedArray.OfByte {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final ValueLayout.OfByte E = ValueLayout.JAVA_BYTE;

    ByteView(Region region, long byteOffset, long length, boolean owner) {
        super(region, byteOffset, length, owner, Kind.BYTE);
    }

    @Override
    Kind kind() {
        return Kind.BYTE;
    }

    @Override
    public byte get(long index) {
        Objects.checkIndex(index, length);
        try {
            return segment.getAtIndex(E, index);
        } catch (IllegalStateException e) {
            throw failed(e);
        }
    }

    @Override
    public void set(long index, byte value) {
        checkWritable();
        Objects.checkIndex(index, length);
        try {
            segment.setAtIndex(E, index, value);
        } catch (IllegalStateException e) {
            throw failed(e);
        }
    }

    @Override
    public void fill(byte value) {
        checkWritable();
        try {
            segment.fill(value);
        } catch (IllegalStateException e) {
            throw failed(e);
        }
    }

    @Override
    public byte[] toArray() {
        byte[] copy = new byte[javaArrayLength()];
        copyTo(0, copy, 0, copy.length);
        return copy;
    }

    @Override
    public void copyTo(long index, byte[] dst, int dstIndex, int count) {
        copyOut(index, dst, dst == null ? 0 : dst.length, dstIndex, count);
    }

    @Override
    public void copyFrom(byte[] src, int srcIndex, long index, int count) {
        copyIn(src, src == null ? 0 : src.length, srcIndex, index, count);
    }

    @Override
    public long sum() {
        try {
            // Four independent long sums, as in DoubleView.
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
    public SharedArray.OfByte slice(long from, long to) {
        return (SharedArray.OfByte) sliceOf(from, to);
    }
}
