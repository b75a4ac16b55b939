package dev.ensemble.internal.cluster;

import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The Ensemble side of one member: the pools whose workers it hosts, by pool id. The cluster module keeps one per
 * member (behind {@link dev.ensemble.spi.cluster.MemberHost}) and hands it every request that reached the member,
 * so members need no configuration for Ensemble, only its jars on the class path.
 *
 * <p>A pool whose owner (the member or client that built it) leaves the cluster is closed here as if the owner
 * had terminated it, so that a caller that dies leaves no workers on the members.
 */
public final class MemberRuntime {
    private final String memberName;
    private final PayloadCodec codec = PayloadCodec.get();
    private final ConcurrentMap<String, MemberPool> pools = new ConcurrentHashMap<>();

    /**
     * Makes the runtime of one member, with no pools.
     *
     * @param memberName the member's name, for messages
     */
    public MemberRuntime(String memberName) {
        this.memberName = memberName;
    }

    /**
     * Closes the pools that {@code owner} built, interrupting their tasks.
     *
     * @param owner the endpoint that left the cluster
     */
    public void ownerLeft(UUID owner) {
        pools.values().removeIf(pool -> {
            if (owner.equals(pool.owner())) {
                pool.close(true);
                return true;
            }
            return false;
        });
    }

    /**
     * Handles one request; never throws (a failure is an error reply).
     *
     * @param request the request's bytes
     * @return the reply's bytes
     */
    public byte[] handle(byte[] request) {
        Reply reply;
        try {
            reply = handle(Request.decode(request));
        } catch (RuntimeException | Error e) {
            reply = Reply.error(codec, e);
        }
        return reply.encode();
    }

    Reply handle(Request call) {
        try {
            return switch (call.op) {
                case Request.PROBE -> Reply.ok(Runtime.getRuntime().availableProcessors());
                case Request.OPEN_POOL -> open(call);
                case Request.CLOSE_POOL -> {
                    MemberPool pool = pools.remove(call.pool);
                    if (pool != null) {
                        pool.close((call.flags & Request.FLAG_TERMINATE) != 0);
                    }
                    yield Reply.ok(0);
                }
                default -> {
                    MemberPool pool = pools.get(call.pool);
                    if (pool == null) {
                        yield Reply.error(codec, new IllegalStateException("member " + memberName
                                + " hosts no pool " + call.pool + " (it was closed here, or its owner left)"));
                    }
                    yield pool.handle(call);
                }
            };
        } catch (RuntimeException | Error e) {
            return Reply.error(codec, e);
        }
    }

    private Reply open(Request call) {
        PoolSetup setup;
        try {
            setup = (PoolSetup) codec.decode(call.payload);
        } catch (RuntimeException | LinkageError e) {
            return Reply.error(codec, new IllegalStateException("member " + memberName + " cannot rebuild the "
                    + "shared objects or hooks of pool " + call.pool + ": " + e
                    + "; every member needs the application's classes on its class path", e));
        }
        MemberPool pool = new MemberPool(call.pool, call.owner, setup, codec);
        MemberPool previous = pools.putIfAbsent(call.pool, pool);
        if (previous != null) {
            pool.close(true);
        }
        return Reply.ok(0);
    }
}
