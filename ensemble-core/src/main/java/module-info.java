/**
 * Ensemble: parallel map, instance pools and shared memory on threads, worker JVMs and cluster members.
 */
module dev.ensemble {
    requires java.management;
    // Flight Recorder events (dev.ensemble.*), emitted only while a recording runs.
    requires jdk.jfr;
    requires me.tongfei.progressbar;

    exports dev.ensemble;
    // What modules that extend Ensemble build on (the dashboard reads the live pools here).
    exports dev.ensemble.spi;
    // How the application's classes travel (Serializers), found in every JVM of the application.
    uses dev.ensemble.Serializers;

    // What a cluster module implements (a transport to its members) and calls on each member.
    exports dev.ensemble.spi.cluster;
    uses dev.ensemble.spi.cluster.ClusterProvider;

    requires org.apache.fory.core;
    // Fory reaches the JDK's internals through sun.misc.Unsafe; on a module path, jdk.unsupported is resolved only
    // if a module requires it, and Fory 1.6's descriptor for JDK 25 does not.
    requires jdk.unsupported;

    // Fory rebuilds the library's own lambdas (jobs wrapped as tasks) and wire records in worker processes.
    opens dev.ensemble.internal to org.apache.fory.core;
    opens dev.ensemble.internal.backend to org.apache.fory.core;
    opens dev.ensemble.internal.wire to org.apache.fory.core;
    // A cluster pool's setup (shared objects, hooks) travels to members as a record.
    opens dev.ensemble.internal.cluster to org.apache.fory.core;
    // A SharedArray travels as a Handle record (writeReplace on the views, readResolve on the handle).
    opens dev.ensemble.internal.shm to org.apache.fory.core;
}
