package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link WorkerPool#batched} on a pool of three threads. */
class BatchedTest {
    private static final List<Integer> TEN = IntStream.range(0, 10).boxed().toList();
    private WorkerPool pool;

    @BeforeEach
    void start() {
        pool = WorkerPool.threads(3);
    }

    @AfterEach
    void stop() {
        pool.close();
    }

    @Test
    void batched_defaultsToOneContiguousBatchPerWorker() {
        List<List<Integer>> batches = pool.batched(TEN, batch -> batch);
        assertThat(batches).containsExactly(List.of(0, 1, 2, 3), List.of(4, 5, 6), List.of(7, 8, 9));
    }

    @Test
    void batched_runsTheBatchesAtOnce() {
        // Each batch waits for the other two: this passes only if three workers hold one batch each.
        CyclicBarrier allThree = new CyclicBarrier(3);
        List<Integer> sizes = pool.batched(TEN, batch -> {
            allThree.await(10, TimeUnit.SECONDS);
            return batch.size();
        });
        assertThat(sizes).containsExactly(4, 3, 3);
    }

    @Test
    void batchesOption_setsTheCount() {
        assertThat(pool.batched(TEN, List::size, CallOptions.defaults().batches(4))).containsExactly(3, 3, 2, 2);
        assertThat(pool.batched(TEN, List::size, CallOptions.defaults().batches(1))).containsExactly(10);
    }

    @Test
    void fewerInputsThanBatches_givesOneBatchPerInput() {
        assertThat(pool.batched(List.of("a", "b"), batch -> batch)).containsExactly(List.of("a"), List.of("b"));
        assertThat(pool.batched(List.of("a", "b"), List::size, CallOptions.defaults().batches(50)))
                .containsExactly(1, 1);
    }

    @Test
    void noInputs_giveNoBatches_andTheReductionsEmptyResult() {
        List<Integer> none = List.of();
        assertThat(pool.batched(none, List::size)).isEmpty();
        assertThat(pool.batched(none, batch -> (long) batch.size(), Reductions.sum(0L))).isZero();
        List<Integer> flat = pool.batched(none, batch -> batch, Reductions.flatten());
        assertThat(flat).isEmpty();
    }

    @Test
    void reduction_combinesTheBatchResults() {
        long total = pool.batched(TEN, batch -> batch.stream().mapToLong(x -> x).sum(), Reductions.sum());
        assertThat(total).isEqualTo(45L);
        List<Integer> doubled = pool.batched(TEN, batch -> batch.stream().map(x -> 2 * x).toList(),
                Reductions.flatten());
        assertThat(doubled).isEqualTo(TEN.stream().map(x -> 2 * x).toList());
        double mean = pool.batched(TEN, batch -> batch, Reductions.flatten().andThen(Reductions.average()));
        assertThat(mean).isEqualTo(4.5);
    }

    @Test
    void singleBatch_isReducedToo() {
        int max = pool.batched(List.of(5), batch -> batch.getFirst(), Reductions.max());
        assertThat(max).isEqualTo(5);
    }

    @Test
    void theBatchedArgumentIsTheLambdasChoice() {
        List<Integer> weights = List.of(1, 10, 100);
        List<Integer> products = pool.batched(TEN, batch -> batch.stream().map(x -> x * weights.get(x % 3)).toList(),
                Reductions.flatten());
        assertThat(products.get(4)).isEqualTo(40);
    }

    @Test
    void eachBatchIsTheTasksOwnCopy() {
        List<Integer> inputs = new ArrayList<>(TEN);
        pool.batched(inputs, batch -> {
            batch.clear();
            return 0;
        });
        assertThat(inputs).isEqualTo(TEN);
    }

    @Test
    void failedBatch_isNamedByItsIndex_andTheReductionDoesNotRun() {
        assertThatThrownBy(() -> pool.batched(TEN, batch -> {
            if (batch.contains(5)) {
                throw new IllegalStateException("bad batch");
            }
            return batch.size();
        }, parts -> {
            throw new AssertionError("the reduction must not run");
        })).isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("index 1").hasMessageContaining("[4, 5, 6]")
                .hasRootCauseMessage("bad batch")
                .satisfies(e -> assertThat(((TaskFailedException) e).index()).isEqualTo(1));
    }

    @Test
    void reductionFailure_reachesTheCallerUnchanged() {
        assertThatThrownBy(() -> pool.batched(List.<Integer>of(), List::size, Reductions.min()))
                .isInstanceOf(java.util.NoSuchElementException.class);
    }

    @Test
    void arguments_areChecked() {
        assertThatThrownBy(() -> pool.batched(null, List::size)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inputs");
        assertThatThrownBy(() -> pool.batched(TEN, List::size, (CallOptions) null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("options");
        assertThatThrownBy(() -> pool.batched(TEN, List::size, (Reduction<Integer, Integer>) null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reduction");
        assertThatThrownBy(() -> pool.batched(TEN, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CallOptions.defaults().batches(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batches must be at least 1");
    }
}
