package dev.ensemble.spi.cluster;

import dev.ensemble.ClusterBackend;

/**
 * A cluster module's entry point, found through {@link java.util.ServiceLoader}: it recognizes the
 * {@link ClusterBackend} objects its public API makes and opens a transport for each pool built with one.
 *
 * <p>Implementations need a public no-argument constructor (class path) or a {@code provider()} method (module
 * path), are stateless and thread-safe.
 */
public interface ClusterProvider {

    /**
     * Opens the transport of one pool on the cluster that {@code backend} names, or declines a backend of another
     * module. Nothing is sent to members yet.
     *
     * @param backend what the user passed to {@code cluster(...)}
     * @return the transport, or null if this provider does not serve this backend's class
     * @throws IllegalStateException if the backend is this module's but its cluster cannot host workers (not
     *     running, for example)
     */
    ClusterTransport open(ClusterBackend backend);
}
