package dev.ensemble.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Serializable;
import java.util.List;
import java.util.Random;
import org.apache.fory.memory.MemoryBuffer;
import org.junit.jupiter.api.Test;

/** Primitive arrays through the serializers both ends of a pool use, alone, nested, shared and corrupt. */
class BulkArraySerializersTest {
    /** An application class with array fields, one of them twice. */
    record Sample(double[] doubles, long[] longs, int[] ints, float[] floats, double[] sameDoubles)
            implements Serializable {
    }

    @Test
    void arraysOfEverySize_comeBackEqual_aloneAndInsideObjects() {
        Serialization parent = Serialization.forParent();
        Serialization worker = Serialization.forWorker(false);
        worker.allow(List.of(Sample.class.getPackageName()));
        Random random = new Random(42);
        for (int length : new int[] {0, 1, 7, 1000, 1 << 20}) {
            double[] doubles = random.doubles(length).toArray();
            long[] longs = random.longs(length).toArray();
            int[] ints = random.ints(length).toArray();
            float[] floats = new float[length];
            for (int i = 0; i < length; i++) {
                floats[i] = random.nextFloat() - 0.5f;
            }
            Object[] sent = {doubles, longs, ints, floats, new Sample(doubles, longs, ints, floats, doubles)};
            MemoryBuffer buffer = MemoryBuffer.newHeapBuffer(16);
            buffer.writeInt32(12345); // a frame's header before the values: the arrays must not start at 0
            parent.write(buffer, sent);
            MemoryBuffer in = MemoryBuffer.fromByteArray(buffer.getHeapMemory(), 0, buffer.writerIndex());
            assertThat(in.readInt32()).isEqualTo(12345);
            Object[] back = (Object[]) worker.read(in);
            assertThat(in.remaining()).as("everything read, length %d", length).isZero();
            assertThat((double[]) back[0]).isEqualTo(doubles);
            assertThat((long[]) back[1]).isEqualTo(longs);
            assertThat((int[]) back[2]).isEqualTo(ints);
            assertThat((float[]) back[3]).isEqualTo(floats);
            Sample sample = (Sample) back[4];
            assertThat(sample.doubles()).isEqualTo(doubles);
            assertThat(sample.floats()).isEqualTo(floats);
            assertThat(sample.sameDoubles()).as("one array referenced twice stays one").isSameAs(sample.doubles());
        }
    }

    @Test
    void specialValues_keepTheirBits() {
        double[] doubles = {Double.NaN, -0.0, Double.MIN_VALUE, Double.NEGATIVE_INFINITY, Double.MAX_VALUE};
        float[] floats = {Float.NaN, -0.0f, Float.MIN_VALUE, Float.POSITIVE_INFINITY};
        Object[] back = (Object[]) Serialization.forWorker(false).read(
                MemoryBuffer.fromByteArray(Serialization.forParent().toBytes(new Object[] {doubles, floats})));
        for (int i = 0; i < doubles.length; i++) {
            assertThat(Double.doubleToRawLongBits(((double[]) back[0])[i]))
                    .isEqualTo(Double.doubleToRawLongBits(doubles[i]));
        }
        for (int i = 0; i < floats.length; i++) {
            assertThat(Float.floatToRawIntBits(((float[]) back[1])[i])).isEqualTo(Float.floatToRawIntBits(floats[i]));
        }
    }

    @Test
    void aLengthLongerThanTheMessage_failsBeforeAllocating() {
        byte[] bytes = Serialization.forParent().toBytes(new double[1000]);
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 8);
        assertThatThrownBy(() -> Serialization.forWorker(false).read(MemoryBuffer.fromByteArray(truncated)))
                .hasStackTraceContaining("corrupt message: an array of 8000 bytes");
    }
}
