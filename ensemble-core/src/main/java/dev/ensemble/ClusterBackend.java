package dev.ensemble;

/**
 * A cluster whose members run a pool's workers, given to {@link WorkerPool.Builder#cluster(ClusterBackend)}.
 * Instances come from a cluster module, such as {@code HazelcastBackend.of(hazelcastInstance)} of
 * {@code ensemble-hazelcast}; the interface is not meant to be implemented by applications (a pool refuses an
 * implementation that no cluster module's {@link dev.ensemble.spi.cluster.ClusterProvider} serves).
 *
 * <p>Implementations are immutable and thread-safe; one may serve many pools, one after the other or at once.
 */
public interface ClusterBackend {

    /**
     * A short description for messages and {@code toString}, such as {@code "Hazelcast cluster of hz-1"}.
     *
     * @return the description, never null
     */
    String description();
}
