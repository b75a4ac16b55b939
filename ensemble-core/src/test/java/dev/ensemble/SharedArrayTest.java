package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ensemble.internal.shm.Handle;
import dev.ensemble.internal.shm.Kind;
import dev.ensemble.internal.shm.Regions;
import dev.ensemble.internal.shm.ShmDirectory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.fory.Fory;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.config.Language;
import org.apache.fory.resolver.AllowListChecker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@ExtendWith(LeakCheck.class)
class SharedArrayTest {

    @AfterEach
    void noFileLeftInDevShm() {
        assertThat(ShmDirectory.liveFiles()).isEmpty();
        assertThat(ShmDirectory.directory()).doesNotExist();
    }

    @Test
    void newArray_isZeroed_andKeepsWhatIsSet() {
        try (SharedArray.OfDouble d = SharedArray.ofDoubles(1000);
                SharedArray.OfFloat f = SharedArray.ofFloats(10);
                SharedArray.OfLong l = SharedArray.ofLongs(10);
                SharedArray.OfInt i = SharedArray.ofInts(10);
                SharedArray.OfByte b = SharedArray.ofBytes(10)) {
            assertThat(d.length()).isEqualTo(1000);
            assertThat(d.byteSize()).isEqualTo(8000);
            assertThat(d.sum()).isZero();
            d.set(999, 2.5);
            f.set(3, 1.5f);
            l.set(9, Long.MAX_VALUE);
            i.set(0, -7);
            b.set(5, (byte) -1);
            assertThat(d.get(999)).isEqualTo(2.5);
            assertThat(f.get(3)).isEqualTo(1.5f);
            assertThat(l.get(9)).isEqualTo(Long.MAX_VALUE);
            assertThat(i.get(0)).isEqualTo(-7);
            assertThat(b.get(5)).isEqualTo((byte) -1);
            assertThat(d.isReadOnly()).isFalse();
        }
    }

