package dev.ensemble.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ensemble.Ensemble;
import dev.ensemble.EnsembleContract;
import dev.ensemble.InstanceJob;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The instance-pool contract on cluster members: instances live on member JVMs on 127.0.0.1, reached through
 * a client. The death tests kill the member of the instance (its JVM halts), so the class starts two spare
 * members beyond what {@code workers(3)} needs: three members host the instances, and each of the three death
 * tests costs one.
 */
class EnsembleClusterTest extends EnsembleContract {
    @RegisterExtension
    static final ClassCluster CLUSTER = new ClassCluster(5, 0);

    @Override
    protected <S> Ensemble<S> build(Ensemble.Builder<S> builder) {
        return builder.cluster(HazelcastBackend.of(CLUSTER.client())).build();
    }

    /** Its worker killer ends a member, and with it the workers of every ensemble on that member. */
    @Override
    protected boolean sharesAnEnsemble() {
        return false;
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
