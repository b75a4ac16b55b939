/**
 * What a cluster module implements so that pools can run their workers on its cluster's members, and what it calls
 * on each member. Core runs everything else: the pool's slots, pipelining, cancellation, replacement and moves on
 * the caller, and the workers (threads or worker JVMs) on the members.
 *
 * <p>A module provides a {@link dev.ensemble.spi.cluster.ClusterProvider} (in {@code module-info} with
 * {@code provides}, and in {@code META-INF/services} for the class path). A pool whose builder was given a
 * {@link dev.ensemble.ClusterBackend} asks the providers for the {@link dev.ensemble.spi.cluster.ClusterTransport}
 * that serves it; the transport carries opaque requests to members, where the module hands each to
 * {@link dev.ensemble.spi.cluster.MemberHost#handle} and carries the answer back. These types may change between
 * minor versions, together with the modules that use them.
 */
package dev.ensemble.spi.cluster;
