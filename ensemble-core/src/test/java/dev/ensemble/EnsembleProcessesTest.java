package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The ensemble contract with each instance in its own worker JVM. */
class EnsembleProcessesTest extends EnsembleContract {

    @Override
    protected <S> Ensemble<S> build(Ensemble.Builder<S> builder) {
        return builder.processes().build();
    }

    @Override
    protected Optional<InstanceJob<Object, Object>> workerKiller() {
        return Optional.of(instance -> {
            Runtime.getRuntime().halt(9);
            return null;
        });
    }

    @Test
    void processesShortcut_putsEachInstanceInItsOwnJvm() {
        try (Ensemble<Model> models = Ensemble.processes(2, Model::new)) {
            assertThat(new HashSet<>(models.broadcast(m -> ProcessHandle.current().pid()))).hasSize(2)
                    .doesNotContain(ProcessHandle.current().pid());
        }
    }
}
