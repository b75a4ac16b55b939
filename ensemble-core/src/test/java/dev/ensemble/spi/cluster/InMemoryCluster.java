package dev.ensemble.spi.cluster;

import dev.ensemble.ClusterBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A cluster module written against the SPI alone, as another cluster technology would be: members are
 * {@link MemberHost}s in this JVM, each request runs on a thread of its own (as Hazelcast's executor runs it on a
 * member), and a member can be made to leave. Its provider is registered in the test resources'
 * {@code META-INF/services}.
 */
public final class InMemoryCluster implements ClusterBackend, AutoCloseable {
    /** What a request to a member that left fails with. */
    static final class MemberLeft extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MemberLeft(ClusterMember member) {
            super(member + " left the cluster");
        }
    }

    /** One member: its identity, its host, and the requests it has not answered yet. */
    private static final class Member {
        final ClusterMember id;
        final MemberHost host;
        final Set<CompletableFuture<byte[]>> inFlight = ConcurrentHashMap.newKeySet();
        volatile boolean gone;

        Member(int index) {
            this.id = new ClusterMember(UUID.randomUUID(), "in-memory:" + index);
            this.host = MemberHost.create("in-memory-" + index);
        }
    }

    private final UUID client = UUID.randomUUID();
    private final List<Member> members = new ArrayList<>();
    private final List<Consumer<UUID>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger threads = new AtomicInteger();
    private final ExecutorService requests = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "in-memory-request-" + threads.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    /**
     * A cluster of {@code size} members.
     *
     * @param size how many members
     */
    public InMemoryCluster(int size) {
        for (int i = 0; i < size; i++) {
            members.add(new Member(i));
        }
    }

    /**
     * Member {@code index} leaves: its unanswered requests fail as departures, the pools it hosts stop (their tasks
     * interrupted, as a dying member's would end), and the pools' transports hear of it.
     *
     * @param index the member
     */
    public void leave(int index) {
        Member m = members.get(index);
        m.gone = true;
        for (CompletableFuture<byte[]> f : m.inFlight) {
            f.completeExceptionally(new MemberLeft(m.id));
        }
        m.host.ownerLeft(client);
        for (Consumer<UUID> l : listeners) {
            l.accept(m.id.id());
        }
    }

    @Override
    public String description() {
        return "in-memory cluster of " + members.size() + " members";
    }

    /** This JVM's endpoint leaves the cluster: the members close the pools it built, as a member does for a client. */
    @Override
    public void close() {
        for (Member m : members) {
            m.host.ownerLeft(client);
        }
        requests.shutdownNow();
    }

    /** The provider {@link java.util.ServiceLoader} finds. */
    public static final class Provider implements ClusterProvider {
        /** For {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public ClusterTransport open(ClusterBackend backend) {
            return backend instanceof InMemoryCluster cluster ? cluster.new Transport() : null;
        }
    }

    private Member member(ClusterMember id) {
        for (Member m : members) {
            if (m.id.equals(id)) {
                return m;
            }
        }
        throw new IllegalArgumentException("no member " + id);
    }

    private final class Transport implements ClusterTransport {
        @Override
        public String description() {
            return InMemoryCluster.this.description();
        }

        @Override
        public UUID localId() {
            return client;
        }

        @Override
        public List<ClusterMember> members(boolean strict) {
            return members.stream().filter(m -> !m.gone).map(m -> m.id).toList();
        }

        @Override
        public boolean isMember(ClusterMember member) {
            return !member(member).gone;
        }

        @Override
        public boolean running() {
            return !requests.isShutdown();
        }

        @Override
        public CompletableFuture<byte[]> send(ClusterMember to, byte[] request) {
            Member m = member(to);
            if (m.gone) {
                return CompletableFuture.failedFuture(new MemberLeft(to));
            }
            CompletableFuture<byte[]> answer = new CompletableFuture<>();
            m.inFlight.add(answer);
            answer.whenComplete((bytes, error) -> m.inFlight.remove(answer));
            requests.execute(() -> answer.complete(m.host.handle(request)));
            return answer;
        }

        @Override
        public boolean isDeparture(Throwable failure) {
            return failure instanceof MemberLeft;
        }

        @Override
        public AutoCloseable onMemberLeft(Consumer<UUID> left) {
            listeners.add(left);
            return () -> listeners.remove(left);
        }

        @Override
        public MemberLayout layout() {
            return MemberLayout.DEFAULT;
        }
    }
}
