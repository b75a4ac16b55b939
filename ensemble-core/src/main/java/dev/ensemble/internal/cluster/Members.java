package dev.ensemble.internal.cluster;

import dev.ensemble.spi.cluster.ClusterMember;
import dev.ensemble.spi.cluster.ClusterTransport;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The members a cluster pool uses: one {@link MemberLink} each, settled when the member leaves (a membership
 * listener), the pool opened on a member before its first worker there and closed on all of them at the end, and
 * the choice of a member for a slot that moves. Thread-safe.
 */
final class Members {
    private static final long CLOSE_WAIT_SECONDS = 10;

    private final ClusterTransport transport;
    private final String poolName;
    private final String poolId;
    private final PayloadCodec codec;
    private final MemberRequests requests;
    private final Map<UUID, MemberLink> links = new ConcurrentHashMap<>();
    private byte[] setup;
    private AutoCloseable listener;

    Members(ClusterTransport transport, String poolName, String poolId, PayloadCodec codec, MemberRequests requests) {
        this.transport = transport;
        this.poolName = poolName;
        this.poolId = poolId;
        this.codec = codec;
        this.requests = requests;
    }

    /** The link to a member, made on first use. */
    MemberLink link(ClusterMember member) {
        return links.computeIfAbsent(member.id(), u -> new MemberLink(member));
    }

    /**
     * Keeps the pool's setup for {@link #openOn}, and settles each link when its member leaves from now on (or
     * left already).
     *
     * @param poolSetup the encoded {@link PoolSetup}
     */
    void start(byte[] poolSetup) {
        setup = poolSetup;
        listener = transport.onMemberLeft(id -> {
            MemberLink link = links.get(id);
            if (link != null) {
                link.gone.complete(null);
            }
        });
        for (MemberLink link : links.values()) {
            if (!transport.isMember(link.member)) {
                link.gone.complete(null); // left between planning and the listener
            }
        }
    }

    /** Whether this JVM is still connected to the cluster the pool runs on. */
    boolean instanceRunning() {
        try {
            return transport.running();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Sends the pool's setup to a member before its first worker there, once. */
    void openOn(MemberLink link) throws MemberGone {
        synchronized (link) {
            if (link.opened) {
                return;
            }
            Request call = new Request(Request.OPEN_POOL, poolId);
            call.owner = transport.localId();
            call.payload = setup;
            Reply reply = requests.await(link, requests.send(link, call), null);
            if (reply.status != Reply.OK) {
                Throwable cause = codec.decodeError(reply.error);
                throw new IllegalStateException("pool " + poolName + " cannot start on " + link + ": "
                        + cause.getMessage(), cause);
            }
            link.opened = true;
        }
    }

    /**
     * Chooses the eligible member with the fewest of this pool's workers for {@code slot}, and makes it the slot's
     * home (null if there is none).
     *
     * @param slot the slot that moves
     * @param slots all the pool's slots, whose homes are the members' load
     * @param tried the members not to choose
     * @return the new home, or null
     */
    synchronized MemberLink rehome(Slot slot, Slot[] slots, Set<UUID> tried) {
        Map<UUID, Integer> load = new HashMap<>();
        for (Slot s : slots) {
            MemberLink h = s.home;
            if (s != slot && h != null) {
                load.merge(h.member.id(), 1, Integer::sum);
            }
        }
        MemberLink to = null;
        int least = Integer.MAX_VALUE;
        for (ClusterMember m : transport.members(false)) {
            MemberLink candidate = link(m);
            int l = load.getOrDefault(m.id(), 0);
            if (!candidate.gone.isDone() && !candidate.frozen && !tried.contains(m.id()) && l < least) {
                to = candidate;
                least = l;
            }
        }
        slot.home = to;
        return to;
    }

    /** Tells every member that hosts the pool to forget it, and waits a while for their exit hooks. */
    void close() {
        closeOnMembers(false);
    }

    /** Tells every member that hosts the pool to forget it and to interrupt its tasks. */
    void terminate() {
        closeOnMembers(true);
    }

    private void closeOnMembers(boolean terminate) {
        if (!instanceRunning()) {
            listener = null;
            return; // nothing to tell anyone: the members forget a pool whose owner is gone
        }
        if (listener != null) {
            try {
                listener.close();
            } catch (Exception e) {
                return; // shut down meanwhile
            }
            listener = null;
        }
        Map<MemberLink, CompletableFuture<Reply>> closing = new LinkedHashMap<>();
        for (MemberLink link : links.values()) {
            synchronized (link) {
                if (!link.opened || link.gone.isDone()) {
                    continue;
                }
                link.opened = false;
            }
            Request call = new Request(Request.CLOSE_POOL, poolId);
            call.flags = terminate ? Request.FLAG_TERMINATE : 0;
            closing.put(link, requests.send(link, call));
        }
        // A member that does not answer has left, is leaving or is frozen; it forgets the pool when its owner is
        // gone. One that is only slow (exit hooks running) answers probes, and is waited for up to the limit.
        long started = System.nanoTime();
        long end = started + TimeUnit.SECONDS.toNanos(terminate ? 2 : CLOSE_WAIT_SECONDS);
        Map<MemberLink, MemberRequests.Probe> probes = new HashMap<>();
        while (!closing.isEmpty()) {
            long now = System.nanoTime();
            if (now - end > 0) {
                return;
            }
            closing.entrySet().removeIf(entry -> {
                if (entry.getValue().isDone() || entry.getKey().frozen) {
                    return true; // a frozen member is told, not waited for: it forgets the pool when it resumes
                }
                if (now - started < TimeUnit.MILLISECONDS.toNanos(MemberRequests.PROBE_AFTER_MILLIS)) {
                    return false;
                }
                MemberRequests.Probe probe = probes.get(entry.getKey());
                if (MemberRequests.Probe.due(probe, now)) {
                    probes.put(entry.getKey(), requests.probe(entry.getKey(), now));
                    return false;
                }
                return probe.overdue(now); // frozen: not worth waiting for
            });
            try {
                CompletableFuture.anyOf(closing.values().toArray(CompletableFuture[]::new))
                        .get(MemberRequests.CANCEL_CHECK_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // look again: answered, failed (gone) or still silent
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
