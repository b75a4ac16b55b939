package dev.ensemble.hazelcast.internal;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.ExecutorConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import dev.ensemble.spi.cluster.ClusterMember;
import dev.ensemble.spi.cluster.ClusterTransport;
import dev.ensemble.spi.cluster.MemberLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * One pool's way to the members of a Hazelcast cluster: requests travel as {@link MemberTask}s through Hazelcast's
 * executor service (named {@value ClusterOptions#EXECUTOR}), each run on its member by that member's
 * {@link HazelcastHost}; departures come from a membership listener. Only data members on loopback (unless
 * allowed otherwise) host workers.
 */
final class HazelcastTransport implements ClusterTransport {
    private final ClusterOptions options;
    private final HazelcastInstance hz;
    private final IExecutorService executor;
    private final MemberLayout layout;
    /** Hazelcast's member object of each member listed, so that a send does not search the member list. */
    private final Map<UUID, Member> listed = new ConcurrentHashMap<>();

    HazelcastTransport(ClusterOptions options) {
        this.options = options;
        this.hz = options.hazelcast();
        if (!hz.getLifecycleService().isRunning()) {
            throw new IllegalStateException("Hazelcast instance " + hz.getName() + " was shut down; build the pool on "
                    + "a running member or client");
        }
        this.executor = executor(hz);
        this.layout = new MemberLayout(options.workersPerMember(), options.memberProcesses(), options.jvmArgs(),
                options.perMemberOption());
    }

    /** The executor service for requests, sized so that every worker's request can wait on a member at once. */
    private static IExecutorService executor(HazelcastInstance hz) {
        try {
            // Threads are made as needed; the size only bounds how many requests wait on one member at once.
            hz.getConfig().addExecutorConfig(new ExecutorConfig(ClusterOptions.EXECUTOR, 1024));
        } catch (RuntimeException alreadyConfiguredOtherwise) {
            // The application configured this executor itself; its pool size is then its choice.
        }
        return hz.getExecutorService(ClusterOptions.EXECUTOR);
    }

    @Override
    public String description() {
        return "Hazelcast cluster of " + hz.getName();
    }

    @Override
    public UUID localId() {
        return hz.getLocalEndpoint().getUuid();
    }

    @Override
    public List<ClusterMember> members(boolean strict) {
        List<ClusterMember> eligible = new ArrayList<>();
        Set<UUID> now = new HashSet<>();
        for (Member m : hz.getCluster().getMembers()) {
            now.add(m.getUuid());
            if (m.isLiteMember()) {
                continue;
            }
            if (!options.allowNonLoopback() && !isLoopback(m.getAddress())) {
                if (strict) {
                    throw notOnLoopback(m.getAddress());
                }
                continue;
            }
            listed.put(m.getUuid(), m);
            eligible.add(new ClusterMember(m.getUuid(), m.getAddress().toString()));
        }
        // Members that left are forgotten at the next listing: a pool that outlives many departures keeps none.
        listed.keySet().retainAll(now);
        return eligible;
    }

    @Override
    public boolean isMember(ClusterMember member) {
        return hazelcastMember(member) != null;
    }

    private Member hazelcastMember(ClusterMember member) {
        for (Member m : hz.getCluster().getMembers()) {
            if (m.getUuid().equals(member.id())) {
                return m;
            }
        }
        return null;
    }

    @Override
    public boolean running() {
        return hz.getLifecycleService().isRunning();
    }

    @Override
    public CompletableFuture<byte[]> send(ClusterMember member, byte[] request) {
        // A member that left since it was listed fails the submit itself, as a departure.
        Member target = listed.get(member.id());
        if (target == null) {
            return CompletableFuture.failedFuture(new TargetNotMemberException(member + " is not in the cluster"));
        }
        Future<byte[]> future = executor.submitToMember(new MemberTask(request), target);
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        if (future instanceof CompletionStage<?> stage) {
            // Hazelcast's future keeps its own state, so JDK combinators cannot watch it: copy it over.
            stage.whenComplete((value, error) -> {
                if (error != null) {
                    answer.completeExceptionally(error);
                } else {
                    answer.complete((byte[]) value);
                }
            });
            return answer;
        }
        Thread.ofVirtual().start(() -> {
            try {
                answer.complete(future.get());
            } catch (ExecutionException e) {
                answer.completeExceptionally(e.getCause());
            } catch (InterruptedException | RuntimeException e) {
                answer.completeExceptionally(e);
            }
        });
        return answer;
    }

    @Override
    public boolean isDeparture(Throwable failure) {
        return failure instanceof MemberLeftException || failure instanceof TargetNotMemberException
                || failure instanceof TargetDisconnectedException
                || failure instanceof HazelcastInstanceNotActiveException;
    }

    @Override
    public AutoCloseable onMemberLeft(Consumer<UUID> left) {
        UUID listener = hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                listed.remove(event.getMember().getUuid());
                left.accept(event.getMember().getUuid());
            }
        });
        return () -> {
            try {
                hz.getCluster().removeMembershipListener(listener);
            } catch (RuntimeException shutDownMeanwhile) {
                // nothing to remove from an instance that is gone
            }
        };
    }

    @Override
    public MemberLayout layout() {
        return layout;
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
}
