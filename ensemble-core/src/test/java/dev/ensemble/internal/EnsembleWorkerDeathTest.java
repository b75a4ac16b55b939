package dev.ensemble.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ensemble.Ensemble;
import dev.ensemble.EnsembleBuilders;
import dev.ensemble.EnsembleContract;
import dev.ensemble.InstanceFactory;
import dev.ensemble.InstanceJob;
import dev.ensemble.TaskFailedException;
import dev.ensemble.WorkerContext;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ensemble contract, death tests included, on {@link DyingThreadsBackend}: threads whose tasks can kill them,
 * handled as a process backend handles a crashed worker. Until worker processes exist this is what runs the
 * contract's death tests; the process backend's subclass runs them again with real crashes.
 */
class EnsembleWorkerDeathTest extends EnsembleContract {

    @Override
    protected <S> Ensemble<S> build(Ensemble.Builder<S> builder) {
        return EnsembleImpl.start(EnsembleBuilders.config(builder), EnsembleBuilders.factory(builder),
                config -> new PoolImpl(config, new DyingThreadsBackend(config)));
    }

    @Override
    protected Optional<InstanceJob<Object, Object>> workerKiller() {
        return Optional.of(instance -> {
            throw new DyingThreadsBackend.SimulatedDeath();
        });
    }

    @Test
    void factoryFailingOnAReplacement_makesCallsThereSayWhy(@TempDir Path tmp) {
        String built = tmp.resolve("built-1").toString();
        InstanceFactory<Model> secondBuildOfWorker1Fails = () -> {
            if (WorkerContext.current().workerId() == 1 && !new File(built).createNewFile()) {
                throw new IOException("model file is gone");
            }
            return new Model();
        };
        try (Ensemble<Model> models = ensemble(secondBuildOfWorker1Fails)) {
            assertThatThrownBy(() -> models.on(1, workerKiller().orElseThrow()));
            assertThatThrownBy(() -> models.on(1, Model::token)).isInstanceOf(TaskFailedException.class)
                    .rootCause().hasMessage("model file is gone");
            assertThatThrownBy(() -> models.on(1, Model::token)).cause().hasMessageContaining("has no instance")
                    .hasMessageContaining("replacement");
            assertThat(models.on(0, Model::worker)).isZero();
        }
    }
}
