package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ensemble.internal.process.WarmWorkers;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Warm reuse ({@code keepWarm}): the worker JVMs of a closed pool wait, idle, for the next pool of this JVM with
 * the same JVM options, which then starts on them with its own hooks, shared objects, timeout and fresh state.
 */
@ExtendWith(LeakCheck.class)
class WarmWorkersTest {
    @TempDir
    Path dir;

    /** Set by a start hook in the worker JVM. */
    static final class Marker {
        static volatile String started;
    }

    private static Set<Long> pids(WorkerPool pool) {
        return new HashSet<>(pool.broadcast(() -> ProcessHandle.current().pid()));
    }

    @Test
    void theNextPoolTakesTheIdleWorkers_withItsOwnSharedObjectsHooksAndFreshState() throws Exception {
        String where = dir.toString();
        Set<Long> first;
        try (WorkerPool pool = WorkerPool.builder().workers(2).processes().keepWarm(Duration.ofSeconds(30))
                .sharedObjects("first").onWorkerExit(ctx -> Files.writeString(Path.of(where, "exited-"
                        + ctx.workerId()), "bye")).build()) {
            first = pids(pool);
            assertThat(pool.broadcast(() -> WorkerContext.current().<String>shared())).containsOnly("first");
        }
        assertThat(first).hasSize(2);
        assertThat(dir.resolve("exited-0")).exists(); // the exit hook ran when the pool closed
        assertThat(dir.resolve("exited-1")).exists();
        assertThat(WarmWorkers.count()).isEqualTo(2);

        try (WorkerPool pool = WorkerPool.builder().workers(2).processes().sharedObjects("second")
                .onWorkerStart(ctx -> Marker.started = "second pool, worker " + ctx.workerId()).build()) {
            assertThat(WarmWorkers.count()).isZero();
            assertThat(pids(pool)).isEqualTo(first);
            assertThat(pool.broadcast(() -> WorkerContext.current().<String>shared())).containsOnly("second");
            assertThat(pool.broadcast(() -> Marker.started)).containsExactly("second pool, worker 0",
                    "second pool, worker 1");
            assertThat(pool.broadcast(() -> WorkerContext.current().workerId())).containsExactly(0, 1);
            assertThat(pool.map(List.of(1, 2, 3, 4), x -> x * x)).containsExactly(1, 4, 9, 16);
            assertThat(pool.insights().workers()).hasSize(2);
        }
        // That pool did not ask to keep its workers: they exited with it (LeakCheck checks they are gone).
        assertThat(WarmWorkers.count()).isZero();
        for (long pid : first) {
            ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(10, TimeUnit.SECONDS).join());
        }
    }

    @Test
    void tasksOfEarlierPools_countTowardTheNextPoolsMaxTasksPerWorker() {
        long first;
        try (WorkerPool pool = WorkerPool.builder().workers(1).processes().keepWarm(Duration.ofSeconds(30)).build()) {
            first = pool.apply(() -> ProcessHandle.current().pid());
            assertThat(pool.map(List.of(1, 2, 3, 4, 5), x -> x)).hasSize(5); // 6 tasks in all
        }
        long second;
        try (WorkerPool pool = WorkerPool.builder().workers(1).processes().maxTasksPerWorker(8)
                .keepWarm(Duration.ofSeconds(30)).build()) {
            assertThat(pool.apply(() -> ProcessHandle.current().pid())).as("6 < 8: taken").isEqualTo(first);
            assertThat(pool.apply(() -> 1)).isEqualTo(1); // the eighth task of that JVM: it is recycled after it
            second = pool.apply(() -> ProcessHandle.current().pid());
            assertThat(second).as("a new JVM after 8 tasks in all").isNotEqualTo(first);
        }
        try (WorkerPool pool = WorkerPool.builder().workers(1).processes().maxTasksPerWorker(1).build()) {
            assertThat(pool.apply(() -> ProcessHandle.current().pid()))
                    .as("the idle JVM ran 1 task already: not taken by a pool that allows 1").isNotEqualTo(second);
        }
        assertThat(WarmWorkers.count()).isZero();
    }

    @Test
    void otherJvmOptions_startNewWorkers() {
        Set<Long> warm;
        try (WorkerPool pool = WorkerPool.builder().workers(1).processes().keepWarm(Duration.ofSeconds(30)).build()) {
            warm = pids(pool);
        }
        try (WorkerPool pool = WorkerPool.builder().workers(1).processes().jvmArgs("-Xmx200m").build()) {
            assertThat(pids(pool)).doesNotContainAnyElementsOf(warm);
        }
        assertThat(WarmWorkers.count()).isEqualTo(1); // still waiting for a pool of its own options
    }

    @Test
    void theNewPoolsTimeoutApplies_onAWarmWorker() {
        try (WorkerPool pool = WorkerPool.builder().workers(1).processes().keepWarm(Duration.ofSeconds(30)).build()) {
            pool.apply(() -> 1);
        }
        try (WorkerPool pool = WorkerPool.builder().workers(1).processes().taskTimeout(Duration.ofMillis(300))
                .build()) {
            assertThatThrownBy(() -> pool.apply(() -> {
                Thread.sleep(60_000);
                return 1;
            })).isInstanceOf(TaskTimeoutException.class);
            assertThat(pool.apply(() -> 2)).isEqualTo(2); // replaced by a new worker
        }
    }

    @Test
    void idleWorkers_exitByThemselvesAfterTheirIdleTime() {
        Set<Long> warm;
        try (WorkerPool pool = WorkerPool.builder().workers(2).processes().keepWarm(Duration.ofMillis(200)).build()) {
            warm = pids(pool);
        }
        for (long pid : warm) {
            ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(20, TimeUnit.SECONDS).join());
        }
        assertThat(WarmWorkers.count()).isZero();
    }

    @Test
    void anIdleWorkerThatDied_isReplacedByANewOne() throws Exception {
        Set<Long> warm;
        try (WorkerPool pool = WorkerPool.builder().workers(1).processes().keepWarm(Duration.ofSeconds(30)).build()) {
            warm = pids(pool);
        }
        ProcessHandle idle = ProcessHandle.of(warm.iterator().next()).orElseThrow();
        idle.destroyForcibly();
        idle.onExit().get(10, TimeUnit.SECONDS);
        try (WorkerPool pool = WorkerPool.builder().workers(1).processes().build()) {
            assertThat(pool.apply(() -> 3)).isEqualTo(3);
            assertThat(pids(pool)).doesNotContainAnyElementsOf(warm);
        }
    }

    /** A stateful instance: what a reused worker must not carry over from the previous ensemble. */
    static final class Counter implements Serializable {
        private static final long serialVersionUID = 1L;
        int count;
    }

    @Test
    void anEnsembleOnWarmWorkers_buildsFreshInstances() {
        long pid;
        try (Ensemble<Counter> counters = Ensemble.builder(Counter::new).workers(1).processes()
                .keepWarm(Duration.ofSeconds(30)).build()) {
            counters.broadcast(c -> ++c.count);
            assertThat(counters.broadcast(c -> ++c.count)).containsExactly(2);
            pid = counters.on(0, c -> ProcessHandle.current().pid());
        }
        try (Ensemble<Counter> counters = Ensemble.builder(Counter::new).workers(1).processes().build()) {
            long again = counters.on(0, c -> ProcessHandle.current().pid());
            assertThat(again).isEqualTo(pid);
            assertThat(counters.broadcast(c -> ++c.count)).containsExactly(1);
        }
    }

    @Test
    void keepWarm_isCheckedWhereItIsSet() {
        assertThatThrownBy(() -> WorkerPool.builder().keepWarm(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keepWarm");
        assertThatThrownBy(() -> WorkerPool.builder().keepWarm(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zero or positive");
        assertThatThrownBy(() -> WorkerPool.builder().threads().keepWarm(Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only to process workers");
    }
}
