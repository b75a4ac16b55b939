package dev.ensemble.spi.cluster;

import dev.ensemble.internal.cluster.MemberRuntime;
import java.util.UUID;

/**
 * The Ensemble side of one cluster member: the pools whose workers it hosts. A cluster module makes one per member
 * (per instance of its cluster runtime in the JVM), hands it every request that a {@link ClusterTransport} carried
 * there, and tells it when an endpoint leaves, so that the pools that endpoint owned stop here.
 *
 * <p>Thread-safe: requests are handled on the threads that carry them, several at once; a request may wait there
 * for a chunk to run.
 */
public final class MemberHost {
    private final MemberRuntime runtime;

    private MemberHost(String memberName) {
        this.runtime = new MemberRuntime(memberName);
    }

    /**
     * Makes the host of one member.
     *
     * @param memberName the member's name, for messages
     * @return a host with no pools
     */
    public static MemberHost create(String memberName) {
        return new MemberHost(memberName);
    }

    /**
     * Handles one request and returns its answer. Requests about a pool's worker wait while its chunk runs; a
     * request this member cannot serve is answered with an error, never thrown.
     *
     * @param request what {@link ClusterTransport#send} carried
     * @return the answer to carry back
     */
    public byte[] handle(byte[] request) {
        return runtime.handle(request);
    }

    /**
     * An endpoint (member or client) left the cluster: the pools it owned are closed here, their tasks interrupted,
     * as if it had terminated them.
     *
     * @param endpoint the identity of what left
     */
    public void ownerLeft(UUID endpoint) {
        runtime.ownerLeft(endpoint);
    }
}
