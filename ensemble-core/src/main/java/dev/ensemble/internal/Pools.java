package dev.ensemble.internal;

import dev.ensemble.ClusterBackend;
import dev.ensemble.WorkerPool;
import dev.ensemble.internal.thread.ThreadBackend;

/** Makes the pool a configuration asks for. */
public final class Pools {
    private Pools() {
    }

    /**
     * Starts a pool.
     *
     * @param config its options
     * @return the running pool
     */
    public static WorkerPool start(PoolConfig config) {
        if (config.kind() == PoolConfig.Kind.CLUSTER) {
            ClusterStarter.Prepared prepared = ClusterStarter.of((ClusterBackend) config.extensions().get("cluster"))
                    .prepare(config);
            return new PoolImpl(prepared.config(), prepared.backend());
        }
        Backend backend = switch (config.kind()) {
            case THREADS, VIRTUAL_THREADS -> new ThreadBackend(config);
            case PROCESSES, CLUSTER -> throw new UnsupportedOperationException(
                    config.kind().builderName() + " workers are not available in this build");
        };
        return new PoolImpl(config, backend);
    }
}
