/**
 * Ensemble: parallel map, instance pools and shared memory on threads, worker JVMs and cluster members.
 */
@SuppressWarnings("module") // the dashboard module is built after this one
module dev.ensemble {
    requires java.management;
    requires me.tongfei.progressbar;

    exports dev.ensemble;
    exports dev.ensemble.internal.monitor to dev.ensemble.dashboard;
}
