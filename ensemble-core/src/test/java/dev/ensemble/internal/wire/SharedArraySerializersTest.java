package dev.ensemble.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ensemble.SharedArray;
import java.util.List;
import org.apache.fory.memory.MemoryBuffer;
import org.junit.jupiter.api.Test;

/** Shared arrays and their chunks through Fory: the same memory on the other side, with nothing compiled. */
class SharedArraySerializersTest {
    private static Object roundTrip(Object value) {
        Serialization serialization = Serialization.forParent();
        return serialization.read(MemoryBuffer.fromByteArray(serialization.toBytes(value)));
    }

    @Test
    void everyKindOfView_comesBackAsAViewOfTheSameMemory() {
        try (SharedArray.OfDouble doubles = SharedArray.ofDoubles(4);
                SharedArray.OfLong longs = SharedArray.ofLongs(4);
                SharedArray.OfInt ints = SharedArray.ofInts(4);
                SharedArray.OfFloat floats = SharedArray.ofFloats(4);
                SharedArray.OfByte bytes = SharedArray.ofBytes(4)) {
            ((SharedArray.OfDouble) roundTrip(doubles)).set(1, 2.5);
            ((SharedArray.OfLong) roundTrip(longs)).set(1, 7L);
            ((SharedArray.OfInt) roundTrip(ints)).set(1, 7);
            ((SharedArray.OfFloat) roundTrip(floats)).set(1, 2.5f);
            ((SharedArray.OfByte) roundTrip(bytes)).set(1, (byte) 7);
            assertThat(doubles.get(1)).isEqualTo(2.5);
            assertThat(longs.get(1)).isEqualTo(7L);
            assertThat(ints.get(1)).isEqualTo(7);
            assertThat(floats.get(1)).isEqualTo(2.5f);
            assertThat(bytes.get(1)).isEqualTo((byte) 7);
        }
    }

    @Test
    void aSlice_keepsItsOffsetAndLength() {
        try (SharedArray.OfInt ints = SharedArray.ofInts(10)) {
            SharedArray.OfInt back = (SharedArray.OfInt) roundTrip(ints.slice(3, 7));
            assertThat(back.length()).isEqualTo(4);
            back.set(0, 42);
            assertThat(ints.get(3)).isEqualTo(42);
        }
    }

    @Test
    void aChunk_keepsItsRangeAndArray_alsoTwiceInOneMessage() {
        try (SharedArray.OfDouble doubles = SharedArray.ofDoubles(10)) {
            SharedArray.Chunk<SharedArray.OfDouble> chunk = new SharedArray.Chunk<>(2, 4, 8, doubles);
            @SuppressWarnings("unchecked")
            List<SharedArray.Chunk<SharedArray.OfDouble>> back =
                    (List<SharedArray.Chunk<SharedArray.OfDouble>>) roundTrip(List.of(chunk, chunk));
            assertThat(back).hasSize(2);
            SharedArray.Chunk<SharedArray.OfDouble> first = back.get(0);
            assertThat(first.index()).isEqualTo(2);
            assertThat(first.from()).isEqualTo(4);
            assertThat(first.to()).isEqualTo(8);
            first.view().set(0, 9.0);
            assertThat(doubles.get(4)).isEqualTo(9.0);
            assertThat(back.get(1).length()).isEqualTo(4);
        }
    }

    @Test
    void aClosedArray_cannotBeSent_andSaysSo() {
        SharedArray.OfDouble doubles = SharedArray.ofDoubles(4);
        doubles.close();
        assertThatThrownBy(() -> Serialization.forParent().toBytes(doubles))
                .hasStackTraceContaining("cannot send a closed shared array");
    }

    @Test
    void fory_compilesNoSerializerForThem() {
        Serialization serialization = Serialization.forParent();
        try (SharedArray.OfDouble doubles = SharedArray.ofDoubles(4)) {
            assertThat(serialization.serializerClassOf(doubles.getClass()).getEnclosingClass())
                    .isEqualTo(SharedArraySerializers.class);
            assertThat(serialization.serializerClassOf(SharedArray.Chunk.class).getEnclosingClass())
                    .isEqualTo(SharedArraySerializers.class);
        }
    }
}
