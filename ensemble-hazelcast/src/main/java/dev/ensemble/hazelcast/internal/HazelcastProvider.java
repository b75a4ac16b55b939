package dev.ensemble.hazelcast.internal;

import dev.ensemble.ClusterBackend;
import dev.ensemble.hazelcast.HazelcastBackend;
import dev.ensemble.spi.cluster.ClusterProvider;
import dev.ensemble.spi.cluster.ClusterTransport;
import java.util.function.Function;

/**
 * The module's {@link ClusterProvider}, found by {@link java.util.ServiceLoader}: serves the {@link HazelcastBackend}
 * objects of this module's API.
 */
public final class HazelcastProvider implements ClusterProvider {
    /** Reads a backend's options, which are private to the API class; set as that class initializes. */
    private static volatile Function<HazelcastBackend, ClusterOptions> options;

    /** For {@link java.util.ServiceLoader}. */
    public HazelcastProvider() {
    }

    /**
     * Tells the provider how to read a backend's options: called once, by {@link HazelcastBackend} as it initializes,
     * so that the options stay out of the module's API.
     *
     * @param reader reads the options of a backend
     */
    public static void readOptionsWith(Function<HazelcastBackend, ClusterOptions> reader) {
        options = reader;
    }

    @Override
    public ClusterTransport open(ClusterBackend backend) {
        if (!(backend instanceof HazelcastBackend hazelcast)) {
            return null;
        }
        // An instance exists, so its class has initialized and set the reader.
        return new HazelcastTransport(options.apply(hazelcast));
    }
}
