package dev.ensemble.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ensemble.CallOptions;
import dev.ensemble.Ensemble;
import dev.ensemble.LeakCheck;
import dev.ensemble.Outcome;
import dev.ensemble.WorkerPool;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A pool's meters in a {@link SimpleMeterRegistry}, read as a registry's scrape would, on threads and processes. */
@ExtendWith(LeakCheck.class)
class EnsembleMetricsTest {
    @TempDir
    Path temp;

    private static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    private static double value(MeterRegistry registry, String name, String pool) {
        Meter meter = registry.find(name).tag("pool", pool).meter();
        assertThat(meter).as(name).isNotNull();
        return meter.measure().iterator().next().getValue();
    }

    @Test
    void aThreadPool_reportsCompletedFailedAndPendingTasks_andTaskTime() {
        MeterRegistry registry = new SimpleMeterRegistry();
        try (WorkerPool pool = EnsembleMetrics.monitor(registry,
                WorkerPool.builder().workers(2).name("scoring").build(), "app", "test")) {
            List<Outcome<Integer>> outcomes = pool.mapOutcomes(range(10), x -> {
                if (x % 5 == 0) {
                    throw new IllegalArgumentException("bad " + x);
                }
                return x;
            }, CallOptions.defaults().chunkSize(1));
            assertThat(outcomes).hasSize(10);

            assertThat(value(registry, "ensemble.tasks.completed", "scoring")).isEqualTo(10);
            assertThat(value(registry, "ensemble.tasks.failed", "scoring")).isEqualTo(2);
            assertThat(value(registry, "ensemble.tasks.retried", "scoring")).isZero();
            assertThat(value(registry, "ensemble.tasks.pending", "scoring")).isZero();
            assertThat(value(registry, "ensemble.workers", "scoring")).isEqualTo(2);
            assertThat(value(registry, "ensemble.workers.restarts", "scoring")).isZero();
            assertThat(value(registry, "ensemble.workers.utilization", "scoring")).isBetween(0.0, 1.0);
            FunctionTimer time = registry.find("ensemble.task.time").tag("pool", "scoring").functionTimer();
            assertThat(time).isNotNull();
            assertThat(time.count()).isEqualTo(10);
            assertThat(time.totalTime(TimeUnit.NANOSECONDS)).isPositive();
            assertThat(registry.find("ensemble.tasks.completed").tags("pool", "scoring", "app", "test").meter())
                    .as("the caller's tags on every meter").isNotNull();
        }
    }

    @Test
    void aProcessPool_reportsRetriesAndRestarts_whenAWorkerDies() {
        MeterRegistry registry = new SimpleMeterRegistry();
        String once = temp.resolve("died-once").toString();
        try (WorkerPool pool = EnsembleMetrics.monitor(registry,
                WorkerPool.builder().workers(1).processes().retries(1).name("legacy").build())) {
            assertThat(pool.map(range(4), x -> {
                if (x == 2 && !Files.exists(Path.of(once))) {
                    Files.createFile(Path.of(once));
                    Runtime.getRuntime().halt(3); // as a crash in native code would
                }
                return x;
            }, CallOptions.defaults().chunkSize(1))).isEqualTo(range(4));

            assertThat(value(registry, "ensemble.tasks.completed", "legacy")).isEqualTo(4);
            assertThat(value(registry, "ensemble.tasks.retried", "legacy")).isEqualTo(1);
            assertThat(value(registry, "ensemble.tasks.failed", "legacy")).isZero();
            assertThat(value(registry, "ensemble.workers.restarts", "legacy")).isEqualTo(1);
        }
        // A closed pool keeps its last figures.
        assertThat(value(registry, "ensemble.tasks.completed", "legacy")).isEqualTo(4);
    }

    @Test
    void anInstancePool_hasTheSameMeters() {
        MeterRegistry registry = new SimpleMeterRegistry();
        try (Ensemble<StringBuilder> builders = EnsembleMetrics.monitor(registry,
                Ensemble.builder(StringBuilder::new).workers(2).name("builders").build())) {
            assertThat(builders.broadcast(b -> b.append("x").length())).containsExactly(1, 1);
            assertThat(value(registry, "ensemble.tasks.completed", "builders")).isEqualTo(2);
            assertThat(value(registry, "ensemble.workers", "builders")).isEqualTo(2);
            assertThat(value(registry, "ensemble.workers.utilization", "builders")).isCloseTo(0.5, within(0.5));
        }
    }
}
