package dev.ensemble.spi.cluster;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * How one pool reaches the members of a cluster: it lists them, carries a request to one of them and its answer
 * back, and says when one leaves. Requests and answers are opaque bytes, made and read by core on both ends; the
 * member hands each request to {@link MemberHost#handle} of its {@link MemberHost}.
 *
 * <p>Used by several threads of one pool at once: implementations are thread-safe.
 */
public interface ClusterTransport {

    /**
     * A short description of the cluster for messages, such as {@code "Hazelcast cluster of hz-1"}.
     *
     * @return the description
     */
    String description();

    /**
     * The identity of this JVM's endpoint in the cluster (a member or a client): members close a pool whose owner
     * leaves ({@link MemberHost#ownerLeft}).
     *
     * @return the identity
     */
    UUID localId();

    /**
     * The members that may host workers now, oldest first (clients and members that hold no data are not among
     * them).
     *
     * @param strict whether a member that the module's rules exclude (another network than allowed, say) fails
     *     the call, as when a pool is built, rather than being left out, as when a worker moves
     * @return the members
     * @throws IllegalStateException if {@code strict} and a member is excluded; the message says what to do
     */
    List<ClusterMember> members(boolean strict);

    /**
     * Whether a member is still in the cluster.
     *
     * @param member the member
     * @return true while it is a member
     */
    boolean isMember(ClusterMember member);

    /**
     * Whether this JVM's endpoint is still connected to the cluster.
     *
     * @return false once the module's instance was shut down
     */
    boolean running();

    /**
     * Sends a request to a member, where it is given to {@link MemberHost#handle}, and returns its answer.
     *
     * @param member the member
     * @param request the request's bytes
     * @return the answer's bytes; fails with what the transport saw if the request could not be carried (see
     *     {@link #isDeparture})
     */
    CompletableFuture<byte[]> send(ClusterMember member, byte[] request);

    /**
     * Whether a failed request failed because its member left or is leaving, rather than because of what it
     * carried.
     *
     * @param failure what the future of {@link #send} failed with
     * @return true for a departure
     */
    boolean isDeparture(Throwable failure);

    /**
     * Calls {@code left} with the identity of each member that leaves the cluster from now on, until the returned
     * handle is closed.
     *
     * @param left called on the module's thread; must not block
     * @return closes the subscription; never throws
     */
    AutoCloseable onMemberLeft(Consumer<UUID> left);

    /**
     * What runs on each member: how many workers, and whether they are threads of the member's JVM or worker JVMs
     * that the member starts.
     *
     * @return the layout
     */
    MemberLayout layout();
}
