package dev.ensemble.hazelcast.internal;

import com.hazelcast.client.Client;
import com.hazelcast.client.ClientListener;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import dev.ensemble.spi.cluster.MemberHost;

/**
 * A member's {@link MemberHost}, kept in the member's user context ({@link HazelcastInstance#getUserContext()}) so
 * that members need no configuration for Ensemble, only its jars on the class path. Made by the first request
 * that reaches the member; from then on, a member or client that leaves closes the pools it owned here.
 */
final class HazelcastHost {
    private static final String KEY = "dev.ensemble.hazelcast.MemberHost";

    private HazelcastHost() {
    }

    static MemberHost of(HazelcastInstance member) {
        Object host = member.getUserContext().get(KEY);
        if (host == null) {
            synchronized (HazelcastHost.class) {
                host = member.getUserContext().get(KEY);
                if (host == null) {
                    MemberHost created = MemberHost.create(member.getName());
                    watchOwners(member, created);
                    member.getUserContext().put(KEY, created);
                    host = created;
                }
            }
        }
        return (MemberHost) host;
    }

    private static void watchOwners(HazelcastInstance member, MemberHost host) {
        member.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                host.ownerLeft(event.getMember().getUuid());
            }
        });
        member.getClientService().addClientListener(new ClientListener() {
            @Override
            public void clientConnected(Client client) {
            }

            @Override
            public void clientDisconnected(Client client) {
                host.ownerLeft(client.getUuid());
            }
        });
    }
}
