package dev.ensemble.hazelcast.internal;

import dev.ensemble.ClusterBackend;
import dev.ensemble.spi.cluster.ClusterProvider;
import dev.ensemble.spi.cluster.ClusterTransport;

/**
 * The module's {@link ClusterProvider}, found by {@link java.util.ServiceLoader}: serves the
 * {@code HazelcastBackend} objects of this module's API, whose options it finds by {@link ClusterOptions#attachedTo}.
 */
public final class HazelcastProvider implements ClusterProvider {

    /** For {@link java.util.ServiceLoader}. */
    public HazelcastProvider() {
    }

    @Override
    public ClusterTransport open(ClusterBackend backend) {
        ClusterOptions options = ClusterOptions.attachedTo(backend);
        return options == null ? null : new HazelcastTransport(options);
    }
}
