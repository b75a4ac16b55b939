package dev.ensemble.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ensemble.Task;
import java.io.IOException;
import java.io.Serializable;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.fory.memory.MemoryBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random, mutated and truncated bytes fed to every decoder a pool and its workers use, in this JVM: the frame
 * reader, Fory behind the allow-list (the worker's and the parent's instances), JDK deserialization behind its
 * filter, and exception decoding. Each case must end in a value or a clean exception: never an {@link Error}
 * (an out-of-memory from a claimed size, a stack overflow), never a hang. Seeded, so a failure repeats.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DecoderFuzzTest {
    private static final long SEED = Long.getLong("fuzz.seed", 0x5EED_F022L);

    @TempDir
    Path temp;

    /** An application class, as tasks and inputs use them. */
    record Sample(int id, String name, double[] values, List<Integer> list) implements Serializable {
    }

    private static Object[] samples() {
        Task<Integer, Integer> task = x -> x + 1;
        return new Object[] {
            new Object[] {1, 2L, "x", 3.5, new double[64], new long[8], List.of(1, 2), null},
            new Object[] {new Sample(7, "seven", new double[] {1, 2}, new ArrayList<>(List.of(3, 4)))},
            new Object[] {new HashMap<>(Map.of("k", 1, "l", 2)), new int[100], new byte[32], "text"},
            new Object[] {task},
        };
    }

    private SocketChannel[] pair(String name) throws IOException {
        SocketPair pair = SocketPair.open(temp.resolve(name));
        return new SocketChannel[] {pair.left(), pair.right()};
    }

    private static int bufferCapacity(FrameChannel channel) throws ReflectiveOperationException {
        Field in = FrameChannel.class.getDeclaredField("in");
        in.setAccessible(true);
        return ((ByteBuffer) in.get(channel)).capacity();
    }

    // ---------------------------------------------------------------- frames

    @Test
    void aFrameLengthOverTheLimit_isRejectedBeforeAnythingIsAllocatedForIt() throws Exception {
        for (int claimed : new int[] {Integer.MAX_VALUE, (1 << 20) + 1, 0, -1, Integer.MIN_VALUE}) {
            SocketChannel[] ends = pair("limit" + Integer.toHexString(claimed) + ".sock");
            try (FrameChannel reader = new FrameChannel(ends[1], 1 << 20)) {
                int before = bufferCapacity(reader);
                ends[0].write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, claimed));
                assertThatThrownBy(reader::receive).isInstanceOf(IOException.class)
                        .hasMessageContaining("outside 1..1048576");
                assertThat(bufferCapacity(reader)).as("buffer after a claim of %d bytes", claimed).isEqualTo(before);
            } finally {
                ends[0].close();
            }
        }
    }

    @Test
    void randomAndTruncatedStreams_endInFramesOrACleanError() throws Exception {
        Random random = new Random(SEED);
        Map<String, Integer> endings = new TreeMap<>();
        int frames = 0;
        for (int round = 0; round < 200; round++) {
            SocketChannel[] ends = pair("r" + round + ".sock");
            byte[] stream = randomStream(random);
            try (FrameChannel reader = new FrameChannel(ends[1], 1 << 16)) {
                // The writer closes after its bytes: a reader waiting for the rest of a truncated frame gets EOF.
                Thread writer = Thread.ofPlatform().start(() -> {
                    try (SocketChannel out = ends[0]) {
                        ByteBuffer bytes = ByteBuffer.wrap(stream);
                        while (bytes.hasRemaining()) {
                            out.write(bytes);
                        }
                    } catch (IOException ignored) {
                        // the reader gave up first
                    }
                });
                while (true) {
                    MemoryBuffer frame;
                    try {
                        frame = reader.receive();
                    } catch (IOException e) {
                        endings.merge(e.getClass().getSimpleName(), 1, Integer::sum);
                        break;
                    }
                    frames++;
                    assertThat(frame.size()).isBetween(1, 1 << 16);
                }
                writer.join(10_000);
                assertThat(writer.isAlive()).isFalse();
            }
        }
        assertThat(frames).isPositive();
        assertThat(endings.keySet()).isSubsetOf("EOFException", "IOException", "ClosedChannelException");
    }

    /** Well-formed frames, then one of: garbage, a truncated frame, a bad length, or nothing. */
    private static byte[] randomStream(Random random) {
        ByteBuffer out = ByteBuffer.allocate(1 << 18).order(ByteOrder.LITTLE_ENDIAN);
        int good = random.nextInt(4);
        for (int i = 0; i < good; i++) {
            int length = 1 + random.nextInt(2000);
            out.putInt(length);
            byte[] body = new byte[length];
            random.nextBytes(body);
            out.put(body);
        }
        switch (random.nextInt(4)) {
            case 0 -> {
                byte[] garbage = new byte[random.nextInt(100)];
                random.nextBytes(garbage);
                out.put(garbage);
            }
            case 1 -> {
                out.putInt(100 + random.nextInt(1000));
                out.put(new byte[random.nextInt(100)]);
            }
            case 2 -> out.putInt(random.nextBoolean() ? -1 - random.nextInt(1000) : (1 << 16) + 1 + random.nextInt(1 << 20));
            default -> {
            }
        }
        return Arrays.copyOf(out.array(), out.position());
    }

    // ---------------------------------------------------------------- payloads

    @Test
    void mutatedForyPayloads_decodeOrFailCleanly_inTheWorkersAndTheParentsInstance() {
        Serialization worker = Serialization.forWorker(false);
        worker.allow(ClassPathPackages.ofThisJvm());
        Serialization parent = Serialization.forParent();
        Random random = new Random(SEED + 1);
        Object[] samples = samples();
        Map<String, Integer> endings = new TreeMap<>();
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = mutate(random, parent.toBytes(samples[random.nextInt(samples.length)]));
            Serialization side = (i & 1) == 0 ? worker : parent;
            try {
                side.read(MemoryBuffer.fromByteArray(bytes));
                endings.merge("value", 1, Integer::sum);
            } catch (RuntimeException e) {
                endings.merge(e.getClass().getSimpleName(), 1, Integer::sum);
            }
        }
        assertThat(endings).containsKey("value").hasSizeGreaterThan(1);
    }

    @Test
    void mutatedJdkPayloads_decodeOrFailCleanly() throws Exception {
        Random random = new Random(SEED + 2);
        Set<String> packages = ClassPathPackages.ofThisJvm();
        Object[] samples = samples();
        byte[][] streams = new byte[samples.length + 1][];
        for (int i = 0; i < samples.length; i++) {
            streams[i] = Serialization.jdkBytes(samples[i]);
        }
        streams[samples.length] = Serialization.encodeThrowable(new IllegalStateException("outer",
                new java.io.UncheckedIOException(new java.io.IOException("inner"))));
        int values = 0;
        for (int i = 0; i < 5_000; i++) {
            byte[] bytes = mutate(random, streams[random.nextInt(streams.length)]);
            try {
                Serialization.jdkRead(bytes, packages);
                values++;
            } catch (IllegalStateException | ClassCastException | IllegalArgumentException
                    | ArrayStoreException | NegativeArraySizeException | IndexOutOfBoundsException e) {
                // a clean refusal
            }
            assertThat(Serialization.decodeThrowable(bytes)).isNotNull();
        }
        assertThat(values).isPositive();
    }

    /** Truncates, overwrites a few bytes (often with 0xFF: huge varints and lengths), or replaces everything. */
    private static byte[] mutate(Random random, byte[] base) {
        switch (random.nextInt(4)) {
            case 0 -> {
                byte[] noise = new byte[random.nextInt(64)];
                random.nextBytes(noise);
                return noise;
            }
            case 1 -> {
                return Arrays.copyOf(base, random.nextInt(base.length));
            }
            default -> {
                byte[] bytes = base.clone();
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                    int at = random.nextInt(bytes.length);
                    for (int k = random.nextInt(4); k >= 0 && at + k < bytes.length; k--) {
                        bytes[at + k] = random.nextBoolean() ? (byte) 0xFF : (byte) random.nextInt(256);
                    }
                }
                return bytes;
            }
        }
    }

    // ---------------------------------------------------------------- claimed sizes (regressions)

    /** The JDK stream of {@code value}, with the element count of its {@code long[]} of ten made {@code claim}. */
    private static byte[] claimingLongs(Object value, int claim) throws IOException {
        byte[] bytes = Serialization.jdkBytes(value);
        for (int i = 0; i + 12 <= bytes.length; i++) {
            // the count (big-endian 10) followed by the first element (long 1)
            if (bytes[i] == 0 && bytes[i + 1] == 0 && bytes[i + 2] == 0 && bytes[i + 3] == 10
                    && bytes[i + 4 + 7] == 1 && bytes[i + 4] == 0) {
                ByteBuffer.wrap(bytes).putInt(i, claim);
                return bytes;
            }
        }
        throw new AssertionError("no long[10] in the stream");
    }

    /** An exception whose field is an array, as an application's exception may have. */
    static final class ReadingsException extends Exception {
        private static final long serialVersionUID = 1L;
        final long[] readings;

        ReadingsException(long[] readings) {
            super("bad readings");
            this.readings = readings;
        }
    }

    @Test
    void aJdkStreamClaimingAHugeArray_isRefusedBeforeTheArrayIsAllocated() throws Exception {
        long[] ten = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        // 147 bytes claiming 2^31 - 256 longs (16 GiB): the reader allocated them before reading any element.
        byte[] values = claimingLongs(new Object[] {ten}, Integer.MAX_VALUE - 255);
        assertThatThrownBy(() -> Serialization.jdkRead(values, ClassPathPackages.ofThisJvm()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("REJECTED");
        byte[] error = claimingLongs(new ReadingsException(ten), 1 << 28);
        assertThat(Serialization.decodeThrowable(error)).isInstanceOf(dev.ensemble.WorkerException.class)
                .hasMessageContaining("could not be rebuilt");
        // The budget is the stream's own size: real arrays pass.
        long[] big = new long[100_000];
        big[99_999] = 42;
        Object[] back = (Object[]) Serialization.jdkRead(Serialization.jdkBytes(new Object[] {big}), Set.of());
        assertThat((long[]) back[0]).isEqualTo(big);
        assertThat(((ReadingsException) Serialization.decodeThrowable(Serialization.encodeThrowable(
                new ReadingsException(big)))).readings).isEqualTo(big);
    }
}
