package dev.ensemble.internal.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ensemble.LeakCheck;
import dev.ensemble.CallOptions;
import dev.ensemble.WorkerPool;
import dev.ensemble.internal.PoolImpl;
import dev.ensemble.internal.schedule.Call;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class ProgressDisplayTest {
    private static final long SECOND = 1_000_000_000L;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);
    private final ProgressDisplay lines = new ProgressDisplay(false,
            new PrintStream(bytes, true, StandardCharsets.UTF_8), clock::get, Duration.ofSeconds(5), null);

    private List<String> printed() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void line_showsCountPercentageRateElapsedAndEta() {
        assertThat(ProgressDisplay.line("map", 40, 100, 4 * SECOND, null, false))
                .isEqualTo("map: 40/100 (40%) | 10.0 tasks/s | elapsed 0:00:04 | ETA 0:00:06");
        assertThat(ProgressDisplay.line("squares", 1_500_000, 3_000_000, SECOND, null, false))
                .isEqualTo("squares: 1500000/3000000 (50%) | 1.50M tasks/s | elapsed 0:00:01 | ETA 0:00:01");
        assertThat(ProgressDisplay.line("stream", 20_000, -1, 3_725 * SECOND, null, false))
                .isEqualTo("stream: 20000 tasks | 5.4 tasks/s | elapsed 1:02:05");
        assertThat(ProgressDisplay.line("map", 0, 10, SECOND, null, false))
                .isEqualTo("map: 0/10 (0%) | 0.0 tasks/s | elapsed 0:00:01");
    }

    @Test
    void lastLine_saysHowTheCallEnded() {
        assertThat(ProgressDisplay.line("map", 100, 100, 2 * SECOND, null, true))
                .isEqualTo("map: 100/100 (100%) | 50.0 tasks/s | done in 2.00 s");
        assertThat(ProgressDisplay.line("map", 3, 100, 2 * SECOND, new IllegalStateException(), true))
                .isEqualTo("map: 3/100 (3%) | 1.5 tasks/s | failed in 2.00 s");
        assertThat(ProgressDisplay.line("map", 0, 0, 0, new java.util.concurrent.CancellationException(), true))
                .isEqualTo("map: 0/0 (100%) | 0.0 tasks/s | cancelled in 0.00 s");
        assertThat(ProgressDisplay.rate(12_345)).isEqualTo("12.3k tasks/s");
        assertThat(ProgressDisplay.line("map", 10, 10, 61 * SECOND, null, true)).endsWith("done in 0:01:01");
    }

    @Test
    void lineBar_printsAtMostOneLinePerIntervalAndALastLine() throws Exception {
        Semaphore gate = new Semaphore(0);
        try (WorkerPool pool = WorkerPool.builder().workers(2).name("progress-lines").build()) {
            CompletableFuture<List<Integer>> result = pool.mapAsync(IntStream.range(0, 10).boxed().toList(), x -> {
                gate.acquire();
                return x;
            }, CallOptions.defaults().chunkSize(1));
            try {
                Call<?> call = ((PoolImpl) pool).scheduler().liveCalls().getFirst();
                ProgressDisplay.Bar bar = lines.show(call, "gated");

                lines.tick();
                assertThat(printed()).isEmpty();

                gate.release(4);
                Await.until(() -> call.completedTasks() == 4, Duration.ofSeconds(20), "4 tasks are done");
                clock.addAndGet(4 * SECOND);
                lines.tick();
                assertThat(printed()).isEmpty(); // the interval (5 s) has not passed
                clock.addAndGet(SECOND);
                lines.tick();
                lines.tick();
                assertThat(printed()).containsExactly(
                        "gated: 4/10 (40%) | 0.8 tasks/s | elapsed 0:00:05 | ETA 0:00:07");

                gate.release(6);
                assertThat(result.get(20, TimeUnit.SECONDS)).hasSize(10);
                clock.addAndGet(5 * SECOND);
                bar.finish(null);
                bar.finish(null);
                lines.tick();
                assertThat(printed()).containsExactly(
                        "gated: 4/10 (40%) | 0.8 tasks/s | elapsed 0:00:05 | ETA 0:00:07",
                        "gated: 10/10 (100%) | 1.0 tasks/s | done in 10.00 s");
            } finally {
                gate.release(100);
            }
        }
    }

    @Test
    void pool_drawsBarsForCallsThatAskAndForAllCallsOfAPoolThatAsks() {
        try (WorkerPool quiet = WorkerPool.builder().workers(1).name("progress-quiet").build();
                WorkerPool loud = WorkerPool.builder().workers(1).name("progress-loud").progressBar(true).build()) {
            PoolMonitor quietWatch = watch(quiet);
            PoolMonitor loudWatch = watch(loud);
            try {
                List<Integer> inputs = List.of(1, 2, 3);
                quiet.map(inputs, x -> x);
                quiet.map(inputs, x -> x, CallOptions.defaults().progressBar(true).name("asked"));
                loud.map(inputs, x -> x, CallOptions.defaults().name("pool default"));
                loud.map(inputs, x -> x, CallOptions.defaults().progressBar(false).name("declined"));
                loud.submit(() -> 1).join(); // placed calls (submit, broadcast) never get a bar
            } finally {
                quietWatch.detach();
                loudWatch.detach();
            }
        }
        assertThat(printed()).hasSize(2);
        assertThat(printed().get(0)).startsWith("asked: 3/3 (100%) | ").contains("| done in ");
        assertThat(printed().get(1)).startsWith("pool default: 3/3 (100%) | ");
    }

    /** A second monitor on a live pool, drawing on this test's display. */
    private PoolMonitor watch(WorkerPool pool) {
        PoolImpl impl = (PoolImpl) pool;
        return PoolMonitor.attach(impl.config(), impl.scheduler(), () -> lines, false);
    }

    @Test
    void sharedDisplay_tickerThreadStopsWhenNoBarIsShown() throws Exception {
        ProgressDisplay display = new ProgressDisplay(false, new PrintStream(bytes, true, StandardCharsets.UTF_8),
                System::nanoTime, Duration.ofHours(1), Duration.ofMillis(10));
        try (WorkerPool pool = WorkerPool.builder().workers(1).build()) {
            Semaphore gate = new Semaphore(0);
            CompletableFuture<List<Integer>> result = pool.mapAsync(List.of(1), x -> {
                gate.acquire();
                return x;
            });
            Call<?> call = ((PoolImpl) pool).scheduler().liveCalls().getFirst();
            ProgressDisplay.Bar bar = display.show(call, "ticked");
            Await.until(() -> tickerAlive(), Duration.ofSeconds(20), "the ticker runs");
            gate.release();
            result.get(20, TimeUnit.SECONDS);
            bar.finish(null);
            Await.until(() -> !tickerAlive(), Duration.ofSeconds(20), "the ticker stops");
        }
        assertThat(printed()).singleElement().asString().startsWith("ticked: 1/1 (100%)");
    }

    private static boolean tickerAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("ensemble-progress"));
    }
}