    @Test
    void file_isPrivate_inDevShm() throws IOException {
        try (SharedArray.OfInt a = SharedArray.ofInts(4)) {
            Path file = a.file();
            assertThat(file.getParent()).isEqualTo(ShmDirectory.directory());
            assertThat(file.toString()).startsWith("/dev/shm/ensemble-");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent(),
                    LinkOption.NOFOLLOW_LINKS))).isEqualTo("rwx------");
            assertThat(Files.size(file)).isEqualTo(16);
        }
    }

    @Test
    void sums_addEveryElement() {
        try (SharedArray.OfDouble d = SharedArray.copyOf(new double[] {1, 2, 3, 4, 5, 6, 7});
                SharedArray.OfFloat f = SharedArray.copyOf(new float[] {0.5f, 1.5f, 2f});
                SharedArray.OfLong l = SharedArray.copyOf(new long[] {Long.MAX_VALUE, 1});
                SharedArray.OfInt i = SharedArray.copyOf(new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE, 1, 2, 3});
                SharedArray.OfByte b = SharedArray.copyOf(new byte[] {-1, -2, 100, 27, 1})) {
            assertThat(d.sum()).isEqualTo(28.0);
            assertThat(f.sum()).isEqualTo(4.0);
            assertThat(l.sum()).isEqualTo(Long.MIN_VALUE);
            assertThat(i.sum()).isEqualTo(2L * Integer.MAX_VALUE + 6);
            assertThat(b.sum()).isEqualTo(125);
            assertThat(d.slice(2, 5).sum()).isEqualTo(12.0);
        }
    }

    @Test
    void bulkCopies_goBothWays_andCheckRanges() {
        try (SharedArray.OfLong a = SharedArray.ofLongs(10)) {
            a.copyFrom(new long[] {7, 8, 9}, 1, 4, 2);
            assertThat(a.toArray()).containsExactly(0, 0, 0, 0, 8, 9, 0, 0, 0, 0);
            long[] out = new long[5];
            a.copyTo(3, out, 1, 3);
            assertThat(out).containsExactly(0, 0, 8, 9, 0);
            a.fill(3);
            assertThat(a.sum()).isEqualTo(30);
            assertThatThrownBy(() -> a.copyTo(8, out, 0, 3)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> a.copyFrom(new long[2], 0, 0, 3)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> a.copyTo(0, null, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("dst must not be null");
            assertThatThrownBy(() -> a.get(10)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("Index 10 out of bounds for length 10");
            assertThatThrownBy(() -> a.set(-1, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void fill_setsEveryElementOfTheView_andNothingAroundIt() {
        for (int n : new int[] {1, 2, 3, 7, 8, 1000, 4099}) {
            try (SharedArray.OfInt ints = SharedArray.ofInts(n + 4); SharedArray.OfDouble doubles =
                    SharedArray.ofDoubles(n); SharedArray.OfFloat floats = SharedArray.ofFloats(n);
                    SharedArray.OfLong longs = SharedArray.ofLongs(n); SharedArray.OfByte bytes = SharedArray.ofBytes(n)) {
                ints.slice(2, n + 2).fill(-7);
                int[] all = ints.toArray();
                assertThat(all[0]).isZero();
                assertThat(all[1]).isZero();
                assertThat(all[n + 2]).as("after the slice of %d", n).isZero();
                assertThat(all[n + 3]).isZero();
                assertThat(Arrays.copyOfRange(all, 2, n + 2)).as("the slice of %d", n).containsOnly(-7);
                doubles.fill(0.5);
                assertThat(doubles.toArray()).as("%d doubles", n).containsOnly(0.5);
                floats.fill(-1.25f);
                assertThat(floats.toArray()).as("%d floats", n).containsOnly(-1.25f);
                longs.fill(Long.MIN_VALUE + 3);
                assertThat(longs.toArray()).as("%d longs", n).containsOnly(Long.MIN_VALUE + 3);
                bytes.fill((byte) 0x5a);
                assertThat(bytes.toArray()).as("%d bytes", n).containsOnly((byte) 0x5a);
            }
        }
        try (SharedArray.OfLong empty = SharedArray.ofLongs(0)) {
            empty.fill(1); // nothing to fill, and no error
            assertThat(empty.length()).isZero();
        }
    }

    @Test
    void slicesAndTypedViews_shareTheOwnersMemory() {
        try (SharedArray.OfDouble a = SharedArray.ofDoubles(100)) {
            SharedArray.OfDouble part = a.slice(10, 20);
            assertThat(part.length()).isEqualTo(10);
            part.set(0, 42);
            assertThat(a.get(10)).isEqualTo(42);
            assertThat(part.slice(5, 10).length()).isEqualTo(5);
            part.slice(5, 10).set(4, 7);
            assertThat(a.get(19)).isEqualTo(7);
            assertThatThrownBy(() -> a.slice(50, 101)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> a.slice(5, 4)).isInstanceOf(IndexOutOfBoundsException.class);

            SharedArray.OfLong bits = a.asLongs();
            assertThat(bits.get(10)).isEqualTo(Double.doubleToRawLongBits(42));
            SharedArray.OfByte bytes = a.asBytes();
            assertThat(bytes.length()).isEqualTo(800);
            assertThatThrownBy(() -> bytes.slice(1, 9).asDoubles()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("multiples of 8");
            assertThat(bytes.slice(8, 16).asDoubles().get(0)).isEqualTo(a.get(1));

            part.close(); // a view: does nothing
            assertThat(a.isClosed()).isFalse();
            assertThat(a.get(10)).isEqualTo(42);
        }
    }

    @Test
    void atomics_countExactly_acrossThreads() throws Exception {
        try (SharedArray.OfLong longs = SharedArray.ofLongs(2);
                SharedArray.OfInt ints = SharedArray.ofInts(2)) {
            assertThat(longs.getAndAdd(1, 5)).isZero();
            assertThat(longs.compareAndSet(1, 4, 9)).isFalse();
            assertThat(longs.compareAndSet(1, 5, 9)).isTrue();
            assertThat(longs.getVolatile(1)).isEqualTo(9);
            ints.setVolatile(1, 3);
            assertThat(ints.compareAndSet(1, 3, 4)).isTrue();
            assertThat(ints.getAndAdd(1, 1)).isEqualTo(4);

            Thread[] threads = new Thread[4];
            for (int t = 0; t < threads.length; t++) {
                threads[t] = Thread.ofPlatform().start(() -> {
                    for (int k = 0; k < 50_000; k++) {
                        longs.getAndAdd(0, 1);
                        int seen;
                        do {
                            seen = ints.getVolatile(0);
                        } while (!ints.compareAndSet(0, seen, seen + 1));
                    }
                });
            }
            for (Thread thread : threads) {
                thread.join();
            }
            assertThat(longs.get(0)).isEqualTo(200_000);
            assertThat(ints.get(0)).isEqualTo(200_000);
        }
    }

    @Test
    void close_deletesTheFile_andLaterUseFailsClearly() {
        SharedArray.OfDouble a = SharedArray.ofDoubles(8);
        SharedArray.OfDouble view = a.slice(2, 4);
        MemorySegment segment = a.segment();
        Path file = a.file();
        assertThat(file).exists();
        a.close();
        a.close(); // idempotent
        assertThat(file).doesNotExist();
        assertThat(a.isClosed()).isTrue();
        assertThat(view.isClosed()).isTrue();
        assertThatThrownBy(() -> a.get(0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed").hasMessageContaining(file.toString());
        assertThatThrownBy(() -> view.set(0, 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed");
        assertThatThrownBy(a::sum).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(a::toArray).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> segment.get(ValueLayout.JAVA_DOUBLE, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> serialize(a)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot send a closed shared array");
    }

    @Test
    void close_whileAnotherThreadReads_failsThatReadSafely() throws Exception {
        SharedArray.OfDouble a = SharedArray.ofDoubles(1 << 16);
        CountDownLatch reading = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                while (true) {
                    a.sum();
                    reading.countDown();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        assertThat(reading.await(30, TimeUnit.SECONDS)).isTrue();
        a.close();
        reader.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(reader.isAlive()).isFalse();
        assertThat(failure.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
    }

    @Test
    void badLengths_failBeforeAnythingIsCreated() {
        assertThatThrownBy(() -> SharedArray.ofDoubles(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 or more, got -1");
        assertThatThrownBy(() -> SharedArray.ofLongs(Long.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more than " + Long.MAX_VALUE + " bytes");
        assertThatThrownBy(() -> SharedArray.ofBytes(Long.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not fit").hasMessageContaining("bytes free");
        assertThatThrownBy(() -> SharedArray.copyOf((double[]) null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SharedArray.map(null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ShmDirectory.directory()).doesNotExist();
    }

    @Test
    void emptyArray_works() {
        try (SharedArray.OfInt a = SharedArray.ofInts(0)) {
            assertThat(a.length()).isZero();
            assertThat(a.sum()).isZero();
            assertThat(a.toArray()).isEmpty();
            assertThat(SharedArray.Chunk.split(a, 10)).isEmpty();
        }
    }

    @Test
    void map_givesAReadOnlyZeroCopyView_andLeavesTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("values.f64");
        ByteBuffer buffer = ByteBuffer.allocate(8 * 4).order(ByteOrder.nativeOrder());
        buffer.putDouble(1).putDouble(2).putDouble(3).putDouble(4);
        Files.write(file, buffer.array());
        SharedArray.OfByte bytes = SharedArray.map(file);
        try (bytes) {
            SharedArray.OfDouble values = bytes.asDoubles();
            assertThat(bytes.isReadOnly()).isTrue();
            assertThat(values.sum()).isEqualTo(10.0);
            assertThat(values.toArray()).containsExactly(1, 2, 3, 4);
            assertThatThrownBy(() -> values.set(0, 1)).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("read-only");
            assertThatThrownBy(() -> bytes.fill((byte) 0)).isInstanceOf(UnsupportedOperationException.class);
            assertThat(values.segment().isReadOnly()).isTrue();
            // Same memory as the file: a write to the file is seen through the mapping (no copy was made).
            try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putDouble(0, 100.0), 0);
            }
            assertThat(values.get(0)).isEqualTo(100.0);
        }
        assertThat(bytes.isClosed()).isTrue();
        assertThat(file).exists();
        assertThatThrownBy(() -> SharedArray.map(dir.resolve("missing"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> SharedArray.map(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not one");
    }

    @Test
    void jdkSerialization_sendsASmallHandle_thatResolvesToTheSameMemory() throws Exception {
        try (SharedArray.OfDouble a = SharedArray.ofDoubles(1_000_000)) {
            byte[] bytes = serialize(a.slice(10, 20));
            assertThat(bytes.length).isLessThan(600);
            SharedArray.OfDouble copy = (SharedArray.OfDouble) deserialize(bytes);
            assertThat(copy.length()).isEqualTo(10);
            copy.set(0, 5);
            assertThat(a.get(10)).isEqualTo(5);
            copy.close(); // not the owner: does nothing
            assertThat(a.isClosed()).isFalse();

            Task<Integer, Double> task = i -> a.get(i);
            @SuppressWarnings("unchecked")
            Task<Integer, Double> received = (Task<Integer, Double>) deserialize(serialize(task));
            assertThat(received.apply(10)).isEqualTo(5.0);
        }
    }

    /** As the process backend may configure Fory: reference tracking on or off, strict allow-list of our classes. */
    static java.util.stream.Stream<ThreadSafeFory> forys() {
        AllowListChecker strict = new AllowListChecker(AllowListChecker.CheckLevel.STRICT);
        strict.allowClass("dev.ensemble.*");
        return java.util.stream.Stream.of(
                Fory.builder().withLanguage(Language.JAVA).requireClassRegistration(false).withRefTracking(true)
                        .buildThreadSafeFory(),
                Fory.builder().withLanguage(Language.JAVA).requireClassRegistration(false).withRefTracking(false)
                        .withTypeChecker(strict).buildThreadSafeFory());
    }

    @ParameterizedTest
    @MethodSource("forys")
    void fory_sendsAHandle_inLambdasAndChunks(ThreadSafeFory fory) throws Exception {
        try (SharedArray.OfLong a = SharedArray.ofLongs(1_000_000)) {
            byte[] bytes = fory.serialize(a);
            assertThat(bytes.length).isLessThan(600);
            SharedArray.OfLong copy = (SharedArray.OfLong) fory.deserialize(bytes);
            copy.set(3, 33);
            assertThat(a.get(3)).isEqualTo(33);

            Task<Integer, Long> task = i -> a.getAndAdd(i, 1);
            @SuppressWarnings("unchecked")
            Task<Integer, Long> received = (Task<Integer, Long>) fory.deserialize(fory.serialize(task));
            assertThat(received.apply(3)).isEqualTo(33);
            assertThat(a.get(3)).isEqualTo(34);

            SharedArray.Chunk<SharedArray.OfLong> chunk = SharedArray.Chunk.split(a, 1000).get(1);
            byte[] chunkBytes = fory.serialize(chunk);
            assertThat(chunkBytes.length).isLessThan(600);
            @SuppressWarnings("unchecked")
            SharedArray.Chunk<SharedArray.OfLong> back = (SharedArray.Chunk<SharedArray.OfLong>) fory
                    .deserialize(chunkBytes);
            assertThat(back.index()).isEqualTo(1);
            back.view().set(0, 77);
            assertThat(a.get(1000)).isEqualTo(77);
        }
    }

    @Test
    void handleFromAnotherProcess_mapsTheFileOnce_andIsReleasedWhenItsOwnerCloses() throws Exception {
        // A handle whose id this JVM does not know is what a worker process receives: it maps the file itself.
        int before = Regions.mappedCount();
        SharedArray.OfLong owner = SharedArray.ofLongs(16);
        Handle own = (Handle) writeReplaceOf(owner);
        Handle foreign = new Handle(own.id() + 1, own.path(), own.fileKey(), Kind.LONG, 8, 4, false);
        SharedArray.OfLong mapped = (SharedArray.OfLong) deserialize(serialize(foreign));
        SharedArray.OfLong again = (SharedArray.OfLong) deserialize(serialize(foreign));
        assertThat(Regions.mappedCount()).isEqualTo(before + 2);
        mapped.getAndAdd(0, 5);
        again.getAndAdd(0, 5);
        assertThat(owner.get(1)).isEqualTo(10);
        owner.set(2, 8);
        assertThat(mapped.get(1)).isEqualTo(8);

        owner.close();
        assertThat(mapped.get(1)).isEqualTo(8); // the worker's mapping stays valid memory until released
        // The next new mapping notices the owner's file is gone and releases the stale one.
        try (SharedArray.OfInt other = SharedArray.ofInts(1)) {
            Handle otherHandle = (Handle) writeReplaceOf(other);
            deserialize(serialize(new Handle(otherHandle.id() + 1, otherHandle.path(), otherHandle.fileKey(),
                    Kind.INT, 0, 1, false)));
            assertThatThrownBy(() -> mapped.get(0)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is closed");
            Regions.releaseAll();
        }
        assertThatThrownBy(() -> deserialize(serialize(foreign))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed it before this worker could map it");
        assertThat(Regions.mappedCount()).isEqualTo(before);
    }

    private static Object writeReplaceOf(SharedArray array) throws Exception {
        var method = array.getClass().getSuperclass().getDeclaredMethod("writeReplace");
        method.setAccessible(true);
        return method.invoke(array);
    }

    static byte[] serialize(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    static Object deserialize(byte[] bytes) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return in.readObject();
        }
    }
}
