/**
 * Ensemble's cluster backend: a pool's workers run on the members of a Hazelcast cluster.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) // Hazelcast and Fory ship no module-info
module dev.ensemble.hazelcast {
    requires transitive dev.ensemble;
    requires transitive com.hazelcast.core;
    requires org.apache.fory.core;
    requires java.logging;

    exports dev.ensemble.hazelcast;

    // Hazelcast builds our messages, and Fory our payload records, by reflection.
    opens dev.ensemble.hazelcast.internal to com.hazelcast.core, org.apache.fory.core;
}
