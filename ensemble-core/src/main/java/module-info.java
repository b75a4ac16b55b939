/**
 * Ensemble: parallel map, instance pools and shared memory on threads, worker JVMs and cluster members.
 */
module dev.ensemble {
    exports dev.ensemble;

    requires org.apache.fory.core;

    // Fory rebuilds the library's own lambdas (jobs wrapped as tasks) and wire records in worker processes.
    opens dev.ensemble.internal to org.apache.fory.core;
    opens dev.ensemble.internal.wire to org.apache.fory.core;
    // A SharedArray travels as a Handle record (writeReplace on the views, readResolve on the handle).
    opens dev.ensemble.internal.shm to org.apache.fory.core;
}
