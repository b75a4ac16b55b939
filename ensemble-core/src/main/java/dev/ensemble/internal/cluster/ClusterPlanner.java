package dev.ensemble.internal.cluster;

import dev.ensemble.ClusterBackend;
import dev.ensemble.internal.backend.Backend;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.spi.cluster.ClusterMember;
import dev.ensemble.spi.cluster.ClusterProvider;
import dev.ensemble.spi.cluster.ClusterTransport;
import dev.ensemble.spi.cluster.MemberLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Plans a cluster pool: finds the cluster module that serves the user's {@link ClusterBackend} (a
 * {@link ClusterProvider}, through {@link ServiceLoader}), and decides which members host how many workers. Asks
 * every member for its processor count, which also proves that it can run Ensemble's requests (its class path has
 * our classes) before any worker starts.
 */
public final class ClusterPlanner {
    private static final long PROBE_SECONDS = 30;

    private ClusterPlanner() {
    }

    /**
     * A planned cluster pool.
     *
     * @param config the options, with the number of workers filled in
     * @param backend the backend to start
     */
    public record Prepared(PoolConfig config, Backend backend) {
    }

    /**
     * Settles the pool's size on the cluster (a pool whose {@code workers} was not set has
     * {@code config.workers() == 0}) and makes its backend; nothing runs until {@link Backend#start}.
     *
     * @param config the pool's options, of kind {@link PoolConfig.Kind#CLUSTER}
     * @return the options with the size the backend will run, and the backend
     * @throws IllegalArgumentException if the options do not fit the cluster, or no cluster module serves it
     * @throws IllegalStateException if the cluster cannot run workers
     */
    public static Prepared prepare(PoolConfig config) {
        ClusterTransport transport = open(config.cluster());
        MemberLayout layout = transport.layout();
        if (config.workers() > 0 && layout.perMember() > 0) {
            throw new IllegalArgumentException("set either workers(" + config.workers() + ") (the pool's total) or "
                    + layout.option() + " (on each member), not both");
        }
        List<ClusterMember> members = transport.members(true);
        if (members.isEmpty()) {
            throw new IllegalStateException("the " + transport.description() + " has no member to run workers on "
                    + "(lite members and clients host none); start a member first");
        }
        Map<ClusterMember, Integer> processors = probe(transport, members);
        members = new ArrayList<>(processors.keySet()); // without members that left meanwhile
        if (members.isEmpty()) {
            throw new IllegalStateException("every member of the " + transport.description() + " left while pool "
                    + config.name() + " was starting");
        }
        List<ClusterMember> homes = new ArrayList<>();
        if (layout.perMember() > 0) {
            for (int i = 0; i < layout.perMember(); i++) {
                homes.addAll(members);
            }
        } else if (config.workers() > 0) {
            for (int i = 0; i < config.workers(); i++) {
                homes.add(members.get(i % members.size()));
            }
        } else {
            int most = processors.values().stream().mapToInt(Integer::intValue).max().orElse(1);
            for (int i = 0; i < most; i++) {
                for (ClusterMember m : members) {
                    if (i < processors.get(m)) {
                        homes.add(m);
                    }
                }
            }
        }
        PoolConfig sized = config.withWorkers(homes.size());
        return new Prepared(sized, new ClusterWorkers(sized, transport, homes));
    }

    /**
     * The transport of the module that serves {@code cluster}. Providers are looked up with the class loader of the
     * backend's own class first (it sees its module whatever the thread's context loader is: a Spring Boot jar, a
     * plugin), then with the thread's.
     */
    private static ClusterTransport open(ClusterBackend cluster) {
        List<String> declined = new ArrayList<>();
        for (ClassLoader loader : new ClassLoader[] {cluster.getClass().getClassLoader(),
                Thread.currentThread().getContextClassLoader()}) {
            for (ClusterProvider provider : ServiceLoader.load(ClusterProvider.class, loader)) {
                ClusterTransport transport = provider.open(cluster);
                if (transport != null) {
                    return transport;
                }
                declined.add(provider.getClass().getName());
            }
        }
        throw new IllegalArgumentException("no cluster module serves cluster " + cluster.description() + " ("
                + cluster.getClass().getName() + "): " + (declined.isEmpty()
                ? "none was found. Put the module (such as ensemble-hazelcast) on the class path; a shaded jar must "
                + "keep its META-INF/services files (the Shade plugin's ServicesResourceTransformer)"
                : "the modules found (" + String.join(", ", List.copyOf(new java.util.LinkedHashSet<>(declined)))
                + ") do not know it. Pass a backend made by a cluster module, such as HazelcastBackend.of(hz) from "
                + "ensemble-hazelcast"));
    }

    private static Map<ClusterMember, Integer> probe(ClusterTransport transport, List<ClusterMember> members) {
        Map<ClusterMember, CompletableFuture<byte[]>> asked = new LinkedHashMap<>();
        byte[] probe = new Request(Request.PROBE, "").encode();
        for (ClusterMember m : members) {
            CompletableFuture<byte[]> answer;
            try {
                answer = transport.send(m, probe);
            } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
            asked.put(m, answer);
        }
        Map<ClusterMember, Integer> processors = new LinkedHashMap<>();
        for (Map.Entry<ClusterMember, CompletableFuture<byte[]>> e : asked.entrySet()) {
            try {
                Reply reply = Reply.decode(e.getValue().get(PROBE_SECONDS, TimeUnit.SECONDS));
                if (reply.status != Reply.OK) {
                    throw new ExecutionException(PayloadCodec.get().decodeError(reply.error));
                }
                processors.put(e.getKey(), (int) Math.max(1, reply.number));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while asking the cluster's members to host a pool", ie);
            } catch (ExecutionException | TimeoutException | RuntimeException failure) {
                Throwable cause = failure instanceof ExecutionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                if (transport.isDeparture(cause)) {
                    continue; // a member leaving (or killed and not yet removed) hosts nothing
                }
                throw new IllegalStateException(e.getKey() + " cannot run Ensemble workers: " + cause + ". Every "
                        + "member needs ensemble-core, the cluster module (such as ensemble-hazelcast), fory-core and "
                        + "the application's classes on its class path, of the same versions as the caller", cause);
            }
        }
        return processors;
    }
}
