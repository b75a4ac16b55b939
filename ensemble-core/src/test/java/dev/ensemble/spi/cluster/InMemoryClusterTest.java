package dev.ensemble.spi.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ensemble.CallOptions;
import dev.ensemble.ClusterBackend;
import dev.ensemble.FileLatch;
import dev.ensemble.WorkerPool;
import dev.ensemble.WorkerPoolContract;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The pool contract on a cluster module that uses nothing of core but its API and the cluster SPI
 * ({@link InMemoryCluster}): the cluster backend in core, its slots, pipelining, cancellation and moves, and a
 * member's workers, without Hazelcast. Tasks run in this JVM, but as copies, as on a member.
 */
class InMemoryClusterTest extends WorkerPoolContract {
    private static final InMemoryCluster CLUSTER = new InMemoryCluster(2);

    @AfterAll
    static void closeCluster() {
        CLUSTER.close();
    }

    @Override
    protected WorkerPool.Builder builder() {
        return WorkerPool.builder().cluster(CLUSTER);
    }

    @Override
    protected boolean isInProcess() {
        return false; // a task gets copies of what it captures, as on a member
    }

    @Override
    protected boolean collectsExitResults() {
        return false;
    }

    @Test
    void aPool_isSizedByTheMembers_andNamesTheCluster() {
        WorkerPool pool = track(builder().build()); // each member's processor count
        assertThat(pool.size()).isEqualTo(2 * Runtime.getRuntime().availableProcessors());
        assertThat(pool.toString()).contains("cluster");
    }

    @Test
    void aBackendThatNoProviderServes_isRefusedNamingTheProvidersFound() {
        ClusterBackend homeMade = () -> "my own cluster";
        assertThatThrownBy(() -> WorkerPool.builder().cluster(homeMade).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("my own cluster")
                .hasMessageContaining(InMemoryCluster.Provider.class.getName())
                .hasMessageContaining("ensemble-hazelcast");
    }

    @Test
    void setupThatCannotBeSent_failsBuild_namingThePartNotTheSetup() {
        Thread notData = new Thread(() -> { });
        assertThatThrownBy(() -> track(builder().workers(1).sharedObjects(notData).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the pool's sharedObjects")
                .hasMessageContaining("java.lang.Thread");
        assertThatThrownBy(() -> track(builder().workers(1).onWorkerStart(context -> notData.getName()).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the pool's onWorkerStart")
                .hasMessageContaining("java.lang.Thread");
    }

    @Test
    void aMemberLeavingMidMap_losesNoInput_andTheSlotsMoveToTheOtherMember() throws Exception {
        try (InMemoryCluster cluster = new InMemoryCluster(2)) {
            WorkerPool pool = track(WorkerPool.builder().cluster(cluster).workers(4).retries(1).build());
            FileLatch started = FileLatch.create(temp, 4);
            FileLatch go = FileLatch.create(temp, 1);
            CompletableFuture<List<Integer>> running = pool.mapAsync(IntStream.range(0, 40).boxed().toList(), x -> {
                if (x < 4) {
                    started.countDown("task-" + x);
                    go.await(PATIENCE);
                }
                return x * 2;
            }, CallOptions.defaults().chunkSize(1));
            started.await(PATIENCE); // each of the four workers runs one of the first tasks, two on each member
            cluster.leave(0);
            go.countDown("go");
            assertThat(running.get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                    .isEqualTo(IntStream.range(0, 40).map(x -> x * 2).boxed().toList());
            assertThat(pool.size()).isEqualTo(4);
            assertThat(pool.map(List.of(1, 2, 3), x -> x + 1)).containsExactly(2, 3, 4);
            pool.close();
        }
    }
}
