package dev.ensemble.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.core.HazelcastInstance;
import dev.ensemble.WorkerContext;
import dev.ensemble.WorkerPool;
import dev.ensemble.WorkerPoolContract;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract on a cluster of two member JVMs on 127.0.0.1 (started once for the class), reached through a
 * Hazelcast client of the test JVM; plus what only clusters do.
 */
class ClusterTest extends WorkerPoolContract {
    static LoopbackCluster cluster;
    static HazelcastInstance client;

    @BeforeAll
    static void startCluster() {
        cluster = LoopbackCluster.start(2, 0);
        client = cluster.client();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    protected WorkerPool.Builder builder() {
        return WorkerPool.builder().cluster(HazelcastBackend.of(client));
    }

    @Override
    protected boolean isInProcess() {
        return false;
    }

    @Test
    void workersPerMember_putsThatManyWorkersOnEachMember() {
        WorkerPool pool = track(WorkerPool.builder().cluster(HazelcastBackend.of(client).workersPerMember(2)).build());
        assertThat(pool.size()).isEqualTo(4);
        List<Long> pids = pool.broadcast(() -> ProcessHandle.current().pid());
        assertThat(new HashSet<>(pids)).hasSize(2).doesNotContain(ProcessHandle.current().pid());
        assertThat(pool.toString()).contains("4 cluster");
    }

    @Test
    void workersSpreadOverTheMembers_roundRobin() {
        List<Long> pids = pool(4).broadcast(() -> ProcessHandle.current().pid());
        assertThat(pids.get(0)).isEqualTo(pids.get(2)).isNotEqualTo(pids.get(1));
        assertThat(pids.get(1)).isEqualTo(pids.get(3));
    }

    @Test
    void defaultSize_isTheMembersProcessorCounts() {
        WorkerPool pool = track(builder().build());
        int perMember = pool.apply(() -> Runtime.getRuntime().availableProcessors());
        assertThat(pool.size()).isEqualTo(2 * perMember);
    }

    @Test
    void workersAndWorkersPerMember_together_areRefused() {
        assertThatThrownBy(() -> WorkerPool.builder().cluster(HazelcastBackend.of(client).workersPerMember(1))
                .workers(3).build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not both");
    }

    @Test
    void backendOptions_areCheckedAndSetOnce() {
        assertThatThrownBy(() -> HazelcastBackend.of(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HazelcastBackend.of(client).workersPerMember(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1, got 0");
        assertThatThrownBy(() -> HazelcastBackend.of(client).workersPerMember(2).workersPerMember(3))
                .isInstanceOf(IllegalStateException.class).hasMessage("workersPerMember was already set to 2");
    }

    @Test
    void context_onAMember_saysItsSlot() {
        assertThat(pool(3).broadcast(() -> WorkerContext.current().workerId() + "/"
                + WorkerContext.current().workerCount())).containsExactly("0/3", "1/3", "2/3");
    }
}
