/**
 * Micrometer metrics of Ensemble's pools: a {@code MeterBinder} per pool or instance pool.
 */
// Micrometer's jar is an automatic module; its types are in this module's API, so it is required transitively.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.ensemble.micrometer {
    requires transitive dev.ensemble;
    requires transitive micrometer.core;

    exports dev.ensemble.micrometer;
}
