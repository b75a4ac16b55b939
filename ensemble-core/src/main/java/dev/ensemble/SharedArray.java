package dev.ensemble;

import dev.ensemble.internal.shm.AbstractView;
import dev.ensemble.internal.shm.ByteView;
import dev.ensemble.internal.shm.DoubleView;
import dev.ensemble.internal.shm.FloatView;
import dev.ensemble.internal.shm.IntView;
import dev.ensemble.internal.shm.Kind;
import dev.ensemble.internal.shm.LongView;
import dev.ensemble.internal.shm.Regions;
import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * A primitive array in shared memory, visible to every worker without copying: the objectproxypool
 * {@code SharedArrayWrapper} and mpaio shared array of Java.
 *
 * <pre>{@code
 * try (WorkerPool pool = WorkerPool.processes(4);
 *      SharedArray.OfDouble a = SharedArray.ofDoubles(1_000_000)) {
 *     pool.mapChunks(a, 100_000, chunk -> {                 // each worker fills its slice in place
 *         SharedArray.OfDouble part = chunk.view();
 *         for (long i = 0; i < part.length(); i++) {
 *             part.set(i, Math.sqrt(chunk.from() + i));
 *         }
 *         return null;
 *     });
 *     double total = a.sum();                               // the parent sees every worker's writes
 * }
 * }</pre>
 *
 * <p><b>Memory.</b> The elements live in a file in {@code /dev/shm} (mode 0600, in a directory private to the
 * creating JVM), mapped with the FFM API: element {@code i} of a {@code k}-byte type is at byte {@code i * k},
 * native byte order. A {@code SharedArray} captured by a task, or held by an input, travels to a worker process
 * as a small handle (file, offset, length); each worker process maps the file once and reuses the mapping for
 * every task. Thread workers use the very same memory.
 *
 * <p><b>Lifetime.</b> The array a factory returns owns the memory; {@link #close()} unmaps it in this JVM and
 * deletes the file. Views made with {@link #slice}, {@code as...()}, or received by a worker share the owner's
 * memory and are valid until it is closed; their {@code close()} does nothing. Any use after close (of the owner
 * or of a view in this JVM) throws {@link IllegalStateException}, never crashes the JVM. Close an array after the
 * calls that use it have finished: a worker process cannot use it after that (sending a closed array fails before
 * anything is sent, and a worker maps nothing for an array whose file is gone). Files of a JVM that exits
 * without closing are deleted on its exit; those of a JVM killed with SIGKILL are deleted by the next JVM of the
 * same user that creates an array.
 *
 * <p><b>Thread-safety.</b> Like a Java array: {@code get} and {@code set} are plain memory accesses, safe when
 * tasks write disjoint parts. Writes a task made are visible to the caller once the call that ran it returns.
 * For elements several workers update at once, use the atomic operations of {@link OfLong} and {@link OfInt},
 * which are atomic across processes too.
 *
 * <p><b>Limits.</b> The size is limited by the free space of {@code /dev/shm} (checked at creation) and memory:
 * tmpfs allocates pages when first written, so if {@code /dev/shm} fills up after creation, touching a page not
 * yet written fails with {@link InternalError}, not a crash. Only for processes on one machine: cluster members
 * cannot map a file of another machine.
 */
public sealed interface SharedArray extends AutoCloseable, Serializable
        permits SharedArray.OfByte, SharedArray.OfInt, SharedArray.OfLong, SharedArray.OfFloat,
        SharedArray.OfDouble {

    /**
     * A new array of {@code length} doubles, all {@code 0.0}, in shared memory.
     *
     * @param length the number of elements, 0 or more
     * @return the array, owned by the caller, who must close it
     * @throws IllegalArgumentException if {@code length} is negative or needs more bytes than {@code /dev/shm}
     *     has free; nothing is created then
     * @throws java.io.UncheckedIOException if the file cannot be created or mapped
     */
    static OfDouble ofDoubles(long length) {
        return (OfDouble) AbstractView.owner(Regions.create(Kind.DOUBLE, length), Kind.DOUBLE);
    }

    /**
     * A new array of {@code length} floats, all {@code 0.0f}, in shared memory.
     *
     * @param length the number of elements, 0 or more
     * @return the array, owned by the caller, who must close it
     * @throws IllegalArgumentException if {@code length} is negative or needs more bytes than {@code /dev/shm}
     *     has free
     * @throws java.io.UncheckedIOException if the file cannot be created or mapped
     */
    static OfFloat ofFloats(long length) {
        return (OfFloat) AbstractView.owner(Regions.create(Kind.FLOAT, length), Kind.FLOAT);
    }

    /**
     * A new array of {@code length} longs, all {@code 0}, in shared memory.
     *
     * @param length the number of elements, 0 or more
     * @return the array, owned by the caller, who must close it
     * @throws IllegalArgumentException if {@code length} is negative or needs more bytes than {@code /dev/shm}
     *     has free
     * @throws java.io.UncheckedIOException if the file cannot be created or mapped
     */
    static OfLong ofLongs(long length) {
        return (OfLong) AbstractView.owner(Regions.create(Kind.LONG, length), Kind.LONG);
    }

    /**
     * A new array of {@code length} ints, all {@code 0}, in shared memory.
     *
     * @param length the number of elements, 0 or more
     * @return the array, owned by the caller, who must close it
     * @throws IllegalArgumentException if {@code length} is negative or needs more bytes than {@code /dev/shm}
     *     has free
     * @throws java.io.UncheckedIOException if the file cannot be created or mapped
     */
    static OfInt ofInts(long length) {
        return (OfInt) AbstractView.owner(Regions.create(Kind.INT, length), Kind.INT);
    }

    /**
     * A new array of {@code length} bytes, all {@code 0}, in shared memory.
     *
     * @param length the number of elements, 0 or more
     * @return the array, owned by the caller, who must close it
     * @throws IllegalArgumentException if {@code length} is negative or more than {@code /dev/shm} has free
     * @throws java.io.UncheckedIOException if the file cannot be created or mapped
     */
    static OfByte ofBytes(long length) {
        return (OfByte) AbstractView.owner(Regions.create(Kind.BYTE, length), Kind.BYTE);
    }

    /**
     * A new shared array holding a copy of {@code values}.
     *
     * @param values the values; not null
     * @return the array, owned by the caller, who must close it
     * @throws IllegalArgumentException if {@code values} is null or does not fit in {@code /dev/shm}
     */
    static OfDouble copyOf(double[] values) {
        AbstractView.requireArgument(values, "values");
        OfDouble array = ofDoubles(values.length);
        array.copyFrom(values, 0, 0, values.length);
        return array;
    }

    /**
     * A new shared array holding a copy of {@code values}.
     *
     * @param values the values; not null
     * @return the array, owned by the caller, who must close it
     * @throws IllegalArgumentException if {@code values} is null or does not fit in {@code /dev/shm}
     */
    static OfFloat copyOf(float[] values) {
        AbstractView.requireArgument(values, "values");
        OfFloat array = ofFloats(values.length);
        array.copyFrom(values, 0, 0, values.length);
        return array;
    }

    /**
     * A new shared array holding a copy of {@code values}.
     *
     * @param values the values; not null
     * @return the array, owned by the caller, who must close it
     * @throws IllegalArgumentException if {@code values} is null or does not fit in {@code /dev/shm}
     */
    static OfLong copyOf(long[] values) {
        AbstractView.requireArgument(values, "values");
        OfLong array = ofLongs(values.length);
        array.copyFrom(values, 0, 0, values.length);
        return array;
    }

    /**
     * A new shared array holding a copy of {@code values}.
     *
     * @param values the values; not null
     * @return the array, owned by the caller, who must close it
     * @throws IllegalArgumentException if {@code values} is null or does not fit in {@code /dev/shm}
     */
    static OfInt copyOf(int[] values) {
        AbstractView.requireArgument(values, "values");
        OfInt array = ofInts(values.length);
        array.copyFrom(values, 0, 0, values.length);
        return array;
    }

    /**
     * A new shared array holding a copy of {@code values}.
     *
     * @param values the values; not null
     * @return the array, owned by the caller, who must close it
     * @throws IllegalArgumentException if {@code values} is null or does not fit in {@code /dev/shm}
     */
    static OfByte copyOf(byte[] values) {
        AbstractView.requireArgument(values, "values");
        OfByte array = ofBytes(values.length);
        array.copyFrom(values, 0, 0, values.length);
        return array;
    }

    /**
     * Maps an existing file read-only, with no copy, in this JVM and in every worker that receives it: for large
     * datasets on disk or in {@code /dev/shm}. The result is the file's bytes; view them as another type with
     * {@code as...()}, keeping the returned array to close it:
     *
     * <pre>{@code
     * try (SharedArray.OfByte file = SharedArray.map(Path.of("/data/prices.f64"))) {
     *     SharedArray.OfDouble prices = file.asDoubles();   // native byte order; a view, valid until file.close()
     *     double total = prices.sum();
     * }
     * }</pre>
     *
     * <p>Writes through it throw {@link UnsupportedOperationException}. Closing it unmaps the file and leaves it
     * in place. The file must not shrink while mapped: touching a page past its new end fails with
     * {@link InternalError}.
     *
     * @param file an existing regular file; it may be empty
     * @return a read-only array of the file's bytes, owned by the caller, who must close it
     * @throws IllegalArgumentException if {@code file} is null, does not exist or is not a regular file
     * @throws java.io.UncheckedIOException if it cannot be opened or mapped
     */
    static OfByte map(Path file) {
        AbstractView.requireArgument(file, "file");
        return (OfByte) AbstractView.owner(Regions.map(file), Kind.BYTE);
    }

    /**
     * The number of elements.
     *
     * @return the length, 0 or more
     */
    long length();

    /**
     * The size of the elements in bytes.
     *
     * @return {@code length()} times the element size
     */
    long byteSize();

    /**
     * The memory of exactly this array or view, for FFM code (read-only if the array is). Valid until the owner
     * is closed; accessing it after that throws {@link IllegalStateException}.
     *
     * @return the segment
     */
    MemorySegment segment();

    /**
     * A view of the elements {@code from} (inclusive) to {@code to} (exclusive), sharing this array's memory.
     * Index 0 of the view is element {@code from} of this array.
     *
     * @param from the first element, {@code 0 <= from <= to}
     * @param to the end, {@code to <= length()}
     * @return the view; valid until the owner is closed; its {@code close()} does nothing
     * @throws IndexOutOfBoundsException if the range is not within the array
     */
    SharedArray slice(long from, long to);

    /**
     * The same memory seen as bytes.
     *
     * @return a view; valid until the owner is closed
     */
    OfByte asBytes();

    /**
     * The same memory seen as ints (native byte order).
     *
     * @return a view; valid until the owner is closed
     * @throws IllegalStateException if this array's start or size in bytes is not a multiple of 4
     */
    OfInt asInts();

    /**
     * The same memory seen as longs (native byte order).
     *
     * @return a view; valid until the owner is closed
     * @throws IllegalStateException if this array's start or size in bytes is not a multiple of 8
     */
    OfLong asLongs();

    /**
     * The same memory seen as floats (native byte order).
     *
     * @return a view; valid until the owner is closed
     * @throws IllegalStateException if this array's start or size in bytes is not a multiple of 4
     */
    OfFloat asFloats();

    /**
     * The same memory seen as doubles (native byte order).
     *
     * @return a view; valid until the owner is closed
     * @throws IllegalStateException if this array's start or size in bytes is not a multiple of 8
     */
    OfDouble asDoubles();

    /**
     * Whether writes are refused (arrays from {@link #map(Path)}).
     *
     * @return true if read-only
     */
    boolean isReadOnly();

    /**
     * Whether the memory was released in this JVM.
     *
     * @return true once the owner is closed
     */
    boolean isClosed();

    /**
     * The file that holds the elements.
     *
     * @return its path
     */
    Path file();

    /**
     * Releases the memory if this is the owner (the array a factory returned): unmaps it in this JVM and deletes
     * the file it created ({@link #map(Path)} leaves its file). Does nothing on a view. Idempotent.
     *
     * @throws IllegalStateException if native code still holds the memory (a {@link #segment()} passed to a
     *     native call that has not returned)
     */
    @Override
    void close();

    /** Shared doubles. */
    sealed interface OfDouble extends SharedArray permits DoubleView {
        /**
         * Reads one element.
         *
         * @param index {@code 0 <= index < length()}
         * @return its value
         * @throws IndexOutOfBoundsException if {@code index} is out of range
         * @throws IllegalStateException if the array is closed
         */
        double get(long index);

        /**
         * Writes one element.
         *
         * @param index {@code 0 <= index < length()}
         * @param value the value
         * @throws IndexOutOfBoundsException if {@code index} is out of range
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        void set(long index, double value);

        /**
         * Writes {@code value} to every element.
         *
         * @param value the value
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        void fill(double value);

        /**
         * Copies the elements into a new Java array.
         *
         * @return the copy
         * @throws IllegalStateException if the array is closed, or longer than a Java array can be (copy slices
         *     with {@link #copyTo} instead)
         */
        double[] toArray();

        /**
         * Copies {@code count} elements starting at {@code index} into {@code dst} at {@code dstIndex}.
         *
         * @param index the first element to copy
         * @param dst the destination; not null
         * @param dstIndex where the first element goes in {@code dst}
         * @param count how many
         * @throws IllegalArgumentException if {@code dst} is null
         * @throws IndexOutOfBoundsException if a range is out of bounds
         * @throws IllegalStateException if the array is closed
         */
        void copyTo(long index, double[] dst, int dstIndex, int count);

        /**
         * Copies {@code count} elements of {@code src} starting at {@code srcIndex} into this array at
         * {@code index}.
         *
         * @param src the source; not null
         * @param srcIndex the first element of {@code src} to copy
         * @param index where it goes in this array
         * @param count how many
         * @throws IllegalArgumentException if {@code src} is null
         * @throws IndexOutOfBoundsException if a range is out of bounds
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        void copyFrom(double[] src, int srcIndex, long index, int count);

        /**
         * The sum of the elements, added in several interleaved partial sums for speed, so the last bits may
         * differ from a sequential loop's.
         *
         * @return the sum; 0.0 if empty
         * @throws IllegalStateException if the array is closed
         */
        double sum();

        /**
         * {@inheritDoc}
         *
         * @param from the first element
         * @param to the end, exclusive
         * @return the view
         * @throws IndexOutOfBoundsException if the range is not within the array
         */
        @Override
        OfDouble slice(long from, long to);
    }

    /** Shared floats. */
    sealed interface OfFloat extends SharedArray permits FloatView {
        /**
         * Reads one element.
         *
         * @param index {@code 0 <= index < length()}
         * @return its value
         * @throws IndexOutOfBoundsException if {@code index} is out of range
         * @throws IllegalStateException if the array is closed
         */
        float get(long index);

        /**
         * Writes one element.
         *
         * @param index {@code 0 <= index < length()}
         * @param value the value
         * @throws IndexOutOfBoundsException if {@code index} is out of range
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        void set(long index, float value);

        /**
         * Writes {@code value} to every element.
         *
         * @param value the value
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        void fill(float value);

        /**
         * Copies the elements into a new Java array.
         *
         * @return the copy
         * @throws IllegalStateException if the array is closed or longer than a Java array can be
         */
        float[] toArray();

        /**
         * Copies {@code count} elements starting at {@code index} into {@code dst} at {@code dstIndex}.
         *
         * @param index the first element to copy
         * @param dst the destination; not null
         * @param dstIndex where the first element goes in {@code dst}
         * @param count how many
         * @throws IllegalArgumentException if {@code dst} is null
         * @throws IndexOutOfBoundsException if a range is out of bounds
         * @throws IllegalStateException if the array is closed
         */
        void copyTo(long index, float[] dst, int dstIndex, int count);

        /**
         * Copies {@code count} elements of {@code src} starting at {@code srcIndex} into this array at
         * {@code index}.
         *
         * @param src the source; not null
         * @param srcIndex the first element of {@code src} to copy
         * @param index where it goes in this array
         * @param count how many
         * @throws IllegalArgumentException if {@code src} is null
         * @throws IndexOutOfBoundsException if a range is out of bounds
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        void copyFrom(float[] src, int srcIndex, long index, int count);

        /**
         * The sum of the elements, accumulated in doubles in several interleaved partial sums.
         *
         * @return the sum; 0.0 if empty
         * @throws IllegalStateException if the array is closed
         */
        double sum();

        /**
         * {@inheritDoc}
         *
         * @param from the first element
         * @param to the end, exclusive
         * @return the view
         * @throws IndexOutOfBoundsException if the range is not within the array
         */
        @Override
        OfFloat slice(long from, long to);
    }

    /** Shared longs, with atomic operations that are atomic across processes. */
    sealed interface OfLong extends SharedArray permits LongView {
        /**
         * Reads one element (a plain read).
         *
         * @param index {@code 0 <= index < length()}
         * @return its value
         * @throws IndexOutOfBoundsException if {@code index} is out of range
         * @throws IllegalStateException if the array is closed
         */
        long get(long index);

        /**
         * Writes one element (a plain write).
         *
         * @param index {@code 0 <= index < length()}
         * @param value the value
         * @throws IndexOutOfBoundsException if {@code index} is out of range
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        void set(long index, long value);

        /**
         * Reads one element with volatile semantics: sees the latest atomic update by any thread or process.
         *
         * @param index {@code 0 <= index < length()}
         * @return its value
         * @throws IndexOutOfBoundsException if {@code index} is out of range
         * @throws IllegalStateException if the array is closed
         */
        long getVolatile(long index);

        /**
         * Writes one element with volatile semantics.
         *
         * @param index {@code 0 <= index < length()}
         * @param value the value
         * @throws IndexOutOfBoundsException if {@code index} is out of range
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        void setVolatile(long index, long value);

        /**
         * Atomically adds {@code delta} to one element, atomic across threads and processes.
         *
         * @param index {@code 0 <= index < length()}
         * @param delta the amount to add
         * @return the value before the addition
         * @throws IndexOutOfBoundsException if {@code index} is out of range
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        long getAndAdd(long index, long delta);

        /**
         * Atomically sets one element to {@code value} if it equals {@code expected}, atomic across threads and
         * processes.
         *
         * @param index {@code 0 <= index < length()}
         * @param expected the value it must have
         * @param value the new value
         * @return true if it was set
         * @throws IndexOutOfBoundsException if {@code index} is out of range
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        boolean compareAndSet(long index, long expected, long value);

        /**
         * Writes {@code value} to every element.
         *
         * @param value the value
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        void fill(long value);

        /**
         * Copies the elements into a new Java array.
         *
         * @return the copy
         * @throws IllegalStateException if the array is closed or longer than a Java array can be
         */
        long[] toArray();

        /**
         * Copies {@code count} elements starting at {@code index} into {@code dst} at {@code dstIndex}.
         *
         * @param index the first element to copy
         * @param dst the destination; not null
         * @param dstIndex where the first element goes in {@code dst}
         * @param count how many
         * @throws IllegalArgumentException if {@code dst} is null
         * @throws IndexOutOfBoundsException if a range is out of bounds
         * @throws IllegalStateException if the array is closed
         */
        void copyTo(long index, long[] dst, int dstIndex, int count);

        /**
         * Copies {@code count} elements of {@code src} starting at {@code srcIndex} into this array at
         * {@code index}.
         *
         * @param src the source; not null
         * @param srcIndex the first element of {@code src} to copy
         * @param index where it goes in this array
         * @param count how many
         * @throws IllegalArgumentException if {@code src} is null
         * @throws IndexOutOfBoundsException if a range is out of bounds
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        void copyFrom(long[] src, int srcIndex, long index, int count);

        /**
         * The sum of the elements (wrapping on overflow, like {@link java.util.stream.LongStream#sum()}).
         *
         * @return the sum; 0 if empty
         * @throws IllegalStateException if the array is closed
         */
        long sum();

        /**
         * {@inheritDoc}
         *
         * @param from the first element
         * @param to the end, exclusive
         * @return the view
         * @throws IndexOutOfBoundsException if the range is not within the array
         */
        @Override
        OfLong slice(long from, long to);
    }

    /** Shared ints, with atomic operations that are atomic across processes. */
    sealed interface OfInt extends SharedArray permits IntView {
        /**
         * Reads one element (a plain read).
         *
         * @param index {@code 0 <= index < length()}
         * @return its value
         * @throws IndexOutOfBoundsException if {@code index} is out of range
         * @throws IllegalStateException if the array is closed
         */
        int get(long index);

        /**
         * Writes one element (a plain write).
         *
         * @param index {@code 0 <= index < length()}
         * @param value the value
         * @throws IndexOutOfBoundsException if {@code index} is out of range
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        void set(long index, int value);

        /**
         * Reads one element with volatile semantics: sees the latest atomic update by any thread or process.
         *
         * @param index {@code 0 <= index < length()}
         * @return its value
         * @throws IndexOutOfBoundsException if {@code index} is out of range
         * @throws IllegalStateException if the array is closed
         */
        int getVolatile(long index);

        /**
         * Writes one element with volatile semantics.
         *
         * @param index {@code 0 <= index < length()}
         * @param value the value
         * @throws IndexOutOfBoundsException if {@code index} is out of range
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        void setVolatile(long index, int value);

        /**
         * Atomically adds {@code delta} to one element, atomic across threads and processes.
         *
         * @param index {@code 0 <= index < length()}
         * @param delta the amount to add
         * @return the value before the addition
         * @throws IndexOutOfBoundsException if {@code index} is out of range
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        int getAndAdd(long index, int delta);

        /**
         * Atomically sets one element to {@code value} if it equals {@code expected}, atomic across threads and
         * processes.
         *
         * @param index {@code 0 <= index < length()}
         * @param expected the value it must have
         * @param value the new value
         * @return true if it was set
         * @throws IndexOutOfBoundsException if {@code index} is out of range
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        boolean compareAndSet(long index, int expected, int value);

        /**
         * Writes {@code value} to every element.
         *
         * @param value the value
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        void fill(int value);

        /**
         * Copies the elements into a new Java array.
         *
         * @return the copy
         * @throws IllegalStateException if the array is closed or longer than a Java array can be
         */
        int[] toArray();

        /**
         * Copies {@code count} elements starting at {@code index} into {@code dst} at {@code dstIndex}.
         *
         * @param index the first element to copy
         * @param dst the destination; not null
         * @param dstIndex where the first element goes in {@code dst}
         * @param count how many
         * @throws IllegalArgumentException if {@code dst} is null
         * @throws IndexOutOfBoundsException if a range is out of bounds
         * @throws IllegalStateException if the array is closed
         */
        void copyTo(long index, int[] dst, int dstIndex, int count);

        /**
         * Copies {@code count} elements of {@code src} starting at {@code srcIndex} into this array at
         * {@code index}.
         *
         * @param src the source; not null
         * @param srcIndex the first element of {@code src} to copy
         * @param index where it goes in this array
         * @param count how many
         * @throws IllegalArgumentException if {@code src} is null
         * @throws IndexOutOfBoundsException if a range is out of bounds
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        void copyFrom(int[] src, int srcIndex, long index, int count);

        /**
         * The sum of the elements as a {@code long}.
         *
         * @return the sum; 0 if empty
         * @throws IllegalStateException if the array is closed
         */
        long sum();

        /**
         * {@inheritDoc}
         *
         * @param from the first element
         * @param to the end, exclusive
         * @return the view
         * @throws IndexOutOfBoundsException if the range is not within the array
         */
        @Override
        OfInt slice(long from, long to);
    }

    /** Shared bytes: raw data, text, or a mapped file to view as another type. */
    sealed interface OfByte extends SharedArray permits ByteView {
        /**
         * Reads one element.
         *
         * @param index {@code 0 <= index < length()}
         * @return its value
         * @throws IndexOutOfBoundsException if {@code index} is out of range
         * @throws IllegalStateException if the array is closed
         */
        byte get(long index);

        /**
         * Writes one element.
         *
         * @param index {@code 0 <= index < length()}
         * @param value the value
         * @throws IndexOutOfBoundsException if {@code index} is out of range
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        void set(long index, byte value);

        /**
         * Writes {@code value} to every element.
         *
         * @param value the value
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        void fill(byte value);

        /**
         * Copies the elements into a new Java array.
         *
         * @return the copy
         * @throws IllegalStateException if the array is closed or longer than a Java array can be
         */
        byte[] toArray();

        /**
         * Copies {@code count} elements starting at {@code index} into {@code dst} at {@code dstIndex}.
         *
         * @param index the first element to copy
         * @param dst the destination; not null
         * @param dstIndex where the first element goes in {@code dst}
         * @param count how many
         * @throws IllegalArgumentException if {@code dst} is null
         * @throws IndexOutOfBoundsException if a range is out of bounds
         * @throws IllegalStateException if the array is closed
         */
        void copyTo(long index, byte[] dst, int dstIndex, int count);

        /**
         * Copies {@code count} elements of {@code src} starting at {@code srcIndex} into this array at
         * {@code index}.
         *
         * @param src the source; not null
         * @param srcIndex the first element of {@code src} to copy
         * @param index where it goes in this array
         * @param count how many
         * @throws IllegalArgumentException if {@code src} is null
         * @throws IndexOutOfBoundsException if a range is out of bounds
         * @throws UnsupportedOperationException if the array is read-only
         * @throws IllegalStateException if the array is closed
         */
        void copyFrom(byte[] src, int srcIndex, long index, int count);

        /**
         * The sum of the elements as signed bytes.
         *
         * @return the sum; 0 if empty
         * @throws IllegalStateException if the array is closed
         */
        long sum();

        /**
         * {@inheritDoc}
         *
         * @param from the first element
         * @param to the end, exclusive
         * @return the view
         * @throws IndexOutOfBoundsException if the range is not within the array
         */
        @Override
        OfByte slice(long from, long to);
    }

    /**
     * One part of a shared array handed to a task by {@link WorkerPool#mapChunks}: elements {@link #from()}
     * (inclusive) to {@link #to()} (exclusive), the {@link #index()}-th of its call. It travels as a handle of the
     * whole array plus the range, so a worker process maps the array once and reuses it for every chunk.
     *
     * @param index the chunk's position in the call, from 0
     * @param from the first element, inclusive
     * @param to the end, exclusive
     * @param array the whole array; use {@link #view()} for this chunk's part
     * @param <A> the array's type, such as {@link OfDouble}
     */
    record Chunk<A extends SharedArray>(int index, long from, long to, A array) implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;

        /**
         * Checks the range.
         *
         * @throws IllegalArgumentException if {@code array} is null, {@code index} negative or the range not
         *     within the array
         */
        public Chunk {
            AbstractView.requireArgument(array, "array");
            if (index < 0 || from < 0 || from > to || to > array.length()) {
                throw new IllegalArgumentException("a chunk [" + from + ", " + to + ") with index " + index
                        + " is not within an array of length " + array.length());
            }
        }

        /**
         * The number of elements in this chunk.
         *
         * @return {@code to() - from()}
         */
        public long length() {
            return to - from;
        }

        /**
         * This chunk's part of the array: index 0 of the view is element {@link #from()} of the array.
         *
         * @return a typed view sharing the array's memory
         * @throws IllegalStateException if the array is closed
         */
        @SuppressWarnings("unchecked")
        public A view() {
            if (array.isClosed()) {
                throw new IllegalStateException("the shared array of chunk " + index + " (" + array.file()
                        + ") is closed");
            }
            return (A) array.slice(from, to);
        }

        /**
         * Cuts an array into consecutive chunks of {@code chunkSize} elements (the last may be shorter), without
         * copying anything: the inputs {@link WorkerPool#mapChunks} maps over.
         *
         * @param array the array; open
         * @param chunkSize the elements per chunk, at least 1
         * @param <A> the array's type
         * @return the chunks in order, computed on access; an empty array gives no chunks
         * @throws IllegalArgumentException if {@code array} is null, {@code chunkSize} is less than 1, or the
         *     array has more than {@code Integer.MAX_VALUE} chunks of that size
         * @throws IllegalStateException if the array is closed
         */
        public static <A extends SharedArray> List<Chunk<A>> split(A array, int chunkSize) {
            AbstractView.requireArgument(array, "array");
            if (chunkSize < 1) {
                throw new IllegalArgumentException("chunkSize must be at least 1, got " + chunkSize);
            }
            if (array.isClosed()) {
                throw new IllegalStateException("cannot cut a closed shared array (" + array.file()
                        + ") into chunks");
            }
            long length = array.length();
            long count = length / chunkSize + (length % chunkSize == 0 ? 0 : 1);
            if (count > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("an array of " + length + " elements in chunks of " + chunkSize
                        + " makes " + count + " chunks, more than a call can have; use a larger chunkSize");
            }
            int size = (int) count;
            final class Chunks extends AbstractList<Chunk<A>> implements RandomAccess {
                @Override
                public Chunk<A> get(int i) {
                    if (i < 0 || i >= size) {
                        throw new IndexOutOfBoundsException("chunk " + i + " of " + size);
                    }
                    long from = (long) i * chunkSize;
                    return new Chunk<>(i, from, Math.min(length, from + chunkSize), array);
                }

                @Override
                public int size() {
                    return size;
                }
            }
            return new Chunks();
        }

        @Override
        public String toString() {
            return "Chunk[" + index + ": " + from + ".." + to + " of " + array + "]";
        }
    }
}
