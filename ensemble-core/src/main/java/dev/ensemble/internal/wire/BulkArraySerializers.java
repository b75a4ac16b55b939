package dev.ensemble.internal.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.fory.Fory;
import org.apache.fory.config.Config;
import org.apache.fory.context.CopyContext;
import org.apache.fory.context.ReadContext;
import org.apache.fory.context.WriteContext;
import org.apache.fory.memory.MemoryBuffer;
import org.apache.fory.serializer.Serializer;

/**
 * Fory serializers for {@code double[]}, {@code long[]}, {@code int[]} and {@code float[]} that copy the elements
 * in bulk.
 *
 * <p><b>Why.</b> On JDK 25 Fory 1.6 runs the variant of its buffer without {@code sun.misc.Unsafe}, which writes
 * and reads primitive arrays one element at a time through a {@code VarHandle}. Compiled by C2 that loop is
 * as fast as a copy; interpreted or compiled by C1, in a JVM's first seconds, an 8 MiB array took 30-40 ms each
 * way (measured: a pool's first ten 8 MiB round trips 40-45 ms, later ones 7-11). A {@link ByteBuffer} view's
 * bulk {@code put}/{@code get} is one memory copy at any compilation tier.
 *
 * <p><b>Format.</b> The element bytes as a var-uint32, then the elements little-endian, as Fory writes them; a
 * length that is not a whole number of elements or is more than the bytes left fails before anything is
 * allocated. Both ends of a pool register these (see {@link Serialization}).
 */
final class BulkArraySerializers {
    private BulkArraySerializers() {
    }

    /** Registers the four serializers with a Fory instance. */
    static void registerWith(Fory fory) {
        Config config = fory.getConfig();
        fory.registerSerializer(double[].class, new OfDouble(config));
        fory.registerSerializer(long[].class, new OfLong(config));
        fory.registerSerializer(int[].class, new OfInt(config));
        fory.registerSerializer(float[].class, new OfFloat(config));
    }

    /** The common part: framing, bounds, and the fallback for a buffer that is not on the heap. */
    private abstract static class Bulk<T> extends Serializer<T> {
        private final int elementBytes;

        Bulk(Config config, Class<T> type, int elementBytes) {
            super(config, type);
            this.elementBytes = elementBytes;
        }

        abstract int length(T array);

        abstract T allocate(int length);

        /** Copies all of {@code array} into {@code view}, little-endian. */
        abstract void put(ByteBuffer view, T array);

        /** Copies {@code view} into all of {@code array}. */
        abstract void get(ByteBuffer view, T array);

        abstract void writeEach(MemoryBuffer buffer, T array);

        abstract void readEach(MemoryBuffer buffer, T array);

        @Override
        public final void write(WriteContext context, T array) {
            MemoryBuffer buffer = context.getBuffer();
            int bytes = Math.multiplyExact(length(array), elementBytes);
            buffer.writeVarUInt32(bytes);
            byte[] heap = buffer.getHeapMemory();
            if (heap == null) {
                writeEach(buffer, array);
                return;
            }
            int at = buffer.writerIndex();
            buffer.ensure(at + bytes);
            heap = buffer.getHeapMemory(); // ensure may have grown it
            put(ByteBuffer.wrap(heap, buffer._unsafeHeapWriterIndex(), bytes).order(ByteOrder.LITTLE_ENDIAN), array);
            buffer.writerIndex(at + bytes);
        }

        @Override
        public final T read(ReadContext context) {
            MemoryBuffer buffer = context.getBuffer();
            int bytes = buffer.readVarUInt32();
            if (bytes < 0 || bytes % elementBytes != 0 || bytes > buffer.remaining()) {
                throw new IllegalStateException("corrupt message: an array of " + bytes + " bytes of "
                        + elementBytes + "-byte elements, with " + buffer.remaining() + " bytes left");
            }
            T array = allocate(bytes / elementBytes);
            byte[] heap = buffer.getHeapMemory();
            if (heap == null) {
                readEach(buffer, array);
                return array;
            }
            get(ByteBuffer.wrap(heap, buffer._unsafeHeapReaderIndex(), bytes).order(ByteOrder.LITTLE_ENDIAN), array);
            buffer.increaseReaderIndex(bytes);
            return array;
        }
    }

