package dev.ensemble.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ensemble.Ensemble;
import dev.ensemble.EnsembleContract;
import dev.ensemble.InstanceJob;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The instance-pool contract with instances in worker JVMs that two members on 127.0.0.1 start
 * ({@code memberWorkers(processes())}). A dead worker is a worker JVM that halts; its member stays and starts
 * the replacement, so two members are enough for every death test.
 */
class EnsembleClusterProcessesTest extends EnsembleContract {
    @RegisterExtension
    static final ClassCluster CLUSTER = new ClassCluster(2, 0);

    @Override
    protected <S> Ensemble<S> build(Ensemble.Builder<S> builder) {
        return builder.cluster(HazelcastBackend.of(CLUSTER.client()).memberWorkers(MemberWorkers.processes())).build();
    }

    @Override
    protected Optional<InstanceJob<Object, Object>> workerKiller() {
        return Optional.of(m -> {
            Runtime.getRuntime().halt(1); // the worker JVM dies with the instance; its member does not
            return null;
        });
    }

    @Test
    void instancesLiveInWorkerJvmsOfTheMembers() {
        try (Ensemble<Model> models = ensemble(Model::new)) {
            List<Long> parents = models.broadcast(m -> ProcessHandle.current().parent().orElseThrow().pid());
            Set<Long> members = CLUSTER.cluster().members().stream().map(Process::pid).collect(Collectors.toSet());
            assertThat(new HashSet<>(parents)).isEqualTo(members);
            assertThat(new HashSet<>(models.broadcast(m -> ProcessHandle.current().pid()))).hasSize(3)
                    .doesNotContainAnyElementsOf(members);
            assertThat(models.broadcast(Model::worker)).containsExactly(0, 1, 2);
        }
    }
}
