package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class InsightsTest {

    private static Insights.WorkerStats worker(int id, long tasks, long starting, long startHook, long waiting,
            long working, long exitHook, int restarts) {
        return new Insights.WorkerStats(id, tasks, Duration.ofMillis(starting), Duration.ofMillis(startHook),
                Duration.ofMillis(waiting), Duration.ofMillis(working), Duration.ofMillis(exitHook), restarts);
    }

    private static final Insights SAMPLE = new Insights("sample", List.of(
            worker(0, 30, 10, 0, 20, 60, 10, 1),
            worker(1, 10, 10, 0, 60, 20, 10, 0)),
            List.of(new Insights.SlowTask(0, 7, "\"seven\"", Duration.ofMillis(9)),
                    new Insights.SlowTask(1, 3, "3", Duration.ofMillis(4))));

    @Test
    void totalsMeansAndShares_addUpOverWorkersAndPhases() {
        assertThat(SAMPLE.tasksCompleted()).isEqualTo(40);
        assertThat(SAMPLE.restarts()).isEqualTo(1);
        assertThat(SAMPLE.total(Insights.Phase.WORKING)).isEqualTo(Duration.ofMillis(80));
        assertThat(SAMPLE.working()).isEqualTo(Duration.ofMillis(80));
        assertThat(SAMPLE.waiting()).isEqualTo(Duration.ofMillis(80));
        assertThat(SAMPLE.meanPerWorker(Insights.Phase.STARTING)).isEqualTo(Duration.ofMillis(10));
        assertThat(SAMPLE.meanPerWorker(Insights.Phase.WAITING)).isEqualTo(Duration.ofMillis(40));
        assertThat(SAMPLE.totalTime()).isEqualTo(Duration.ofMillis(200));
        assertThat(SAMPLE.share(Insights.Phase.WORKING)).isEqualTo(0.4);
        assertThat(SAMPLE.share(Insights.Phase.STARTING)).isEqualTo(0.1);
        assertThat(SAMPLE.meanTaskTime()).isEqualTo(Duration.ofMillis(2));
        Insights.WorkerStats first = SAMPLE.workers().get(0);
        assertThat(first.lifetime()).isEqualTo(Duration.ofMillis(100));
        assertThat(first.utilization()).isEqualTo(0.6);
        assertThat(first.share(Insights.Phase.EXIT_HOOK)).isEqualTo(0.1);
        assertThat(first.meanTaskTime()).isEqualTo(Duration.ofMillis(2));
    }

    @Test
    void emptyInsights_haveZeroMeansAndSharesInsteadOfDividingByZero() {
        Insights empty = new Insights("empty", List.of(worker(0, 0, 0, 0, 0, 0, 0, 0)), List.of());
        assertThat(empty.meanTaskTime()).isEqualTo(Duration.ZERO);
        assertThat(empty.share(Insights.Phase.WORKING)).isZero();
        assertThat(empty.workers().get(0).utilization()).isZero();
        assertThat(new Insights("none", List.of(), List.of()).meanPerWorker(Insights.Phase.WORKING))
                .isEqualTo(Duration.ZERO);
        assertThat(empty.toTable()).contains("0 tasks").doesNotContain("slowest");
    }

    @Test
    void toTable_hasSummaryRowPerWorkerTotalsMeansSharesAndSlowestTasks() {
        List<String> lines = SAMPLE.toTable().lines().toList();
        assertThat(lines.get(0)).isEqualTo("Insights of pool sample: 2 workers, 40 tasks, mean task time 2.0 ms");
        assertThat(lines.get(1)).startsWith("worker").contains("tasks", "starting", "start hook", "waiting",
                "working", "exit hook", "util", "restarts");
        assertThat(lines.get(2).split("\\s+")).startsWith("0", "30", "10.0", "ms");
        assertThat(lines.get(2)).endsWith("60%        1");
        assertThat(lines.get(3).split("\\s+")).startsWith("1", "10");
        assertThat(lines.get(4)).startsWith("total").contains("80.0 ms").endsWith("40%        1");
        assertThat(lines.get(5)).startsWith("mean").contains("20").contains("40.0 ms");
        assertThat(lines.get(6).split("\\s+")).containsExactly("share", "10.0%", "0.0%", "40.0%", "40.0%", "10.0%");
        assertThat(lines.get(7)).isEqualTo("slowest tasks:");
        assertThat(lines.get(8)).contains("9.0 ms", "worker 0", "index 7", "input \"seven\"");
        assertThat(lines.get(9)).contains("4.0 ms", "worker 1", "index 3", "input 3");
        assertThat(lines).hasSize(10);
        // Every row of the grid lines up with the header.
        assertThat(lines.subList(1, 7)).allSatisfy(line -> assertThat(line.stripTrailing().length())
                .isLessThanOrEqualTo(lines.get(1).length()));
    }

    @Test
    void constructor_rejectsNullsWithAMessage() {
        assertThatThrownBy(() -> new Insights(null, List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be null");
    }

    @Test
    void pool_countsEveryTaskOncePerWorkerAndInTotal() {
        AtomicInteger starts = new AtomicInteger();
        try (WorkerPool pool = WorkerPool.builder().workers(2).name("insights-count")
                .onWorkerStart(ctx -> starts.incrementAndGet()).build()) {
            pool.map(IntStream.range(0, 100).boxed().toList(), x -> x * 2, CallOptions.defaults().chunkSize(7));
            pool.map(IntStream.range(0, 50).boxed().toList(), x -> x + 1);
            Insights insights = pool.insights();
            assertThat(insights.poolName()).isEqualTo("insights-count");
            assertThat(insights.workers()).extracting(Insights.WorkerStats::workerId).containsExactly(0, 1);
            assertThat(insights.tasksCompleted()).isEqualTo(150);
            assertThat(insights.workers().stream().mapToLong(Insights.WorkerStats::tasksCompleted).sum())
                    .isEqualTo(150);
            assertThat(insights.restarts()).isZero();
            assertThat(insights.slowestTasks()).hasSizeBetween(1, 5);
            assertThat(insights.toTable().lines().filter(l -> l.matches("^[01] .*"))).hasSize(2);
        }
        assertThat(starts).hasValue(2);
    }

    @Test
    void pool_countsRecycledWorkersAsRestarts() {
        try (WorkerPool pool = WorkerPool.builder().workers(1).maxTasksPerWorker(10).build()) {
            pool.map(IntStream.range(0, 100).boxed().toList(), x -> x);
            Insights insights = pool.insights();
            assertThat(insights.tasksCompleted()).isEqualTo(100);
            // The worker is recycled after its tenth task, which may be just after the call returned.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pool.insights().restarts() < 10 && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            assertThat(pool.insights().restarts()).isEqualTo(10);
        }
    }

    @Test
    void pool_listsABlockedTaskAmongTheSlowestWithItsInput() throws Exception {
        CountDownLatch othersDone = new CountDownLatch(39);
        try (WorkerPool pool = WorkerPool.threads(2)) {
            List<String> inputs = IntStream.range(0, 40).mapToObj(i -> "input-" + i).toList();
            List<String> out = pool.map(inputs, s -> {
                if (s.equals("input-0")) {
                    // Blocks until every other task has run, so it outlasts each of them.
                    if (!othersDone.await(30, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the other tasks did not run");
                    }
                } else {
                    othersDone.countDown();
                }
                return s;
            }, CallOptions.defaults().chunkSize(1));
            assertThat(out).isEqualTo(inputs);
            assertThat(pool.insights().slowestTasks())
                    .anySatisfy(t -> {
                        assertThat(t.input()).isEqualTo("\"input-0\"");
                        assertThat(t.index()).isZero();
                    });
        }
    }
}
