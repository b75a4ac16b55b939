package dev.ensemble.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import dev.ensemble.hazelcast.internal.LoopbackCluster;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A cluster of member JVMs on 127.0.0.1 for one test class, reached through a Hazelcast client of the test JVM:
 * started (and seen whole by the client) before the class's first test, closed after its last. Register it as
 * {@code @RegisterExtension static final ClassCluster CLUSTER = new ClassCluster(members, reserve)}.
 */
final class ClassCluster implements BeforeAllCallback, AfterAllCallback {
    private static final Duration FORMING = Duration.ofSeconds(20);

    private final int members;
    private final int reserve;
    private LoopbackCluster cluster;
    private HazelcastInstance client;

    /**
     * @param members member JVMs started for the class
     * @param reserve ports kept free for members a test adds ({@link LoopbackCluster#addMember})
     */
    ClassCluster(int members, int reserve) {
        this.members = members;
        this.reserve = reserve;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        cluster = LoopbackCluster.start(members, reserve);
        client = cluster.client();
        LoopbackCluster.awaitMembers(client, members, FORMING);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** @return the cluster, to add or inspect member JVMs */
    LoopbackCluster cluster() {
        return cluster;
    }

    /** @return the client the tests build their pools on */
    HazelcastInstance client() {
        return client;
    }
}
