/**
 * Ensemble: parallel map, instance pools and shared memory on threads, worker JVMs and cluster members.
 */
@SuppressWarnings("module") // the qualified exports name modules built after this one
module dev.ensemble {
    exports dev.ensemble;

    // The cluster backend lives in its own module and runs the same worker runtime on cluster members.
    exports dev.ensemble.internal to dev.ensemble.hazelcast;
    exports dev.ensemble.internal.schedule to dev.ensemble.hazelcast;
    exports dev.ensemble.internal.worker to dev.ensemble.hazelcast;
}
