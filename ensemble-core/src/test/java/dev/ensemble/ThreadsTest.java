package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The contract on platform threads, plus what only threads do. */
class ThreadsTest extends WorkerPoolContract {
    @Override
    protected WorkerPool.Builder builder() {
        return WorkerPool.builder().threads();
    }

    @Test
    void threadsShortcut_buildsAThreadPool() {
        WorkerPool pool = track(WorkerPool.threads(3));
        assertThat(pool.size()).isEqualTo(3);
        assertThat(pool.toString()).contains("3 threads");
    }

    @Test
    void jvmArgs_onThreads_isRefused() {
        assertThatThrownBy(() -> WorkerPool.builder().threads().jvmArgs("-Xmx1g").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only to process workers");
    }

    @Test
    void sharedObjects_onThreads_areTheCallersInstance() {
        Object shared = new Object();
        WorkerPool pool = track(builder().workers(2).sharedObjects(shared).build());
        assertThat(pool.broadcast(() -> WorkerContext.current().shared() == shared)).containsOnly(true);
    }

    @Test
    void taskTimeout_abandonsAThreadThatIgnoresItsInterrupt_andReplacesIt() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        WorkerPool pool = track(builder().workers(1).taskTimeout(Duration.ofMillis(100)).build());
        try {
            assertThatThrownBy(() -> pool.map(List.of(1), x -> {
                while (release.getCount() > 0) {
                    try {
                        release.await();
                    } catch (InterruptedException ignored) {
                        // a stubborn task: it keeps waiting
                    }
                }
                return x;
            })).isInstanceOf(TaskTimeoutException.class).hasMessageContaining("abandoned");
            assertThat(pool.map(List.of(1, 2), x -> x * 2)).containsExactly(2, 4);
            assertThat(pool.insights().workers().getFirst().restarts()).isEqualTo(1);
        } finally {
            release.countDown();
        }
    }

    @Test
    void mapOutcomes_recordsATimeoutAndKeepsGoing() {
        WorkerPool pool = track(builder().workers(1).taskTimeout(Duration.ofMillis(100)).build());
        List<Outcome<Integer>> outcomes = pool.mapOutcomes(List.of(0, 1, 2), x -> {
            if (x == 1) {
                Thread.sleep(PATIENCE.toMillis());
            }
            return x;
        });
        assertThat(outcomes.get(0).getOrThrow()).isZero();
        assertThat(outcomes.get(1)).isInstanceOfSatisfying(Outcome.Failure.class,
                f -> assertThat(f.error()).isInstanceOf(TaskTimeoutException.class));
        assertThat(outcomes.get(2).getOrThrow()).isEqualTo(2);
    }
}
