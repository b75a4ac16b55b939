/**
 * Ensemble: parallel map, instance pools and shared memory on threads, worker JVMs and cluster members.
 */
@SuppressWarnings("module") // the qualified exports name modules built after this one
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

    // The cluster backend lives in its own module and runs the same worker runtime on cluster members.
    exports dev.ensemble.internal to dev.ensemble.hazelcast;
    exports dev.ensemble.internal.backend to dev.ensemble.hazelcast;
    exports dev.ensemble.internal.schedule to dev.ensemble.hazelcast;
    exports dev.ensemble.internal.worker to dev.ensemble.hazelcast;
    exports dev.ensemble.internal.wire to dev.ensemble.hazelcast;
    // ... and can run them in worker processes of each member (the process backend, one slot at a time).
    exports dev.ensemble.internal.process to dev.ensemble.hazelcast;

    requires org.apache.fory.core;
    // Fory reaches the JDK's internals through sun.misc.Unsafe; on a module path, jdk.unsupported is resolved only
    // if a module requires it, and Fory 1.6's descriptor for JDK 25 does not.
    requires jdk.unsupported;

    // Fory rebuilds the library's own lambdas (jobs wrapped as tasks) and wire records in worker processes.
    opens dev.ensemble.internal to org.apache.fory.core;
    opens dev.ensemble.internal.backend to org.apache.fory.core;
    opens dev.ensemble.internal.wire to org.apache.fory.core;
    // A SharedArray travels as a Handle record (writeReplace on the views, readResolve on the handle).
    opens dev.ensemble.internal.shm to org.apache.fory.core;
}
