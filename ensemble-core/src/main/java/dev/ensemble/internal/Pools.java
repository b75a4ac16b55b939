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
        // Not a switch: one on another class's enum costs a thread pool's first result a class of its own (the
        // switch map) and the errors its initializer catches.
        Backend backend = config.kind() == PoolConfig.Kind.PROCESSES ? new ProcessBackend(config)
                : new ThreadBackend(config);
        return new PoolImpl(config, backend);
    }
}
