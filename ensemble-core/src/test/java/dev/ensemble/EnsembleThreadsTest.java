package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The ensemble contract on platform threads, plus what needs in-JVM latches inside calls or is particular to
 * threads (a worker process may prefetch a chunk behind a busy call, so going around a busy instance is only
 * promised here).
 */
class EnsembleThreadsTest extends EnsembleContract {

    @Override
    protected <S> Ensemble<S> build(Ensemble.Builder<S> builder) {
        return builder.threads().build();
    }

    @Test
    void threadsShortcut() {
        try (Ensemble<Model> models = Ensemble.threads(2, Model::new)) {
            assertThat(models.broadcast(Model::worker)).containsExactly(0, 1);
            assertThat(models.toString()).contains("2 instances on threads");
        }
    }

    @Test
    void anInstanceCallThatWaitsForItsOwnEnsemble_failsAtOnceWithAClearMessage() {
        try (Ensemble<Model> models = Ensemble.threads(2, Model::new)) {
            java.util.concurrent.atomic.AtomicReference<Ensemble<Model>> self =
                    new java.util.concurrent.atomic.AtomicReference<>(models);
            assertThatThrownBy(() -> models.on(0, m -> self.get().broadcast(Model::worker)))
                    .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("same pool");
            assertThatThrownBy(() -> models.map(List.of(1, 2), (m, x) -> self.get().on(m.worker(), Model::worker)))
                    .cause().hasMessageContaining("same pool");
            assertThat(models.broadcast(Model::worker)).containsExactly(0, 1);
        }
    }

    @Test
    void virtualThreads() {
        try (Ensemble<Model> models = Ensemble.builder(Model::new).workers(2).virtualThreads().build()) {
            assertThat(models.broadcast(Model::worker)).containsExactly(0, 1);
        }
    }

    @Test
    void map_goesAroundABusyInstance() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Ensemble<Model> models = ensemble(Model::new)) {
            CompletableFuture<Integer> busy = models.onAsync(0, m -> {
                release.await();
                return m.worker();
            });
            List<Integer> workers = models.map(IntStream.range(0, 30).boxed().toList(), (m, a) -> m.worker(),
                    CallOptions.defaults().chunkSize(1));
            assertThat(workers).doesNotContain(0);
            release.countDown();
            assertThat(busy.get(30, TimeUnit.SECONDS)).isZero();
        }
    }

    @Test
    void scatter_andBroadcast_waitForABusyInstance() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        try (Ensemble<Model> models = ensemble(Model::new)) {
            CompletableFuture<Integer> busy = models.onAsync(1, m -> {
                running.countDown();
                release.await();
                return m.call();
            });
            running.await();
            CompletableFuture<List<Integer>> after = models.broadcastAsync(Model::call);
            assertThat(after).isNotDone();
            release.countDown();
            assertThat(busy.get(30, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(after.get(30, TimeUnit.SECONDS)).containsExactly(1, 2, 1);
        }
    }

    @Test
    void timeout_abandonsTheThread_andTheReplacementBuildsANewInstance() {
        CountDownLatch release = new CountDownLatch(1);
        try (Ensemble<Model> models = build(Ensemble.builder(Model::new).workers(2)
                .taskTimeout(Duration.ofMillis(200)))) {
            String before = models.on(0, Model::token);
            assertThatThrownBy(() -> models.on(0, m -> {
                // Ignores its interrupt, so the watchdog gives up on the thread and replaces it.
                while (true) {
                    try {
                        release.await();
                        return 0;
                    } catch (InterruptedException ignored) {
                        // keep waiting
                    }
                }
            })).isInstanceOf(TaskTimeoutException.class);
            assertThat(models.on(0, Model::token)).isNotEqualTo(before);
            assertThat(models.insights().workers().get(0).restarts()).isEqualTo(1);
        } finally {
            release.countDown();
        }
    }
}
