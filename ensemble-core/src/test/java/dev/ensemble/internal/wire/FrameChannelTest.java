package dev.ensemble.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.fory.memory.MemoryBuffer;
import org.junit.jupiter.api.Test;

/** Frames over a real Unix domain socket pair. */
class FrameChannelTest extends SocketPairTest {
    @Test
    void frames_arriveWhole_andInOrder_smallAndLarge() throws Exception {
        try (FrameChannel a = new FrameChannel(left, FrameChannel.DEFAULT_MAX_FRAME_BYTES);
                FrameChannel b = new FrameChannel(right, FrameChannel.DEFAULT_MAX_FRAME_BYTES)) {
            byte[] big = new byte[8 << 20];
            big[big.length - 1] = 42;
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    MemoryBuffer buffer = MemoryBuffer.newHeapBuffer(16);
                    FrameChannel.begin(buffer, (byte) 1).writeInt64(7);
                    a.send(buffer);
                    FrameChannel.begin(buffer, (byte) 2).writeBytes(big);
                    a.send(buffer);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            MemoryBuffer first = b.receive();
            assertThat(first.readByte()).isEqualTo((byte) 1);
            assertThat(first.readInt64()).isEqualTo(7);
            MemoryBuffer second = b.receive();
            assertThat(second.readByte()).isEqualTo((byte) 2);
            byte[] got = second.readBytes(big.length);
            assertThat(got[got.length - 1]).isEqualTo((byte) 42);
            writer.join();
        }
    }

    @Test
    void aLengthOverTheLimit_isRefusedBeforeAnythingIsAllocated() throws Exception {
        try (FrameChannel b = new FrameChannel(right, 1024)) {
            ByteBuffer header = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(Integer.MAX_VALUE).flip();
            left.write(header);
            assertThatThrownBy(b::receive).isInstanceOf(IOException.class).hasMessageContaining("outside 1..1024");
        }
    }

    @Test
    void sending_overTheLimit_isRefused() throws Exception {
        try (FrameChannel a = new FrameChannel(left, 16)) {
            MemoryBuffer buffer = FrameChannel.begin(MemoryBuffer.newHeapBuffer(64), (byte) 1);
            buffer.writeBytes(new byte[32]);
            // Refused before anything is written, as the sender's own mistake (the task's data), not an I/O failure.
            assertThatThrownBy(() -> a.send(buffer)).isInstanceOf(FrameChannel.TooLargeException.class)
                    .hasMessageContaining("over the limit");
        }
    }

    @Test
    void poll_givesAFrameOnlyOnceItIsWhole() throws Exception {
        try (FrameChannel b = new FrameChannel(right, 1024)) {
            assertThat(b.poll()).isNull();
            ByteBuffer part = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN).putInt(3).put((byte) 9).put((byte) 1)
                    .flip();
            left.write(part);
            assertThat(b.poll()).isNull(); // 2 of 3 bytes
            left.write(ByteBuffer.wrap(new byte[] {2}));
            MemoryBuffer frame = null;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (frame == null && System.nanoTime() < deadline) {
                frame = b.poll();
            }
            assertThat(frame).isNotNull();
            assertThat(frame.readByte()).isEqualTo((byte) 9);
        }
    }

    @Test
    void theOtherSideClosing_isAnEndOfFile() throws Exception {
        try (FrameChannel b = new FrameChannel(right, 1024)) {
            left.close();
            assertThatThrownBy(b::receive).isInstanceOf(EOFException.class);
        }
    }
}
