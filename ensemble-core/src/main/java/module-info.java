/**
 * Ensemble: parallel map, instance pools and shared memory on threads, worker JVMs and cluster members.
 */
module dev.ensemble {
    exports dev.ensemble;
}
