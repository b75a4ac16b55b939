package dev.ensemble.internal.monitor;

import dev.ensemble.spi.CallView;
import dev.ensemble.spi.PoolView;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ensemble.LeakCheck;
import dev.ensemble.CallOptions;
import dev.ensemble.TaskFailedException;
import dev.ensemble.WorkerPool;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class PoolMonitorTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    static PoolMonitor monitorOf(String poolName) {
        return PoolMonitor.livePools().stream().filter(m -> m.name().equals(poolName)).findFirst()
                .orElseThrow(() -> new AssertionError("pool " + poolName + " is not among the live pools"));
    }

    @Test
    void livePools_listAPoolFromStartUntilClosed() {
        WorkerPool pool = WorkerPool.builder().workers(1).name("monitor-live").build();
        try {
            PoolView view = monitorOf("monitor-live").view();
            assertThat(view.kind()).isEqualTo("threads");
            assertThat(view.state()).isEqualTo("running");
            assertThat(view.workerStates()).containsExactly("idle");
        } finally {
            pool.close();
        }
        assertThat(PoolMonitor.livePools()).noneMatch(m -> m.name().equals("monitor-live"));
    }

    @Test
    void terminate_removesThePoolFromTheLivePools() {
        WorkerPool pool = WorkerPool.builder().workers(1).name("monitor-terminated").build();
        monitorOf("monitor-terminated");
        pool.terminate();
        assertThat(PoolMonitor.livePools()).noneMatch(m -> m.name().equals("monitor-terminated"));
    }

    @Test
    void runningCall_showsProgressCallSiteAndWorkingWorkers() throws Exception {
        Semaphore gate = new Semaphore(0);
        try (WorkerPool pool = WorkerPool.builder().workers(2).name("monitor-progress").build()) {
            try {
                checkProgress(pool, gate);
            } finally {
                gate.release(100); // a failed check must not leave close() waiting for gated tasks
            }
        }
    }

    private static void checkProgress(WorkerPool pool, Semaphore gate) throws Exception {
        {
            PoolMonitor monitor = monitorOf("monitor-progress");
            CompletableFuture<List<Integer>> result = pool.mapAsync(IntStream.range(0, 10).boxed().toList(), x -> {
                gate.acquire();
                return x;
            }, CallOptions.defaults().chunkSize(1).name("gated"));

            Await.until(() -> monitor.view().workerStates().equals(List.of("working", "working")), WAIT,
                    "both workers hold a chunk");
            CallView call = monitor.view().running().getFirst();
            assertThat(call.name()).isEqualTo("gated");
            // This class is in an internal package, so the call is credited to JUnit (see CallSiteTest).
            assertThat(call.callSite()).isNotBlank();
            assertThat(call.total()).isEqualTo(10);
            assertThat(call.done()).isZero();
            assertThat(call.status()).isEqualTo("running");
            assertThat(call.eta()).isNull();

            gate.release(4);
            Await.until(() -> monitor.view().running().getFirst().done() == 4, WAIT, "4 tasks are done");
            CallView later = monitor.view().running().getFirst();
            assertThat(later.ratePerSecond()).isPositive();
            assertThat(later.eta()).isNotNull();

            gate.release(6);
            assertThat(result.get(20, TimeUnit.SECONDS)).hasSize(10);
            Await.until(() -> monitor.view().running().isEmpty(), WAIT, "the call is no longer running");
            CallView done = monitor.view().recent().getFirst();
            assertThat(done.status()).isEqualTo("done");
            assertThat(done.done()).isEqualTo(10);
            assertThat(done.failure()).isNull();
            assertThat(monitor.view().workerStates()).containsExactly("idle", "idle");
        }
    }

    @Test
    void failedCall_keepsItsStackTrace() {
        try (WorkerPool pool = WorkerPool.builder().workers(2).name("monitor-failure").build()) {
            PoolMonitor monitor = monitorOf("monitor-failure");
            assertThatThrownBy(() -> pool.map(List.of(1, 2, 3), x -> {
                if (x == 2) {
                    throw new IllegalStateException("no twos here");
                }
                return x;
            })).isInstanceOf(TaskFailedException.class);
            // The observer hears of the end before the caller does.
            PoolView view = monitor.view();
            assertThat(view.callsFailed()).isEqualTo(1);
            CallView failed = view.failures().getFirst();
            assertThat(failed.status()).isEqualTo("failed");
            assertThat(failed.failure()).contains("TaskFailedException", "Caused by: java.lang.IllegalStateException: "
                    + "no twos here", "PoolMonitorTest.java");
            assertThat(view.recent().getFirst()).isEqualTo(failed);
        }
    }

    @Test
    void finishedCalls_keepOnlyTheLastFewAndCountAll() {
        try (WorkerPool pool = WorkerPool.builder().workers(1).name("monitor-recent").build()) {
            for (int i = 0; i < PoolMonitor.RECENT_CALLS + 5; i++) {
                pool.submit(() -> 1).join();
            }
            PoolView view = monitorOf("monitor-recent").view();
            assertThat(view.callsCompleted()).isEqualTo(PoolMonitor.RECENT_CALLS + 5);
            assertThat(view.recent()).hasSize(PoolMonitor.RECENT_CALLS);
            assertThat(view.recent().getFirst().id()).isEqualTo(PoolMonitor.RECENT_CALLS + 5);
            assertThat(view.recent()).allSatisfy(c -> assertThat(c.name()).isEqualTo("submit"));
        }
    }

    @Test
    void callSite_skipsLibraryAndJdkFrames() {
        assertThat(PoolMonitor.isLibraryOrJdk("dev.ensemble.internal.PoolImpl")).isTrue();
        assertThat(PoolMonitor.isLibraryOrJdk("dev.ensemble.WorkerPool")).isTrue();
        assertThat(PoolMonitor.isLibraryOrJdk("java.util.concurrent.CopyOnWriteArrayList")).isTrue();
        assertThat(PoolMonitor.isLibraryOrJdk("dev.ensemble.WorkerPoolTest")).isFalse();
        assertThat(PoolMonitor.isLibraryOrJdk("dev.ensemble.examples.Basics")).isFalse();
    }
}
