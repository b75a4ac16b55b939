package dev.ensemble.internal.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ensemble.CallOptions;
import dev.ensemble.Outcome;
import dev.ensemble.Task;
import dev.ensemble.WorkerDiedException;
import dev.ensemble.internal.worker.ChunkResult;
import dev.ensemble.internal.worker.ChunkRunner;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The scheduler driven by hand, as a backend drives it: the paths a worker process takes when it dies under a
 * chunk, which threads alone cannot reach.
 */
class SchedulerTest {
    private static final Task<Object, Object> PLUS_ONE = x -> (Integer) x + 1;

    private static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    private static ChunkResult run(Chunk chunk) {
        return new ChunkRunner(chunk.task(), chunk.inputs(), chunk.keepGoing()).run(0, () -> false);
    }

    private static ChunkResult firstResults(Chunk chunk, int done) {
        return new ChunkRunner(chunk.task(), chunk.inputs().subList(0, done), chunk.keepGoing()).run(0, () -> false);
    }

    /** A call's end as a future, for timed waits and AssertJ's future assertions. */
    private static <R> CompletableFuture<List<R>> future(Call<R> call) {
        CompletableFuture<List<R>> future = new CompletableFuture<>();
        call.end().whenSettled((results, failure) -> {
            if (failure == null) {
                future.complete(results);
            } else {
                future.completeExceptionally(failure);
            }
        });
        return future;
    }

    private static WorkerDiedException died(int slot) {
        return new WorkerDiedException("worker " + slot + " died", slot, 0, "?", "signal 9 (KILL)", List.of("boom"));
    }

    @Test
    void aLostChunk_withRetriesLeft_runsItsUnfinishedRestAgain_andNothingIsDeliveredTwice() throws Exception {
        Scheduler scheduler = new Scheduler("test", 2, null, 1);
        Call<Integer> call = scheduler.open("map", PLUS_ONE, range(10), Call.Order.ORDERED, Call.Shape.COLLECT, Call.OnFailure.FAIL_FAST,
                CallOptions.defaults().chunkSize(10));
        Chunk chunk = scheduler.take(0, Integer.MAX_VALUE);
        scheduler.lost(0, chunk, firstResults(chunk, 4), died(0), Loss.RETRYABLE);
        Chunk rest = scheduler.take(1, Integer.MAX_VALUE);
        assertThat(rest.firstIndex()).isEqualTo(4);
        assertThat(rest.size()).isEqualTo(6);
        assertThat(rest.attempt()).isEqualTo(1);
        scheduler.completed(1, rest, run(rest));
        assertThat(future(call).get(5, TimeUnit.SECONDS)).isEqualTo(range(11).subList(1, 11));
    }

