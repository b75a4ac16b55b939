/**
 * Ensemble's dashboard: a local web page of every live pool in this JVM, updated live.
 */
module dev.ensemble.dashboard {
    requires dev.ensemble;
    requires jdk.httpserver;

    exports dev.ensemble.dashboard;
}
