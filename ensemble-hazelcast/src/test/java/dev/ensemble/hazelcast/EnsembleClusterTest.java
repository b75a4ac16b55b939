package dev.ensemble.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import dev.ensemble.Ensemble;
import dev.ensemble.EnsembleContract;
import dev.ensemble.InstanceJob;
import dev.ensemble.hazelcast.internal.LoopbackCluster;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The instance-pool contract on cluster members: instances live on member JVMs on 127.0.0.1, reached through
 * a client. The death tests kill the member of the instance (its JVM halts), so the class starts two spare
 * members beyond what {@code workers(3)} needs: three members host the instances, and each of the three death
 * tests costs one.
 */
class EnsembleClusterTest extends EnsembleContract {
    static LoopbackCluster cluster;
    static HazelcastInstance client;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LoopbackCluster.start(5, 0);
        client = cluster.client();
        LoopbackCluster.awaitMembers(client, 5, PATIENCE);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    protected <S> Ensemble<S> build(Ensemble.Builder<S> builder) {
        return builder.cluster(HazelcastBackend.of(client)).build();
    }

    @Override
    protected Optional<InstanceJob<Object, Object>> workerKiller() {
        return Optional.of(m -> {
            Runtime.getRuntime().halt(1); // the member JVM dies with the instance, as a crash would
            return null;
        });
    }

    @Test
    void instancesLiveOnTheMembers_notInTheCaller() {
        try (Ensemble<Model> models = ensemble(Model::new)) {
            List<Long> pids = models.broadcast(m -> ProcessHandle.current().pid());
            assertThat(new HashSet<>(pids)).hasSizeGreaterThan(1).doesNotContain(ProcessHandle.current().pid());
            assertThat(models.broadcast(Model::worker)).containsExactly(0, 1, 2);
        }
    }
}