    @Test
    void aLostChunk_withoutRetriesLeft_failsTheCallWithWorkerDiedException() {
        Scheduler scheduler = new Scheduler("test", 1, null, 0);
        Call<Integer> call = scheduler.open("map", PLUS_ONE, range(10), Call.Order.ORDERED, Call.Shape.COLLECT, Call.OnFailure.FAIL_FAST,
                CallOptions.defaults().chunkSize(10));
        Chunk chunk = scheduler.poll(0, Integer.MAX_VALUE);
        scheduler.lost(0, chunk, null, died(0), Loss.RETRYABLE);
        assertThatThrownBy(() -> future(call).get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(WorkerDiedException.class);
    }

    @Test
    void aRetriedChunk_thatIsLostAgain_failsOnceRetriesAreUsedUp() {
        Scheduler scheduler = new Scheduler("test", 1, null, 1);
        Call<Integer> call = scheduler.open("map", PLUS_ONE, range(3), Call.Order.ORDERED, Call.Shape.COLLECT, Call.OnFailure.FAIL_FAST,
                CallOptions.defaults().chunkSize(3));
        Chunk chunk = scheduler.poll(0, Integer.MAX_VALUE);
        scheduler.lost(0, chunk, null, died(0), Loss.RETRYABLE);
        Chunk again = scheduler.poll(0, Integer.MAX_VALUE);
        assertThat(again.attempt()).isEqualTo(1);
        scheduler.lost(0, again, null, died(0), Loss.RETRYABLE);
        assertThat(future(call)).isCompletedExceptionally();
        assertThat(scheduler.poll(0, Integer.MAX_VALUE)).isNull();
    }

    @Test
    void inOutcomesMode_aLostChunkBlamesOneInput_andTheRestStillRuns() throws Exception {
        Scheduler scheduler = new Scheduler("test", 1, null, 0);
        Call<Outcome<Integer>> call = scheduler.open("mapOutcomes", PLUS_ONE, range(5), Call.Order.ORDERED,
                Call.Shape.COLLECT, Call.OnFailure.KEEP_GOING, CallOptions.defaults().chunkSize(5));
        Chunk chunk = scheduler.poll(0, Integer.MAX_VALUE);
        scheduler.lost(0, chunk, firstResults(chunk, 2), died(0), Loss.RETRYABLE);
        Chunk rest = scheduler.poll(0, Integer.MAX_VALUE);
        assertThat(rest.firstIndex()).isEqualTo(3);
        scheduler.completed(0, rest, run(rest));
        List<Outcome<Integer>> outcomes = future(call).get(5, TimeUnit.SECONDS);
        assertThat(outcomes).extracting(Outcome::isSuccess).containsExactly(true, true, false, true, true);
        assertThat(((Outcome.Failure<Integer>) outcomes.get(2)).error()).isInstanceOf(WorkerDiedException.class);
        assertThat(outcomes.get(4).getOrThrow()).isEqualTo(5);
    }

    @Test
    void placedChunks_goOnlyToTheirSlot() {
        Scheduler scheduler = new Scheduler("test", 2, null, 0);
        scheduler.openPlaced("broadcast", PLUS_ONE, List.of(10, 20), new int[] {1, 0}, Call.Kind.JOBS);
        Chunk forZero = scheduler.poll(0, Integer.MAX_VALUE);
        Chunk forOne = scheduler.poll(1, Integer.MAX_VALUE);
        assertThat(forZero.inputs()).containsExactly(20);
        assertThat(forOne.inputs()).containsExactly(10);
        assertThat(scheduler.poll(0, Integer.MAX_VALUE)).isNull();
    }

    @Test
    void concurrentCalls_areServedRoundRobin() {
        Scheduler scheduler = new Scheduler("test", 1, null, 0);
        Call<Integer> a = scheduler.open("a", PLUS_ONE, range(100), Call.Order.ORDERED, Call.Shape.COLLECT, Call.OnFailure.FAIL_FAST,
                CallOptions.defaults().chunkSize(10));
        Call<Integer> b = scheduler.open("b", PLUS_ONE, range(100), Call.Order.ORDERED, Call.Shape.COLLECT, Call.OnFailure.FAIL_FAST,
                CallOptions.defaults().chunkSize(10));
        List<Long> order = IntStream.range(0, 4).mapToObj(i -> scheduler.poll(0, Integer.MAX_VALUE).callId()).toList();
        assertThat(order).containsExactly(a.id(), b.id(), a.id(), b.id());
    }

    @Test
    void recyclingLimit_capsTheChunkSize() {
        Scheduler scheduler = new Scheduler("test", 1, null, 0);
        scheduler.open("map", PLUS_ONE, range(100), Call.Order.ORDERED, Call.Shape.COLLECT, Call.OnFailure.FAIL_FAST,
                CallOptions.defaults().chunkSize(50));
        assertThat(scheduler.poll(0, 7).size()).isEqualTo(7);
    }

    @Test
    void automaticChunks_areSmallFirst_thenSizedByMeasuredTaskTime() {
        ChunkPlanner planner = new ChunkPlanner(0, 1_000_000, 2);
        assertThat(planner.nextSize(-1)).isEqualTo(ChunkPlanner.FIRST_CHUNK);
        planner.observe(16, 16 * 10); // 10 ns per task: cheap tasks get big chunks, capped at 4 per worker
        assertThat(planner.nextSize(-1)).isEqualTo(125_000);
        ChunkPlanner slow = new ChunkPlanner(0, 200, 2);
        slow.observe(1, 10_000_000); // 10 ms per task: one task per chunk balances best
        assertThat(slow.nextSize(-1)).isEqualTo(1);
        assertThat(new ChunkPlanner(0, -1, 2).nextSize(-1)).isEqualTo(ChunkPlanner.FIRST_CHUNK);
        assertThat(new ChunkPlanner(3, 1_000, 2).nextSize(-1)).isEqualTo(3);
    }

    @Test
    void automaticChunks_shrinkTowardsTheEndOfACall_soThatItsWorkersFinishTogether() {
        ChunkPlanner planner = new ChunkPlanner(0, 2_000, 2);
        int first = planner.nextSize(2_000);
        planner.observe(first, first * 25_000L); // 25 us per task: 200 fit in the target time
        java.util.List<Integer> sizes = new java.util.ArrayList<>();
        long remaining = 2_000 - first;
        while (remaining > 0) {
            int size = (int) Math.min(remaining, planner.nextSize(remaining));
            sizes.add(size);
            remaining -= size;
        }
        assertThat(sizes.getFirst()).isEqualTo(200);
        assertThat(sizes).as("never growing again").isSortedAccordingTo(java.util.Comparator.reverseOrder());
        int floor = (int) (ChunkPlanner.TAIL_FLOOR_NANOS / 25_000);
        assertThat(sizes.getLast()).as("the last chunks are about a millisecond of work").isLessThanOrEqualTo(floor);
        assertThat(sizes).as("but none smaller than that before the rest is smaller")
                .allSatisfy(size -> assertThat(size).isGreaterThanOrEqualTo(Math.min(floor, sizes.getLast())));
        assertThat(sizes.size()).as("a handful more chunks than fixed-size ones, not hundreds").isLessThan(25);
        assertThat(new ChunkPlanner(0, -1, 2)).satisfies(p -> {
            p.observe(10, 10 * 25_000L);
            assertThat(p.nextSize(-1)).as("a source of unknown length keeps the full size").isEqualTo(200);
        });
    }

    @Test
    void aCallThatFinishesBeforeItsOpenerAnnouncedIt_isReportedOpenedThenFinished() throws Exception {
        Scheduler scheduler = new Scheduler("test", 1, null, 0);
        List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        scheduler.addObserver(new CallObserver() {
            @Override
            public void opened(Call<?> call, CallOptions options) {
                heard.add("opened " + call.name());
                if (call.name().equals("early")) {
                    try {
                        // A worker finishes the call while its opener is still announcing it.
                        Chunk chunk = scheduler.take(0, Integer.MAX_VALUE);
                        scheduler.completed(0, chunk, run(chunk));
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    heard.add("ran " + call.name());
                }
            }

            @Override
            public void finished(Call<?> call, Throwable failure) {
                heard.add("finished " + call.name());
            }
        });
        Call<Integer> early = scheduler.openPlaced("early", PLUS_ONE, List.of(1), new int[] {-1}, Call.Kind.INPUTS);
        assertThat(future(early).get(5, TimeUnit.SECONDS)).containsExactly(2);
        assertThat(heard).containsExactly("opened early", "ran early", "finished early");

        Call<Integer> later = scheduler.openPlaced("later", PLUS_ONE, List.of(2), new int[] {-1}, Call.Kind.INPUTS);
        Chunk chunk = scheduler.take(0, Integer.MAX_VALUE);
        scheduler.completed(0, chunk, run(chunk));
        assertThat(future(later).get(5, TimeUnit.SECONDS)).containsExactly(3);
        assertThat(heard).containsExactly("opened early", "ran early", "finished early", "opened later",
                "finished later");
    }
}
