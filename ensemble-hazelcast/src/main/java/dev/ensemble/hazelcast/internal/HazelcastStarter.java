package dev.ensemble.hazelcast.internal;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.Member;
import com.hazelcast.config.ExecutorConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import dev.ensemble.internal.ClusterStarter;
import dev.ensemble.internal.backend.PoolConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Plans a cluster pool: which members host how many workers. Asks every member for its processor count, which
 * also proves that it can run Ensemble's requests (its class path has our classes) before any worker starts.
 */
public final class HazelcastStarter implements ClusterStarter {
    private static final long PROBE_SECONDS = 30;

    private final ClusterOptions options;

    /**
     * Creates the starter of a backend's options.
     *
     * @param options the options
     */
    public HazelcastStarter(ClusterOptions options) {
        this.options = options;
    }

    @Override
    public Prepared prepare(PoolConfig config) {
        if (config.workers() > 0 && options.workersPerMember() > 0) {
            throw new IllegalArgumentException("set either workers(" + config.workers() + ") (the pool's total) or "
                    + options.perMemberOption() + " (on each member), not both");
        }
        HazelcastInstance hz = options.hazelcast();
        List<Member> members = eligibleMembers(hz, options.allowNonLoopback(), true);
        if (members.isEmpty()) {
            throw new IllegalStateException("the Hazelcast cluster of " + hz.getName() + " has no data member to "
                    + "run workers on (lite members and clients host none); start a member first");
        }
        IExecutorService executor = executor(hz);
        Map<Member, Integer> processors = probe(executor, members);
        members = new ArrayList<>(processors.keySet()); // without members that left meanwhile
        if (members.isEmpty()) {
            throw new IllegalStateException("every member of the Hazelcast cluster of " + hz.getName() + " left "
                    + "while pool " + config.name() + " was starting");
        }
        List<Member> homes = new ArrayList<>();
        if (options.workersPerMember() > 0) {
            for (int i = 0; i < options.workersPerMember(); i++) {
                homes.addAll(members);
            }
        } else if (config.workers() > 0) {
            for (int i = 0; i < config.workers(); i++) {
                homes.add(members.get(i % members.size()));
            }
        } else {
            int most = processors.values().stream().mapToInt(Integer::intValue).max().orElse(1);
            for (int i = 0; i < most; i++) {
                for (Member m : members) {
                    if (i < processors.get(m)) {
                        homes.add(m);
                    }
                }
            }
        }
        PoolConfig sized = config.withWorkers(homes.size());
        return new Prepared(sized, new HazelcastWorkers(sized, options, executor, homes));
    }

    /**
     * The members that may host workers: data members, on loopback unless allowed otherwise.
     *
     * @param hz the caller's instance
     * @param allowNonLoopback whether other interfaces are allowed
     * @param strict whether a member on another interface fails (at build) or is skipped (when moving workers)
     * @return the members in the cluster's order, oldest first
     */
    static List<Member> eligibleMembers(HazelcastInstance hz, boolean allowNonLoopback, boolean strict) {
        List<Member> eligible = new ArrayList<>();
        for (Member m : hz.getCluster().getMembers()) {
            if (m.isLiteMember()) {
                continue;
            }
            if (!allowNonLoopback && !isLoopback(m.getAddress())) {
                if (strict) {
                    throw notOnLoopback(m.getAddress());
                }
                continue;
            }
            eligible.add(m);
        }
        return eligible;
    }

    static boolean isLoopback(Address address) {
        try {
            InetAddress inet = address.getInetAddress();
            return inet.isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    static IllegalStateException notOnLoopback(Address address) {
        return new IllegalStateException("member " + address + " of the Hazelcast cluster is not on a loopback "
                + "interface. A pool runs code on every member, so a cluster on a network must be secured by "
                + "Hazelcast's own means (TLS, member authentication, a private network); once it is, say so with "
                + "HazelcastBackend.of(hz).allowNonLoopback()");
    }

    /** The executor service for requests, sized so that every worker's request can wait on a member at once. */
    static IExecutorService executor(HazelcastInstance hz) {
        try {
            // Threads are made as needed; the size only bounds how many requests wait on one member at once.
            hz.getConfig().addExecutorConfig(new ExecutorConfig(ClusterOptions.EXECUTOR, 1024));
        } catch (RuntimeException alreadyConfiguredOtherwise) {
            // The application configured this executor itself; its pool size is then its choice.
        }
        return hz.getExecutorService(ClusterOptions.EXECUTOR);
    }

    private static Map<Member, Integer> probe(IExecutorService executor, List<Member> members) {
        Map<Member, Future<Reply>> asked = new LinkedHashMap<>();
        for (Member m : members) {
            asked.put(m, executor.submitToMember(new MemberCall(MemberCall.PROBE, ""), m));
        }
        Map<Member, Integer> processors = new LinkedHashMap<>();
        for (Map.Entry<Member, Future<Reply>> e : asked.entrySet()) {
            try {
                processors.put(e.getKey(), (int) Math.max(1, e.getValue().get(PROBE_SECONDS, TimeUnit.SECONDS).number));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while asking the cluster's members to host a pool", ie);
            } catch (ExecutionException | TimeoutException failure) {
                Throwable cause = failure instanceof ExecutionException ? failure.getCause() : failure;
                if (MemberRequests.isDeparture(cause)) {
                    continue; // a member leaving (or killed and not yet removed) hosts nothing
                }
                throw new IllegalStateException("member " + e.getKey().getAddress() + " cannot run Ensemble workers: "
                        + cause + ". Every member needs ensemble-core, ensemble-hazelcast, fory-core and the "
                        + "application's classes on its class path", cause);
            }
        }
        return processors;
    }
}
