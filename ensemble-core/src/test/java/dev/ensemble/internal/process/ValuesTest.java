package dev.ensemble.internal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ensemble.internal.wire.ClassPathPackages;
import dev.ensemble.internal.wire.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.fory.memory.MemoryBuffer;
import org.junit.jupiter.api.Test;

/** The values block that carries a chunk's inputs one way and a worker's results the other. */
class ValuesTest {
    private static final Set<String> ADMITTED = ClassPathPackages.ofThisJvm();

    private static MemoryBuffer written(MemoryBuffer buffer) {
        return MemoryBuffer.fromByteArray(buffer.getBytes(0, buffer.writerIndex()));
    }

    private static Object[] readBack(MemoryBuffer buffer) {
        MemoryBuffer in = written(buffer);
        Object[] values = Values.read(in, ADMITTED, Serialization::forParent);
        assertThat(in.remaining()).as("bytes left after the block").isZero();
        return values;
    }

    @Test
    void plainValues_goPlain_andOtherSerializableOnes_goJdkSerialized() {
        MemoryBuffer plain = MemoryBuffer.newHeapBuffer(16);
        assertThat(Values.writeWithoutFory(plain, new Object[] {1, "two", null}, Long.MAX_VALUE, ADMITTED)).isTrue();
        assertThat(plain.getByte(0)).isEqualTo(Protocol.CODEC_PLAIN);
        assertThat(readBack(plain)).containsExactly(1, "two", null);

        MemoryBuffer jdk = MemoryBuffer.newHeapBuffer(16);
        Object[] values = {new ArrayList<>(List.of(1, 2)), 3L};
        assertThat(Values.writeWithoutFory(jdk, values, Long.MAX_VALUE, ADMITTED)).isTrue();
        assertThat(jdk.getByte(0)).isEqualTo(Protocol.CODEC_JDK);
        assertThat(readBack(jdk)).containsExactly(values);
    }

    @Test
    void whatCannotGoWithoutFory_leavesTheBufferAsItWas_andGoesByFory() {
        MemoryBuffer buffer = MemoryBuffer.newHeapBuffer(16);
        buffer.writeInt32(7); // what the frame held before the block
        Object[] notSerializable = {new Object()};
        assertThat(Values.writeWithoutFory(buffer, notSerializable, Long.MAX_VALUE, null)).isFalse();
        assertThat(Values.writeWithoutFory(buffer, new Object[] {"x".repeat(100)}, buffer.writerIndex() + 50L, null))
                .as("over the limit").isFalse();
        assertThat(buffer.writerIndex()).isEqualTo(4);

        Object[] values = {new int[] {1, 2, 3}, "four"};
        Values.writeFory(buffer, Serialization.forParent(), values);
        MemoryBuffer in = written(buffer);
        assertThat(in.readInt32()).isEqualTo(7);
        assertThat(in.getByte(in.readerIndex())).isEqualTo(Protocol.CODEC_FORY);
        Object[] back = Values.read(in, ADMITTED, Serialization::forParent);
        assertThat((int[]) back[0]).containsExactly(1, 2, 3);
        assertThat(back[1]).isEqualTo("four");
    }

    @Test
    void aClassTheReadersFilterRefuses_isNotWrittenJdkSerialized() {
        MemoryBuffer buffer = MemoryBuffer.newHeapBuffer(16);
        Object[] values = {new ArrayList<>(List.of(1))};
        assertThat(Values.writeWithoutFory(buffer, values, Long.MAX_VALUE, Set.of("org.example.only")))
                .as("the JDK's own classes, always admitted").isTrue();
        assertThat(Values.writeWithoutFory(MemoryBuffer.newHeapBuffer(16), new Object[] {new Own()}, Long.MAX_VALUE,
                Set.of("org.example.only"))).as("a class of a package the reader does not admit").isFalse();
    }

    @Test
    void anUnknownCodec_isACorruptMessage() {
        MemoryBuffer buffer = MemoryBuffer.newHeapBuffer(16);
        buffer.writeByte((byte) 9);
        assertThatThrownBy(() -> Values.read(written(buffer), ADMITTED, Serialization::forParent))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("corrupt message");
    }

    /** A serializable class of this test's package, which a filter of other packages refuses. */
    record Own() implements java.io.Serializable {
    }
}
