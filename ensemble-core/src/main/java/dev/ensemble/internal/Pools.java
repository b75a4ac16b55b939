package dev.ensemble.internal;

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
        Backend backend = switch (config.kind()) {
            case THREADS, VIRTUAL_THREADS -> new ThreadBackend(config);
            case PROCESSES -> new ProcessBackend(config);
            case CLUSTER -> throw new UnsupportedOperationException(
                    config.kind().builderName() + " workers are not available in this build");
        };
        return new PoolImpl(config, backend);
    }
}
