package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ensemble.internal.shm.ShmDirectory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What {@link SharedArray} and {@link WorkerPool#mapChunks} do on every backend that shares this machine's
 * memory: one thin subclass per backend says how to build its pools. Tasks capture only shared arrays and
 * other serializable values, so they may run in worker processes.
 */
@ExtendWith(LeakCheck.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
public abstract class SharedArrayContract {
    /** Two workers for the whole class (worker JVMs take a while to start); made before the leak check looks. */
    protected WorkerPool pool;

    /**
     * A builder for this backend's pools, with the kind of worker already chosen.
     *
     * @return a fresh builder
     */
    protected abstract WorkerPool.Builder builder();

    @BeforeAll
    void startPool() {
        pool = builder().workers(2).build();
    }

    @AfterAll
    void closePool() {
        pool.close();
    }

    @AfterEach
    void noFileIsLeft() {
        assertThat(ShmDirectory.liveFiles()).isEmpty();
        assertThat(ShmDirectory.directory()).doesNotExist();
    }

    @Test
    void mapChunks_givesEachChunkItsRange_inChunkOrder() {
        try (SharedArray.OfLong a = SharedArray.ofLongs(1000)) {
            List<List<Long>> ranges = pool.mapChunks(a, 300,
                    chunk -> List.of((long) chunk.index(), chunk.from(), chunk.to(), chunk.length(),
                            chunk.view().length()));
            assertThat(ranges).containsExactly(List.of(0L, 0L, 300L, 300L, 300L), List.of(1L, 300L, 600L, 300L, 300L),
                    List.of(2L, 600L, 900L, 300L, 300L), List.of(3L, 900L, 1000L, 100L, 100L));
        }
    }

    @Test
    void workersWrites_areVisibleToTheParent_andToOtherWorkers() {
        int n = 10_000;
        try (SharedArray.OfDouble a = SharedArray.ofDoubles(n)) {
            pool.mapChunks(a, 1000, chunk -> {
                SharedArray.OfDouble part = chunk.view();
                for (long i = 0; i < part.length(); i++) {
                    part.set(i, chunk.from() + i);
                }
                return null;
            });
            assertThat(a.sum()).isEqualTo((double) n * (n - 1) / 2);
            assertThat(a.get(n - 1)).isEqualTo(n - 1);
            // Each chunk reads what some other task wrote into the next chunk.
            List<Double> next = pool.mapChunks(a, 1000,
                    chunk -> chunk.to() < chunk.array().length() ? chunk.array().get(chunk.to()) : -1.0);
            assertThat(next).containsExactly(1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0, 7000.0, 8000.0, 9000.0,
                    -1.0);
        }
    }

    @Test
    void atomicCounter_fromTwoWorkers_countsExactlyOneMillion() {
        try (SharedArray.OfLong counter = SharedArray.ofLongs(1)) {
            List<Integer> workers = pool.broadcast(() -> {
                for (int i = 0; i < 500_000; i++) {
                    counter.getAndAdd(0, 1);
                }
                return WorkerContext.current().workerId();
            });
            assertThat(workers).containsExactly(0, 1);
            assertThat(counter.get(0)).isEqualTo(1_000_000);
        }
    }

    @Test
    void chunksOfOneCall_countTogetherAtomically() {
        try (SharedArray.OfInt counts = SharedArray.ofInts(1_000)) {
            pool.mapChunks(counts, 10, chunk -> {
                for (long i = 0; i < chunk.array().length(); i++) {
                    chunk.array().getAndAdd(i, 1);
                }
                return null;
            });
            assertThat(counts.sum()).isEqualTo(100L * 1_000);
            assertThat(counts.get(999)).isEqualTo(100);
        }
    }

    @Test
    void mapChunksAsync_runsTwoKindsOfWorkOnTwoArraysAtOnce() throws Exception {
        byte[] text = "the quick brown fox jumps over the lazy dog ".repeat(100).getBytes(StandardCharsets.US_ASCII);
        try (SharedArray.OfDouble numbers = SharedArray.ofDoubles(5000);
                SharedArray.OfByte letters = SharedArray.copyOf(text)) {
            numbers.fill(2.0);
            CompletableFuture<List<Double>> sums = pool.mapChunksAsync(numbers, 1000, chunk -> chunk.view().sum());
            CompletableFuture<List<Long>> spaces = pool.mapChunksAsync(letters, 512, chunk -> {
                SharedArray.OfByte part = chunk.view();
                long count = 0;
                for (long i = 0; i < part.length(); i++) {
                    count += part.get(i) == ' ' ? 1 : 0;
                }
                return count;
            });
            CompletableFuture.allOf(sums, spaces).get(30, TimeUnit.SECONDS);
            assertThat(sums.get()).hasSize(5).allSatisfy(s -> assertThat(s).isEqualTo(2000.0));
            assertThat(spaces.get().stream().mapToLong(Long::longValue).sum()).isEqualTo(900);
        }
    }

    @Test
    void badArguments_failBeforeAnythingRuns() {
        try (SharedArray.OfInt a = SharedArray.ofInts(10)) {
            assertThatThrownBy(() -> pool.mapChunks(a, 0, chunk -> 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("chunkSize must be at least 1, got 0");
            assertThatThrownBy(() -> pool.mapChunksAsync(a, -5, chunk -> 1))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pool.mapChunks(null, 1, chunk -> 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("array must not be null");
            assertThatThrownBy(() -> pool.mapChunks(a, 1, null)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("task must not be null");
            assertThat(pool.mapChunks(a, 100, chunk -> chunk.length())).containsExactly(10L);
        }
        SharedArray.OfInt closed = SharedArray.ofInts(10);
        closed.close();
        assertThatThrownBy(() -> pool.mapChunks(closed, 1, chunk -> 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void failingChunk_namesTheChunk() {
        try (SharedArray.OfInt a = SharedArray.ofInts(100)) {
            assertThatThrownBy(() -> pool.mapChunks(a, 10, chunk -> {
                if (chunk.index() == 3) {
                    throw new IllegalArgumentException("bad chunk");
                }
                return chunk.index();
            })).isInstanceOf(TaskFailedException.class).hasMessageContaining("Chunk[3: 30..40")
                    .hasRootCauseMessage("bad chunk");
        }
    }

    @Test
    void aClosedArray_isNeverUsedByATask() {
        SharedArray.OfInt a = SharedArray.ofInts(10);
        a.close();
        assertThatThrownBy(() -> pool.map(List.of(1, 2), i -> a.get(i))).hasStackTraceContaining("closed");
        assertThat(pool.map(List.of(1, 2), i -> i)).containsExactly(1, 2); // the pool is fine
    }
}
