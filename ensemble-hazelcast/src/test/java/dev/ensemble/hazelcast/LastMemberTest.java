package dev.ensemble.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.core.HazelcastInstance;
import dev.ensemble.CallOptions;
import dev.ensemble.FileLatch;
import dev.ensemble.LeakCheck;
import dev.ensemble.WorkerDiedException;
import dev.ensemble.WorkerPool;
import dev.ensemble.hazelcast.internal.LoopbackCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** When the last member of a pool dies, calls fail with WorkerDiedException instead of waiting for a member. */
@ExtendWith(LeakCheck.class)
class LastMemberTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path temp;

    @Test
    void lastMemberKilled_failsTheRunningCallAndTheNextOnes_andCloseDoesNotHang() throws Exception {
        try (LoopbackCluster cluster = LoopbackCluster.start(1, 0)) {
            HazelcastInstance client = cluster.client();
            WorkerPool pool = WorkerPool.builder().cluster(HazelcastBackend.of(client)).workers(1).retries(2).build();
            try {
                FileLatch running = FileLatch.create(temp, 1);
                CompletableFuture<List<Integer>> call = pool.mapAsync(List.of(1, 2, 3), x -> {
                    running.countDown("task-" + x);
                    Thread.sleep(PATIENCE.toMillis());
                    return x;
                }, CallOptions.defaults().chunkSize(1));
                running.await(PATIENCE);
                Process member = cluster.members().getFirst();
                member.destroyForcibly();
                assertThat(member.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
                assertThatThrownBy(() -> call.get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).cause().isInstanceOf(WorkerDiedException.class)
                        .hasMessageContaining("no member");
                assertThatThrownBy(() -> pool.map(List.of(1), x -> x)).isInstanceOf(WorkerDiedException.class);
            } finally {
                pool.close();
            }
        }
    }
}