    private static final class OfDouble extends Bulk<double[]> {
        OfDouble(Config config) {
            super(config, double[].class, Double.BYTES);
        }

        @Override
        int length(double[] array) {
            return array.length;
        }

        @Override
        double[] allocate(int length) {
            return new double[length];
        }

        @Override
        void put(ByteBuffer view, double[] array) {
            view.asDoubleBuffer().put(array);
        }

        @Override
        void get(ByteBuffer view, double[] array) {
            view.asDoubleBuffer().get(array);
        }

        @Override
        void writeEach(MemoryBuffer buffer, double[] array) {
            for (double value : array) {
                buffer.writeFloat64(value);
            }
        }

        @Override
        void readEach(MemoryBuffer buffer, double[] array) {
            for (int i = 0; i < array.length; i++) {
                array[i] = buffer.readFloat64();
            }
        }

        @Override
        public double[] copy(CopyContext context, double[] array) {
            return array.clone();
        }
    }

    private static final class OfLong extends Bulk<long[]> {
        OfLong(Config config) {
            super(config, long[].class, Long.BYTES);
        }

        @Override
        int length(long[] array) {
            return array.length;
        }

        @Override
        long[] allocate(int length) {
            return new long[length];
        }

        @Override
        void put(ByteBuffer view, long[] array) {
            view.asLongBuffer().put(array);
        }

        @Override
        void get(ByteBuffer view, long[] array) {
            view.asLongBuffer().get(array);
        }

        @Override
        void writeEach(MemoryBuffer buffer, long[] array) {
            for (long value : array) {
                buffer.writeInt64(value);
            }
        }

        @Override
        void readEach(MemoryBuffer buffer, long[] array) {
            for (int i = 0; i < array.length; i++) {
                array[i] = buffer.readInt64();
            }
        }

        @Override
        public long[] copy(CopyContext context, long[] array) {
            return array.clone();
        }
    }

    private static final class OfInt extends Bulk<int[]> {
        OfInt(Config config) {
            super(config, int[].class, Integer.BYTES);
        }

        @Override
        int length(int[] array) {
            return array.length;
        }

        @Override
        int[] allocate(int length) {
            return new int[length];
        }

        @Override
        void put(ByteBuffer view, int[] array) {
            view.asIntBuffer().put(array);
        }

        @Override
        void get(ByteBuffer view, int[] array) {
            view.asIntBuffer().get(array);
        }

        @Override
        void writeEach(MemoryBuffer buffer, int[] array) {
            for (int value : array) {
                buffer.writeInt32(value);
            }
        }

        @Override
        void readEach(MemoryBuffer buffer, int[] array) {
            for (int i = 0; i < array.length; i++) {
                array[i] = buffer.readInt32();
            }
        }

        @Override
        public int[] copy(CopyContext context, int[] array) {
            return array.clone();
        }
    }

    private static final class OfFloat extends Bulk<float[]> {
        OfFloat(Config config) {
            super(config, float[].class, Float.BYTES);
        }

        @Override
        int length(float[] array) {
            return array.length;
        }

        @Override
        float[] allocate(int length) {
            return new float[length];
        }

        @Override
        void put(ByteBuffer view, float[] array) {
            view.asFloatBuffer().put(array);
        }

        @Override
        void get(ByteBuffer view, float[] array) {
            view.asFloatBuffer().get(array);
        }

        @Override
        void writeEach(MemoryBuffer buffer, float[] array) {
            for (float value : array) {
                buffer.writeFloat32(value);
            }
        }

        @Override
        void readEach(MemoryBuffer buffer, float[] array) {
            for (int i = 0; i < array.length; i++) {
                array[i] = buffer.readFloat32();
            }
        }

        @Override
        public float[] copy(CopyContext context, float[] array) {
            return array.clone();
        }
    }
}
