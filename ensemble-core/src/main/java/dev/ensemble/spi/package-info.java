/**
 * What modules that extend Ensemble build on, as opposed to what applications call ({@code dev.ensemble}): today
 * the read-only views of the live pools that a monitoring module shows ({@link dev.ensemble.spi.LivePools}).
 * These types may change between minor versions, together with the modules that use them.
 */
package dev.ensemble.spi;
