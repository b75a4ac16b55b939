package dev.ensemble.hazelcast.internal;

import com.hazelcast.client.Client;
import com.hazelcast.client.ClientListener;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The Ensemble side of one member: the pools whose workers it hosts, by pool id. Kept in the member's user
 * context ({@link HazelcastInstance#getUserContext()}), so members need no configuration for Ensemble, only its
 * jars on the class path.
 *
 * <p>A pool whose owner (the member or client that built it) leaves the cluster is closed here as if the owner
 * had terminated it, so that a caller that dies leaves no worker threads on the members.
 */
final class MemberRuntime {
    private static final String KEY = "dev.ensemble.hazelcast.MemberRuntime";

    private final HazelcastInstance member;
    private final PayloadCodec codec = PayloadCodec.get();
    private final ConcurrentMap<String, MemberPool> pools = new ConcurrentHashMap<>();

    private MemberRuntime(HazelcastInstance member) {
        this.member = member;
    }

    static MemberRuntime of(HazelcastInstance member) {
        Object runtime = member.getUserContext().get(KEY);
        if (runtime == null) {
            synchronized (MemberRuntime.class) {
                runtime = member.getUserContext().get(KEY);
                if (runtime == null) {
                    MemberRuntime created = new MemberRuntime(member);
                    created.watchOwners();
                    member.getUserContext().put(KEY, created);
                    runtime = created;
                }
            }
        }
        return (MemberRuntime) runtime;
    }

    private void watchOwners() {
        member.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                ownerLeft(event.getMember().getUuid());
            }
        });
        member.getClientService().addClientListener(new ClientListener() {
            @Override
            public void clientConnected(Client client) {
            }

            @Override
            public void clientDisconnected(Client client) {
                ownerLeft(client.getUuid());
            }
        });
    }

    private void ownerLeft(UUID owner) {
        pools.values().removeIf(pool -> {
            if (owner.equals(pool.owner())) {
                pool.close(true);
                return true;
            }
            return false;
        });
    }

    Reply handle(MemberCall call) {
        try {
            return switch (call.op) {
                case MemberCall.PROBE -> Reply.ok(Runtime.getRuntime().availableProcessors());
                case MemberCall.OPEN_POOL -> open(call);
                case MemberCall.CLOSE_POOL -> {
                    MemberPool pool = pools.remove(call.pool);
                    if (pool != null) {
                        pool.close((call.flags & MemberCall.FLAG_TERMINATE) != 0);
                    }
                    yield Reply.ok(0);
                }
                default -> {
                    MemberPool pool = pools.get(call.pool);
                    if (pool == null) {
                        yield Reply.error(codec, new IllegalStateException("member " + member.getName()
                                + " hosts no pool " + call.pool + " (it was closed here, or its owner left)"));
                    }
                    yield pool.handle(call);
                }
            };
        } catch (RuntimeException | Error e) {
            return Reply.error(codec, e);
        }
    }

    private Reply open(MemberCall call) {
        PoolSetup setup;
        try {
            setup = (PoolSetup) codec.decode(call.payload);
        } catch (RuntimeException | LinkageError e) {
            return Reply.error(codec, new IllegalStateException("member " + member.getName() + " cannot rebuild the "
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
