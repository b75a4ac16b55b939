package dev.ensemble.internal.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.BiConsumer;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;
import java.util.function.UnaryOperator;
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
 * as fast as a copy; interpreted or compiled by C1, in a JVM's first seconds, it is several times slower than
 * the copy (see docs/design.md). A {@link ByteBuffer} view's
 * bulk {@code put}/{@code get} is one memory copy at any compilation tier.
 *
 * <p><b>Format.</b> The element bytes as a var-uint32, then the elements little-endian, as Fory writes them; a
 * length that is not a whole number of elements or is more than the bytes left fails before anything is
 * allocated. Both ends of a pool register these (see {@link Serialization}). A buffer that is not on the heap
 * (none of ours) goes through a heap array of the same bytes.
 */
final class BulkArraySerializers {
    private BulkArraySerializers() {
    }

    /** Registers the four serializers with a Fory instance. */
    static void registerWith(Fory fory) {
        Config config = fory.getConfig();
        fory.registerSerializer(double[].class, new Bulk<>(config, double[].class, Double.BYTES, a -> a.length,
                double[]::new, (view, a) -> view.asDoubleBuffer().put(a), (view, a) -> view.asDoubleBuffer().get(a),
                double[]::clone));
        fory.registerSerializer(long[].class, new Bulk<>(config, long[].class, Long.BYTES, a -> a.length,
                long[]::new, (view, a) -> view.asLongBuffer().put(a), (view, a) -> view.asLongBuffer().get(a),
                long[]::clone));
        fory.registerSerializer(int[].class, new Bulk<>(config, int[].class, Integer.BYTES, a -> a.length,
                int[]::new, (view, a) -> view.asIntBuffer().put(a), (view, a) -> view.asIntBuffer().get(a),
                int[]::clone));
        fory.registerSerializer(float[].class, new Bulk<>(config, float[].class, Float.BYTES, a -> a.length,
                float[]::new, (view, a) -> view.asFloatBuffer().put(a), (view, a) -> view.asFloatBuffer().get(a),
                float[]::clone));
    }

    /** One primitive array type: framing and bounds here, the element type's part in the functions. */
    private static final class Bulk<T> extends Serializer<T> {
        private final int elementBytes;
        private final ToIntFunction<T> length;
        private final IntFunction<T> allocate;
        private final BiConsumer<ByteBuffer, T> put;
        private final BiConsumer<ByteBuffer, T> get;
        private final UnaryOperator<T> clone;

        // put copies all of an array into a little-endian view; get copies such a view into all of an array.
        Bulk(Config config, Class<T> type, int elementBytes, ToIntFunction<T> length, IntFunction<T> allocate,
                BiConsumer<ByteBuffer, T> put, BiConsumer<ByteBuffer, T> get, UnaryOperator<T> clone) {
            super(config, type);
            this.elementBytes = elementBytes;
            this.length = length;
            this.allocate = allocate;
            this.put = put;
            this.get = get;
            this.clone = clone;
        }

        @Override
        public void write(WriteContext context, T array) {
            MemoryBuffer buffer = context.getBuffer();
            int bytes = Math.multiplyExact(length.applyAsInt(array), elementBytes);
            buffer.writeVarUInt32(bytes);
            if (buffer.getHeapMemory() == null) {
                byte[] copy = new byte[bytes];
                put.accept(littleEndian(copy, 0, bytes), array);
                buffer.writeBytes(copy);
                return;
            }
            int at = buffer.writerIndex();
            buffer.ensure(at + bytes); // may grow the heap array: read it after
            put.accept(littleEndian(buffer.getHeapMemory(), buffer._unsafeHeapWriterIndex(), bytes), array);
            buffer.writerIndex(at + bytes);
        }

        @Override
        public T read(ReadContext context) {
            MemoryBuffer buffer = context.getBuffer();
            int bytes = buffer.readVarUInt32();
            if (bytes < 0 || bytes % elementBytes != 0 || bytes > buffer.remaining()) {
                throw new IllegalStateException("corrupt message: an array of " + bytes + " bytes of "
                        + elementBytes + "-byte elements, with " + buffer.remaining() + " bytes left");
            }
            T array = allocate.apply(bytes / elementBytes);
            if (buffer.getHeapMemory() == null) {
                get.accept(littleEndian(buffer.readBytes(bytes), 0, bytes), array);
                return array;
            }
            get.accept(littleEndian(buffer.getHeapMemory(), buffer._unsafeHeapReaderIndex(), bytes), array);
            buffer.increaseReaderIndex(bytes);
            return array;
        }

        @Override
        public T copy(CopyContext context, T array) {
            return clone.apply(array);
        }

        private static ByteBuffer littleEndian(byte[] bytes, int offset, int length) {
            return ByteBuffer.wrap(bytes, offset, length).order(ByteOrder.LITTLE_ENDIAN);
        }
    }
}
