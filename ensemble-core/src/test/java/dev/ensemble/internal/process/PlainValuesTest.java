package dev.ensemble.internal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.fory.memory.MemoryBuffer;
import org.junit.jupiter.api.Test;

/** The plain-values block: what a pool's first calls send instead of JDK-serialized arrays. */
class PlainValuesTest {
    private static Object[] roundTrip(Object[] values) {
        MemoryBuffer buffer = MemoryBuffer.newHeapBuffer(16);
        PlainValues.write(buffer, values);
        MemoryBuffer in = MemoryBuffer.fromByteArray(buffer.getBytes(0, buffer.writerIndex()));
        Object[] back = PlainValues.read(in);
        assertThat(in.remaining()).as("bytes left after the block").isZero();
        return back;
    }

    @Test
    void everyPlainType_comesBackEqualAndOfItsOwnClass() {
        Object[] values = {null, 0, Integer.MIN_VALUE, -1L, Long.MAX_VALUE, -0.0, Double.NaN, 1.5f, "", "naïve 漢字 😀",
            true, false, (short) -7, (byte) -128, '\uffff', 'x'};
        assertThat(PlainValues.fits(values)).isTrue();
        Object[] back = roundTrip(values);
        assertThat(back).containsExactly(values);
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                assertThat(back[i]).as("value %d", i).isExactlyInstanceOf(values[i].getClass());
            }
        }
        assertThat(roundTrip(new Object[0])).isEmpty();
    }

    @Test
    void anythingElse_doesNotFit() {
        assertThat(PlainValues.fits(new Object[] {1, List.of(1)})).isFalse();
        assertThat(PlainValues.fits(new Object[] {new int[] {1}})).isFalse();
        assertThat(PlainValues.fits(new Object[] {new StringBuilder("a")})).isFalse();
        assertThat(PlainValues.fits(new Object[] {java.math.BigInteger.ONE})).isFalse();
    }

    @Test
    void damagedBlocks_failClearly_withoutAllocatingWhatTheyClaim() {
        MemoryBuffer count = MemoryBuffer.newHeapBuffer(8);
        count.writeInt32(Integer.MAX_VALUE);
        assertThatThrownBy(() -> PlainValues.read(MemoryBuffer.fromByteArray(count.getBytes(0, 4))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("claims");
        MemoryBuffer string = MemoryBuffer.newHeapBuffer(16);
        string.writeInt32(1);
        string.writeByte(4); // a string
        string.writeInt32(1 << 30);
        assertThatThrownBy(() -> PlainValues.read(MemoryBuffer.fromByteArray(string.getBytes(0, 9))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("claims");
        MemoryBuffer tag = MemoryBuffer.newHeapBuffer(8);
        tag.writeInt32(1);
        tag.writeByte(99);
        assertThatThrownBy(() -> PlainValues.read(MemoryBuffer.fromByteArray(tag.getBytes(0, 5))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("tag 99");
    }
}
