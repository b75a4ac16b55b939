package dev.ensemble.internal;

import dev.ensemble.Ensemble;
import dev.ensemble.EnsembleBuilders;
import dev.ensemble.EnsembleContract;
import dev.ensemble.InstanceJob;
import java.util.Optional;

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
}
