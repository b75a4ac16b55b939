package dev.ensemble.internal;

import dev.ensemble.internal.backend.Backend;
import dev.ensemble.internal.cluster.ClusterPlanner;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.WorkerPool;
import dev.ensemble.internal.process.ProcessBackend;
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
            ClusterPlanner.Prepared prepared = ClusterPlanner.prepare(config);
            return new PoolImpl(prepared.config(), prepared.backend());
        }
        Backend backend = switch (config.kind()) {
            case THREADS, VIRTUAL_THREADS -> new ThreadBackend(config);
            case PROCESSES -> new ProcessBackend(config);
            case CLUSTER -> throw new AssertionError("cluster pools are planned by ClusterPlanner, above");
        };
        return new PoolImpl(config, backend);
    }
}
