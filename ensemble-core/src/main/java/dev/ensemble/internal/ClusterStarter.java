package dev.ensemble.internal;

import dev.ensemble.internal.backend.Backend;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.ClusterBackend;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * How a cluster module plugs its workers into a pool, without core knowing the module: the module's public
 * {@link ClusterBackend} class registers a starter for itself when it is loaded, and {@link Pools} asks for it
 * when a pool of kind {@link PoolConfig.Kind#CLUSTER} is built.
 */
public interface ClusterStarter {

    /**
     * Settles the pool's size on the cluster (a pool whose {@code workers} was not set has
     * {@code config.workers() == 0}) and makes its backend; nothing runs until {@link Backend#start}.
     *
     * @param config the pool's options
     * @return the options with the size the backend will run, and the backend
     * @throws IllegalArgumentException if the options do not fit the cluster
     * @throws IllegalStateException if the cluster cannot run workers
     */
    Prepared prepare(PoolConfig config);

    /**
     * A prepared cluster pool.
     *
     * @param config the options, with the number of workers filled in
     * @param backend the backend to start
     */
    record Prepared(PoolConfig config, Backend backend) {
    }

    /**
     * Registers the starter of a cluster module's backend class.
     *
     * @param type the module's public {@link ClusterBackend} class
     * @param starter makes the starter of one backend object
     */
    static void register(Class<? extends ClusterBackend> type, Function<ClusterBackend, ClusterStarter> starter) {
        Registry.STARTERS.put(type, starter);
    }

    /**
     * The starter of a backend object.
     *
     * @param cluster what the user passed to {@code cluster(...)}
     * @return its starter
     * @throws IllegalArgumentException if no cluster module registered its class
     */
    static ClusterStarter of(ClusterBackend cluster) {
        Function<ClusterBackend, ClusterStarter> factory = Registry.STARTERS.get(cluster.getClass());
        if (factory == null) {
            throw new IllegalArgumentException("cluster " + cluster.description() + " (" + cluster.getClass().getName()
                    + ") is not a cluster backend of an Ensemble module; use one such as HazelcastBackend.of(hz) "
                    + "from ensemble-hazelcast");
        }
        return factory.apply(cluster);
    }

    /** The registered starters, by the class of the public backend object. */
    final class Registry {
        private static final Map<Class<?>, Function<ClusterBackend, ClusterStarter>> STARTERS =
                new ConcurrentHashMap<>();

        private Registry() {
        }
    }
}
