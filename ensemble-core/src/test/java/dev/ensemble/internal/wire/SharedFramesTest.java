package dev.ensemble.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ensemble.internal.shm.ShmDirectory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.fory.memory.MemoryBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Large frames through shared-memory files, over a real Unix socket pair and real files in /dev/shm. */
class SharedFramesTest extends SocketPairTest {
    private static final int THRESHOLD = 64 * 1024;
    private static final long RETAIN_LIMIT = 4L << 20;

    @AfterEach
    void noFrameFileLeft() throws IOException {
        assertThat(frameFiles()).isEmpty();
    }

    @Test
    void aLargeFrame_travelsInAFile_andAReusedRegionCarriesTheNext() throws Exception {
        try (FrameChannel a = channel(left); FrameChannel b = channel(right)) {
            MemoryBuffer buffer = MemoryBuffer.newHeapBuffer(16);
            for (int round = 0; round < 5; round++) {
                byte[] body = pattern(1 << 20, round);
                FrameChannel.begin(buffer, (byte) 7).writeBytes(body);
                a.send(buffer);
                MemoryBuffer frame = b.receive();
                assertThat(frame.readByte()).isEqualTo((byte) 7);
                assertThat(frame.readBytes(body.length)).isEqualTo(body);
                assertThat(frameFiles()).as("one region, reused, after round %d", round).hasSize(1);
            }
        }
    }

    @Test
    void smallFrames_andAChannelWithTheThresholdOff_useTheSocketOnly() throws Exception {
        try (FrameChannel a = new FrameChannel(left, FrameChannel.DEFAULT_MAX_FRAME_BYTES,
                new SharedFrames(0, RETAIN_LIMIT)); FrameChannel b = channel(right)) {
            MemoryBuffer buffer = MemoryBuffer.newHeapBuffer(16);
            byte[] body = pattern(THRESHOLD * 4, 1);
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    FrameChannel.begin(buffer, (byte) 1).writeBytes(body);
                    a.send(buffer);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            MemoryBuffer frame = b.receive();
            frame.readByte();
            assertThat(frame.readBytes(body.length)).isEqualTo(body);
            writer.join();
            assertThat(frameFiles()).isEmpty();
        }
    }

    @Test
    void framesSentFasterThanRead_arriveInOrder_theOverflowThroughTheSocket() throws Exception {
        int frames = SharedFrames.RETAINED_REGIONS + 1;
        try (FrameChannel a = channel(left); FrameChannel b = channel(right)) {
            MemoryBuffer buffer = MemoryBuffer.newHeapBuffer(16);
            for (int i = 0; i < frames; i++) {
                // Nothing is read yet: the first frames take both regions, the last (64 KiB) waits in the socket.
                FrameChannel.begin(buffer, (byte) i).writeBytes(pattern(THRESHOLD, i));
                a.send(buffer);
            }
            assertThat(frameFiles()).hasSize(SharedFrames.RETAINED_REGIONS);
            for (int i = 0; i < frames; i++) {
                MemoryBuffer frame = b.receive();
                assertThat(frame.readByte()).isEqualTo((byte) i);
                assertThat(frame.readBytes(THRESHOLD)).as("frame %d", i).isEqualTo(pattern(THRESHOLD, i));
            }
        }
    }

    @Test
    void aFrameOverTheRetainLimit_getsAFileOfItsOwn_deletedOnceRead() throws Exception {
        try (FrameChannel a = channel(left); FrameChannel b = channel(right)) {
            MemoryBuffer buffer = MemoryBuffer.newHeapBuffer(16);
            byte[] huge = pattern((int) RETAIN_LIMIT + 1, 3);
            FrameChannel.begin(buffer, (byte) 9).writeBytes(huge);
            a.send(buffer);
            Set<Path> sentThrough = frameFiles();
            assertThat(sentThrough).hasSize(1);
            MemoryBuffer frame = b.receive();
            frame.readByte();
            assertThat(frame.readBytes(huge.length)).isEqualTo(huge);
            assertThat(sentThrough.iterator().next()).doesNotExist();

            FrameChannel.begin(buffer, (byte) 10).writeBytes(pattern(THRESHOLD, 4));
            a.send(buffer); // the next large frame: the sender forgets the one-off file, and keeps a region
            assertThat(ShmDirectory.liveFiles()).doesNotContainAnyElementsOf(sentThrough);
            assertThat(b.receive().readByte()).isEqualTo((byte) 10);
        }
    }

    @Test
    void theReaderClosing_deletesTheFilesOfASenderThatCannot() throws Exception {
        FrameChannel a = channel(left);
        FrameChannel b = channel(right);
        MemoryBuffer buffer = MemoryBuffer.newHeapBuffer(16);
        FrameChannel.begin(buffer, (byte) 1).writeBytes(pattern(THRESHOLD, 1));
        a.send(buffer);
        b.receive();
        Set<Path> senders = frameFiles();
        assertThat(senders).hasSize(1);
        // The sender is "killed": it never closes. The reader's close removes its file.
        b.close();
        assertThat(senders.iterator().next()).doesNotExist();
        a.close(); // and the sender's own close later finds nothing to do
    }

    @Test
    void aDescriptorNamingAnythingButAFrameFile_isRefused() throws Exception {
        try (FrameChannel b = channel(right)) {
            byte[] path = "/etc/passwd".getBytes(StandardCharsets.UTF_8);
            ByteBuffer descriptor = ByteBuffer.allocate(4 + 8 + 4 + 1 + path.length).order(ByteOrder.LITTLE_ENDIAN);
            descriptor.putInt(-(descriptor.capacity() - 4)).putLong(1).putInt(10).put((byte) 1).put(path).flip();
            left.write(descriptor);
            assertThatThrownBy(b::receive).isInstanceOf(IOException.class).hasMessageContaining("/etc/passwd")
                    .hasMessageContaining("not one");
        }
    }

    @Test
    void aDescriptorOverTheFrameLimit_isRefused() throws Exception {
        try (FrameChannel a = channel(left);
                FrameChannel b = new FrameChannel(right, THRESHOLD, new SharedFrames(THRESHOLD, RETAIN_LIMIT))) {
            MemoryBuffer buffer = MemoryBuffer.newHeapBuffer(16);
            FrameChannel.begin(buffer, (byte) 1).writeBytes(pattern(THRESHOLD * 2, 1));
            a.send(buffer);
            assertThatThrownBy(b::receive).isInstanceOf(IOException.class).hasMessageContaining("outside 1..");
        }
    }

    private static FrameChannel channel(SocketChannel socket) throws IOException {
        return new FrameChannel(socket, FrameChannel.DEFAULT_MAX_FRAME_BYTES,
                new SharedFrames(THRESHOLD, RETAIN_LIMIT));
    }

    private static byte[] pattern(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + seed);
        }
        return bytes;
    }

    /** This JVM's message files. */
    private static Set<Path> frameFiles() throws IOException {
        Path dir = ShmDirectory.directory();
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (var files = Files.list(dir)) {
            return files.filter(ShmDirectory::isFrameFile).collect(Collectors.toSet());
        }
    }
}
