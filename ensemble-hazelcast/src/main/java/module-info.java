/**
 * Ensemble's cluster backend: a pool's workers run on the members of a Hazelcast cluster.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) // Hazelcast ships no module-info
module dev.ensemble.hazelcast {
    requires transitive dev.ensemble;
    requires transitive com.hazelcast.core;
    requires java.logging;

    exports dev.ensemble.hazelcast;

    // Found by core when a pool is built with a HazelcastBackend.
    provides dev.ensemble.spi.cluster.ClusterProvider with dev.ensemble.hazelcast.internal.HazelcastProvider;

    // Hazelcast rebuilds our requests (MemberTask) on members by reflection.
    opens dev.ensemble.hazelcast.internal to com.hazelcast.core;
}
