package dev.ensemble.internal.shm;

import dev.ensemble.SharedArray;
import java.io.ObjectStreamException;
import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What the typed views share (each implements its {@link SharedArray} interface with these methods): a part of a {@link Region} ({@code byteOffset}, {@code length}), whether this
 * object owns the region, and the rules every view follows.
 *
 * <p>Every access goes straight to the {@link MemorySegment}; the segment itself refuses an access after its
 * shared arena was closed (also one racing with the close on another thread), and the view only turns that
 * {@link IllegalStateException} into one that names the array. That keeps the hot loops free of extra checks.
 *
 * <p>Serialization: {@link #writeReplace} sends a {@link Handle}; nothing else of a view is ever written, which
 * is why its fields are transient.
 */
public abstract sealed class AbstractView implements Serializable
        permits ByteView, IntView, LongView, FloatView, DoubleView {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The mapping this view is a part of. */
    final transient Region region;
    /** Exactly this view's bytes. */
    final transient MemorySegment segment;
    /** Where this view starts in the region. */
    final transient long byteOffset;
    /** The number of elements. */
    final transient long length;
    /** Whether {@link #close()} releases the region. */
    private final transient boolean owner;
    /** Whether writes are refused. */
    final transient boolean readOnly;

    AbstractView(Region region, long byteOffset, long length, boolean owner, Kind kind) {
        this.region = region;
        this.byteOffset = byteOffset;
        this.length = length;
        this.owner = owner;
        this.readOnly = region.readOnly();
        this.segment = region.segment().asSlice(byteOffset, length * kind.bytes());
    }

    /**
     * The owning view of a new region.
     *
     * @param region the region
     * @param kind the element type
     * @return the view whose close() releases the region
     */
    public static AbstractView owner(Region region, Kind kind) {
        return of(kind, region, 0, region.segment().byteSize() / kind.bytes(), true);
    }

    static AbstractView of(Kind kind, Region region, long byteOffset, long length, boolean owner) {
        return switch (kind) {
            case BYTE -> new ByteView(region, byteOffset, length, owner);
            case INT -> new IntView(region, byteOffset, length, owner);
            case LONG -> new LongView(region, byteOffset, length, owner);
            case FLOAT -> new FloatView(region, byteOffset, length, owner);
            case DOUBLE -> new DoubleView(region, byteOffset, length, owner);
        };
    }

    /**
     * Throws {@link IllegalArgumentException} for a null argument.
     *
     * @param value the argument
     * @param name its name
     * @param <V> its type
     * @return {@code value}
     */
    public static <V> V requireArgument(V value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return value;
    }

    /** @return the element type */
    abstract Kind kind();

    public final long length() {
        return length;
    }

    public final long byteSize() {
        return segment.byteSize();
    }

    public final MemorySegment segment() {
        return readOnly ? segment.asReadOnly() : segment;
    }

    public final boolean isReadOnly() {
        return readOnly;
    }

    public final boolean isClosed() {
        return region.isClosed();
    }

    public final Path file() {
        return region.path();
    }

    public final void close() {
        if (owner) {
            region.close("close() of its owner");
        }
    }

    /** The view of elements [from, to) of this one, of the same kind. */
    final AbstractView sliceOf(long from, long to) {
        Objects.checkFromToIndex(from, to, length);
        return of(kind(), region, byteOffset + from * kind().bytes(), to - from, false);
    }

    public final SharedArray.OfByte asBytes() {
        return (SharedArray.OfByte) as(Kind.BYTE);
    }

    public final SharedArray.OfInt asInts() {
        return (SharedArray.OfInt) as(Kind.INT);
    }

    public final SharedArray.OfLong asLongs() {
        return (SharedArray.OfLong) as(Kind.LONG);
    }

    public final SharedArray.OfFloat asFloats() {
        return (SharedArray.OfFloat) as(Kind.FLOAT);
    }

    public final SharedArray.OfDouble asDoubles() {
        return (SharedArray.OfDouble) as(Kind.DOUBLE);
    }

    private AbstractView as(Kind target) {
        long bytes = byteSize();
        if (byteOffset % target.bytes() != 0 || bytes % target.bytes() != 0) {
            throw new IllegalStateException("cannot view " + bytes + " bytes starting at byte " + byteOffset + " of "
                    + region.path() + " as " + target.plural() + ": both must be multiples of " + target.bytes()
                    + "; take a slice that is");
        }
        return of(target, region, byteOffset, bytes / target.bytes(), false);
    }

    /** Refuses a write to a read-only array. */
    final void checkWritable() {
        if (readOnly) {
            throw new UnsupportedOperationException("this shared array is read-only: it maps " + region.path()
                    + " with SharedArray.map; copy what you need into an array made with SharedArray.of...");
        }
    }

    /** Checks a Java array argument of a bulk copy and the two ranges. */
    final void checkCopy(Object array, int arrayLength, String name, int arrayIndex, long index, int count) {
        requireArgument(array, name);
        Objects.checkFromIndexSize(arrayIndex, count, arrayLength);
        Objects.checkFromIndexSize(index, count, length);
    }

    /**
     * Copies {@code count} elements from {@code index} into a Java array of this view's element type.
     *
     * @param dst the array, or null (refused)
     * @param dstLength its length (0 if null)
     */
    final void copyOut(long index, Object dst, int dstLength, int dstIndex, int count) {
        checkCopy(dst, dstLength, "dst", dstIndex, index, count);
        ValueLayout layout = kind().layout();
        try {
            MemorySegment.copy(segment, layout, index * layout.byteSize(), dst, dstIndex, count);
        } catch (IllegalStateException e) {
            throw failed(e);
        }
    }

    /**
     * Copies {@code count} elements of a Java array of this view's element type into the view at {@code index}.
     *
     * @param src the array, or null (refused)
     * @param srcLength its length (0 if null)
     */
    final void copyIn(Object src, int srcLength, int srcIndex, long index, int count) {
        checkWritable();
        checkCopy(src, srcLength, "src", srcIndex, index, count);
        ValueLayout layout = kind().layout();
        try {
            MemorySegment.copy(src, srcIndex, segment, layout, index * layout.byteSize(), count);
        } catch (IllegalStateException e) {
            throw failed(e);
        }
    }

    /**
     * Fills the view with copies of its first element, which the caller has just set: doubling bulk copies
     * rather than a store per element.
     */
    final void fillWithFirst() {
        long size = segment.byteSize();
        try {
            for (long done = kind().bytes(); done < size; ) {
                long n = Math.min(done, size - done);
                MemorySegment.copy(segment, 0, segment, done, n);
                done += n;
            }
        } catch (IllegalStateException e) {
            throw failed(e);
        }
    }

    /** The length as a Java array's, or a clear refusal. */
    final int javaArrayLength() {
        if (length > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("this shared array has " + length + " elements, more than a Java array "
                    + "can hold; copy slices of it with copyTo");
        }
        return (int) length;
    }

    /**
     * The exception for a memory access that failed with {@code e}.
     *
     * @param e what the segment threw
     * @return a clear one if the array is closed, else {@code e}
     */
    final RuntimeException failed(IllegalStateException e) {
        return region.accessFailed(e);
    }

    /**
     * Sends a handle instead of the view (JDK serialization and Fory both call this).
     *
     * @return the handle
     * @throws ObjectStreamException never; declared as serialization expects
     */
    @Serial
    protected final Object writeReplace() throws ObjectStreamException {
        return handle();
    }

    /**
     * What this view becomes on the wire.
     *
     * @return the handle naming its file and its part of it
     * @throws IllegalStateException if the array is closed: a closed array cannot be sent
     */
    public final Handle handle() {
        return region.handle(kind(), byteOffset, length);
    }

    @Override
    public final String toString() {
        return "SharedArray.Of" + switch (kind()) {
            case BYTE -> "Byte";
            case INT -> "Int";
            case LONG -> "Long";
            case FLOAT -> "Float";
            case DOUBLE -> "Double";
        } + "[length=" + length + (byteOffset == 0 ? "" : ", at byte " + byteOffset) + ", " + region
                + (readOnly ? ", read-only" : "") + (owner ? "" : ", view") + "]";
    }
}
