package dev.ensemble.hazelcast.internal;

import dev.ensemble.internal.schedule.WorkerStart;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import dev.ensemble.TaskFailedException;
import dev.ensemble.TaskTimeoutException;
import dev.ensemble.WorkerDiedException;
import dev.ensemble.internal.backend.Backend;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.schedule.Failures;
import dev.ensemble.internal.schedule.Inputs;
import dev.ensemble.internal.schedule.Loss;
import dev.ensemble.internal.schedule.Scheduler;
import dev.ensemble.internal.worker.ChunkResult;
import dev.ensemble.internal.worker.Lru;
import dev.ensemble.internal.worker.Threads;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The caller's side of a cluster pool: one loop per worker slot, each homed on a member, that takes chunks from
 * the {@link Scheduler}, sends each to its member through Hazelcast's executor service as a {@link MemberCall},
 * and reports the {@link Reply} back.
 *
 * <p><b>Pipelining.</b> Each slot keeps up to {@value #IN_FLIGHT} chunks in flight (the next one waits on the
 * member while the current one runs), numbered per worker incarnation; the member runs them in that order, so
 * when a member dies only the oldest unanswered chunk can have started: it is reported lost, the others are
 * {@link Scheduler#returned returned} without counting as a retry.
 *
 * <p><b>Death.</b> A slot waits for its reply and for its member's departure at once (a membership listener
 * settles a per-member future), so a member killed mid-chunk ends the wait as soon as the cluster notices; the
 * chunk is reported {@link Scheduler#lost lost} (retryable) with a {@link WorkerDiedException} whose exit status
 * is {@value #MEMBER_LEFT}, and the slot moves to the remaining member with the fewest of this pool's workers,
 * where its start hook runs again. With no member left, a slot fails each chunk it takes, so no call waits for
 * a member that may never come; a member that joins later becomes a home for slots that move.
 *
 * <p><b>Once per member.</b> The pool's setup (shared objects, hooks) is sent to a member before its first
 * worker starts there; a call's task goes with the first chunk of that call a member gets (see
 * {@link MemberPool}).
 *
 * <p><b>Cancellation.</b> While chunks are in flight, their slot checks every {@value #CANCEL_CHECK_MILLIS} ms
 * (and after each answer) whether their calls were cancelled, and if so tells the member, which stops a running
 * chunk between tasks and skips a queued one.
 */
final class HazelcastWorkers implements Backend {
    static final String MEMBER_LEFT = "member left the cluster";
    private static final long CANCEL_CHECK_MILLIS = 100;
    private static final long CLOSE_WAIT_SECONDS = 10;
    /**
     * How long a member may stay silent about a cancelled chunk (or a closing pool) before it is probed, and how
     * long it then has to answer the probe. A probe runs on a thread of its own on the member, so a member that is
     * only busy answers it at once; one that answers nothing is frozen (stopped, or in a long pause).
     */
    private static final long PROBE_AFTER_MILLIS = 1_000;
    private static final long PROBE_ANSWER_MILLIS = 2_000;
    private static final int TASKS_REMEMBERED = 32;
    /** Chunks a worker holds at once: one running, one waiting on the member, so the round trip is hidden. */
    static final int IN_FLIGHT = 2;

    private final PoolConfig config;
    private final ClusterOptions options;
    private final HazelcastInstance hz;
    private final IExecutorService executor;
    private final PayloadCodec codec = PayloadCodec.get();
    private final String poolId;
    private final Slot[] slots;
    private final Map<UUID, MemberLink> links = new ConcurrentHashMap<>();
    private final AtomicInteger idleSlots = new AtomicInteger();
    private final Map<Long, byte[]> encodedTasks = Collections.synchronizedMap(new Lru<>(TASKS_REMEMBERED));
    private byte[] setup;
    private UUID listener;
    private Scheduler scheduler;
    private volatile boolean stopping;

    /** A member as this pool sees it: whether it left, whether it hosts the pool, which tasks it has. */
    private static final class MemberLink {
        final Member member;
        final CompletableFuture<Void> gone = new CompletableFuture<>();
        final Set<Long> tasksSent = Collections.newSetFromMap(Collections.synchronizedMap(new Lru<>(TASKS_REMEMBERED)));
        boolean opened; // guarded by this
        /**
         * Set when a slot gave up on the member for answering nothing (not even a probe), cleared by its next
         * answer: meanwhile no slot moves there and close() does not wait for it.
         */
        volatile boolean frozen;

        MemberLink(Member member) {
            this.member = member;
        }

        @Override
        public String toString() {
            return "member " + member.getAddress();
        }
    }

    /** One worker slot: where it lives now and which incarnation of its worker runs there. */
    private static final class Slot {
        final int id;
        volatile MemberLink home;
        int generation;
        long nextSeq; // of the next chunk sent to the current incarnation of the worker
        long lastChunkWorkNanos = -1;
        /** When the slot last heard a reply: the oldest chunk in flight runs from then at the latest. */
        long lastReplyNanos;
        Thread thread;

        Slot(int id, MemberLink home) {
            this.id = id;
            this.home = home;
        }
    }

    /** A chunk sent to a member and not yet answered. */
    private static final class Flight {
        final Chunk chunk;
        final MemberLink home;
        final MemberCall call;
        final int generation;
        CompletableFuture<Reply> reply;
        boolean cancelSent;
        long cancelSentNanos;
        final long sentNanos = System.nanoTime();

        Flight(Chunk chunk, MemberLink home, MemberCall call, int generation, CompletableFuture<Reply> reply) {
            this.chunk = chunk;
            this.home = home;
            this.call = call;
            this.generation = generation;
            this.reply = reply;
        }
    }

    /** Logs through System.Logger, looked up when a message is logged (rare: failures only). */
    private static void log(System.Logger.Level level, String message, Throwable error) {
        System.getLogger(HazelcastWorkers.class.getName()).log(level, message, error);
    }

    /** Why a request got no reply from its member. */
    private static final class MemberGone extends Exception {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        MemberGone(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /** A liveness probe sent to a member at {@code sentNanos}. */
    private record Probe(CompletableFuture<Reply> reply, long sentNanos) {
        /**
         * Whether to send a (new) probe: none was sent, or the last one was answered (an error is an answer too:
         * the member is not frozen) and is a while old.
         */
        static boolean due(Probe last, long now) {
            return last == null
                    || last.reply.isDone() && now - last.sentNanos > TimeUnit.MILLISECONDS.toNanos(PROBE_AFTER_MILLIS);
        }

        /** @return whether the member has had its time to answer and did not */
        boolean overdue(long now) {
            return !reply.isDone() && now - sentNanos > TimeUnit.MILLISECONDS.toNanos(PROBE_ANSWER_MILLIS);
        }
    }

    /** Sends a liveness probe to a member (see {@link Probe}). */
    private Probe probe(MemberLink link, long now) {
        return new Probe(send(link, new MemberCall(MemberCall.PROBE, "")), now);
    }

    HazelcastWorkers(PoolConfig config, ClusterOptions options, IExecutorService executor, List<Member> homes) {
        this.config = config;
        this.options = options;
        this.hz = options.hazelcast();
        this.executor = executor;
        this.poolId = config.name() + "-" + UUID.randomUUID();
        this.slots = new Slot[homes.size()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(i, link(homes.get(i)));
        }
    }

    private MemberLink link(Member member) {
        return links.computeIfAbsent(member.getUuid(), u -> new MemberLink(member));
    }

    // ---- lifecycle ----

    @Override
    public void start(Scheduler scheduler) {
        this.scheduler = scheduler;
        Duration timeout = config.taskTimeout();
        // A hook the library composed goes in the form members rebuild cheaply (see ComposedHook.sent).
        setup = codec.encodeFunction(new PoolSetup(config.name(), slots.length, config.sharedObjects(),
                dev.ensemble.internal.backend.ComposedHook.toSend(config.onWorkerStart()), config.onWorkerExit(),
                timeout == null ? 0 : timeout.toNanos(),
                options.memberProcesses(), options.jvmArgs()),
                "the pool's shared objects or worker hooks");
        listener = hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                MemberLink link = links.get(event.getMember().getUuid());
                if (link != null) {
                    link.gone.complete(null);
                }
            }
        });
        for (MemberLink link : links.values()) {
            if (!hz.getCluster().getMembers().contains(link.member)) {
                link.gone.complete(null); // left between planning and the listener
            }
        }
        CountDownLatch ready = new CountDownLatch(slots.length);
        AtomicReference<RuntimeException> startFailure = new AtomicReference<>();
        for (Slot slot : slots) {
            slot.thread = Thread.ofPlatform().daemon().name(config.name() + "-cluster-" + slot.id)
                    .start(() -> serve(slot, ready, startFailure));
        }
        Backend.awaitStarted(this, config.name(), scheduler, ready, startFailure);
    }

    @Override
    public void awaitExit() {
        for (Slot slot : slots) {
            Threads.joinUninterruptibly(slot.thread, 0);
        }
        closeOnMembers(false);
    }

    @Override
    public void kill() {
        stopping = true;
        closeOnMembers(true);
        for (Slot slot : slots) {
            if (slot.thread != null) {
                slot.thread.interrupt();
            }
        }
        for (Slot slot : slots) {
            Threads.joinUninterruptibly(slot.thread, 1_000);
        }
    }

    @Override
    public void validate(Object function, String role) {
        codec.encodeFunction(function, role); // nothing is sent if a member could not rebuild it
    }

    @Override
    public boolean isWorkerThread() {
        return false; // tasks run on members, where the pool object does not exist
    }

    /** Tells every member that hosts the pool to forget it (and, on terminate, to interrupt its tasks). */
    private void closeOnMembers(boolean terminate) {
        if (!instanceRunning()) {
            listener = null;
            return; // nothing to tell anyone: the members forget a pool whose owner is gone
        }
        if (listener != null) {
            try {
                hz.getCluster().removeMembershipListener(listener);
            } catch (RuntimeException e) {
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
            MemberCall call = new MemberCall(MemberCall.CLOSE_POOL, poolId);
            call.flags = terminate ? MemberCall.FLAG_TERMINATE : 0;
            closing.put(link, send(link, call));
        }
        // A member that does not answer has left, is leaving or is frozen; it forgets the pool when its owner is
        // gone. One that is only slow (exit hooks running) answers probes, and is waited for up to the limit.
        long started = System.nanoTime();
        long end = started + TimeUnit.SECONDS.toNanos(terminate ? 2 : CLOSE_WAIT_SECONDS);
        Map<MemberLink, Probe> probes = new HashMap<>();
        while (!closing.isEmpty()) {
            long now = System.nanoTime();
            if (now - end > 0) {
                return;
            }
            closing.entrySet().removeIf(entry -> {
                if (entry.getValue().isDone() || entry.getKey().frozen) {
                    return true; // a frozen member is told, not waited for: it forgets the pool when it resumes
                }
                if (now - started < TimeUnit.MILLISECONDS.toNanos(PROBE_AFTER_MILLIS)) {
                    return false;
                }
                Probe probe = probes.get(entry.getKey());
                if (Probe.due(probe, now)) {
                    probes.put(entry.getKey(), probe(entry.getKey(), now));
                    return false;
                }
                return probe.overdue(now); // frozen: not worth waiting for
            });
            try {
                CompletableFuture.anyOf(closing.values().toArray(CompletableFuture[]::new))
                        .get(CANCEL_CHECK_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // look again: answered, failed (gone) or still silent
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ---- one slot ----

    private void serve(Slot slot, CountDownLatch ready, AtomicReference<RuntimeException> startFailure) {
        try {
            try {
                startWorker(slot, System.nanoTime(), false);
            } catch (MemberGone gone) {
                if (!move(slot, gone.getMessage())) {
                    throw new IllegalStateException("worker " + slot.id + " of pool " + config.name() + " failed to "
                            + "start: " + gone.getMessage() + ", and no other member can host it");
                }
            }
        } catch (RuntimeException e) {
            startFailure.compareAndSet(null, e);
            ready.countDown();
            return;
        }
        ready.countDown();
        ArrayDeque<Flight> flights = new ArrayDeque<>();
        try {
            serveChunks(slot, flights);
        } catch (RuntimeException | Error e) {
            // Whatever failed (the Hazelcast client or member shut down under the pool, a bug), the slot thread
            // must not just die: its chunks go back, and without a running instance the pool's calls end clearly.
            returnAll(slot, flights);
            if (!instanceRunning()) {
                scheduler.terminate(instanceGone(e));
            } else {
                log(System.Logger.Level.ERROR, "pool " + config.name() + ": worker slot "
                        + slot.id + " stopped after an unexpected failure", e);
                scheduler.terminate(new IllegalStateException("pool " + config.name() + " stopped: worker slot "
                        + slot.id + " failed unexpectedly (see the cause)", e));
            }
        }
    }

    /** Whether the Hazelcast instance this pool runs on is still running. */
    private boolean instanceRunning() {
        try {
            return hz.getLifecycleService().isRunning();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private IllegalStateException instanceGone(Throwable cause) {
        return new IllegalStateException("the Hazelcast instance that pool " + config.name() + " runs on shut down; "
                + "the pool's calls cannot finish. Close the pool before shutting Hazelcast down", cause);
    }

    private void serveChunks(Slot slot, ArrayDeque<Flight> flights) {
        long tasksSinceStart = 0;
        while (true) {
            if (flights.isEmpty()) {
                Chunk chunk;
                idleSlots.incrementAndGet();
                try {
                    chunk = scheduler.take(slot.id, room(tasksSinceStart, flights));
                } catch (InterruptedException e) {
                    if (stopping) {
                        return;
                    }
                    continue;
                } finally {
                    idleSlots.decrementAndGet();
                }
                if (chunk == null) {
                    break;
                }
                if (slot.home == null && !move(slot, "no member was left")) {
                    scheduler.lost(slot.id, chunk, null, died(slot, chunk, 0, "no member of the cluster is left "
                            + "that can host its worker", null), Loss.FINAL);
                    continue;
                }
                dispatch(slot, chunk, flights);
            }
            while (flights.size() < depth(slot) && room(tasksSinceStart, flights) > 0) {
                Chunk more = scheduler.poll(slot.id, room(tasksSinceStart, flights));
                if (more == null) {
                    break;
                }
                dispatch(slot, more, flights);
            }
            if (flights.isEmpty()) {
                continue;
            }
            Flight head = flights.peek();
            Reply reply;
            try {
                reply = await(head.home, head.reply, flights, frozenDeadline(slot, head));
                slot.lastReplyNanos = System.nanoTime();
                if (reply.status == Reply.NEED_TASK) {
                    head.call.task = encodedTask(head.chunk);
                    head.home.tasksSent.add(head.chunk.callId());
                    head.reply = send(head.home, head.call);
                    continue;
                }
            } catch (MemberGone gone) {
                if (stopping) {
                    return;
                }
                if (!instanceRunning()) {
                    throw instanceGone(gone);
                }
                // The member ran its chunks in order: only the oldest unanswered one can have started.
                flights.poll();
                scheduler.lost(slot.id, head.chunk, null, died(slot, head.chunk, 0, gone.getMessage(),
                        gone.getCause()), Loss.RETRYABLE);
                for (Flight rest : flights) {
                    scheduler.returned(slot.id, rest.chunk);
                }
                flights.clear();
                tasksSinceStart = 0;
                move(slot, gone.getMessage());
                continue;
            } catch (RuntimeException failed) {
                // The request failed on a member that is still there (out of memory decoding a large input, ...):
                // that chunk is lost (run again if retries allow), and the slot's worker starts afresh.
                if (!instanceRunning()) {
                    throw instanceGone(failed);
                }
                flights.poll();
                scheduler.lost(slot.id, head.chunk, null, failed(slot, head.chunk, failed), Loss.RETRYABLE);
                returnAll(slot, flights);
                tasksSinceStart = 0;
                restartWorker(slot, false);
                continue;
            }
            flights.poll();
            try {
                switch (reply.status) {
                    case Reply.DONE -> {
                        ChunkResult result = reply.result(codec);
                        slot.lastChunkWorkNanos = result.workNanos();
                        scheduler.completed(slot.id, head.chunk, result);
                        tasksSinceStart += result.processed();
                    }
                    case Reply.ABANDONED -> {
                        scheduler.lost(slot.id, head.chunk, reply.result(codec), timedOut(slot, head.chunk,
                                reply.processed), Loss.FINAL);
                        returnAll(slot, flights);
                        tasksSinceStart = 0;
                        restartWorker(slot, false);
                    }
                    case Reply.LOST -> {
                        // A worker JVM of the member died under the chunk (or was killed for a timeout); the
                        // member has started its replacement, which runs the chunks queued behind it.
                        ChunkResult partial = reply.processed > 0 ? reply.result(codec) : null;
                        scheduler.lost(slot.id, head.chunk, partial, (int) reply.number,
                                lostError(slot, head.chunk, reply),
                                (reply.flags & Reply.FLAG_RETRYABLE) != 0 ? Loss.RETRYABLE : Loss.FINAL);
                        scheduler.workerStarted(slot.id, 0, 0, WorkerStart.REPLACEMENT);
                        tasksSinceStart = 0;
                    }
                    case Reply.SKIPPED -> scheduler.returned(slot.id, head.chunk); // settled as cancelled there
                    case Reply.NO_WORKER -> {
                        scheduler.returned(slot.id, head.chunk);
                        if (head.generation == slot.generation) {
                            returnAll(slot, flights);
                            tasksSinceStart = 0;
                            restartWorker(slot, false);
                        }
                    }
                    default -> scheduler.lost(slot.id, head.chunk, null, failed(slot, head.chunk,
                            codec.decodeError(reply.error)), Loss.FINAL);
                }
            } catch (RuntimeException e) {
                scheduler.lost(slot.id, head.chunk, null, failed(slot, head.chunk, e), Loss.FINAL);
            }
            sendCancels(flights); // a failure just reported may have cancelled the call of a queued chunk
            if (flights.isEmpty() && config.maxTasksPerWorker() > 0 && tasksSinceStart >= config.maxTasksPerWorker()) {
                tasksSinceStart = 0;
                restartWorker(slot, true);
            }
        }
        if (slot.home != null) {
            try {
                scheduler.workerExited(slot.id, stopWorker(slot));
            } catch (MemberGone | RuntimeException e) {
                scheduler.workerExited(slot.id, 0);
            }
        }
    }

    /**
     * How many chunks the slot keeps in flight: one until its chunks have been timed, or while another slot is
     * idle (a second chunk held here would be taken from it); two for chunks under 20 ms, whose round trip
     * matters; one for longer ones.
     */
    private int depth(Slot slot) {
        if (slot.lastChunkWorkNanos < 0 || idleSlots.get() > 0) {
            return 1;
        }
        return slot.lastChunkWorkNanos < 20_000_000 ? IN_FLIGHT : 1;
    }

    /** How many more inputs the slot's worker may be given before it is recycled. */
    private int room(long tasksSinceStart, ArrayDeque<Flight> flights) {
        if (config.maxTasksPerWorker() <= 0) {
            return Integer.MAX_VALUE;
        }
        long inFlight = 0;
        for (Flight f : flights) {
            inFlight += f.chunk.size();
        }
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, config.maxTasksPerWorker() - tasksSinceStart - inFlight));
    }

    private void returnAll(Slot slot, ArrayDeque<Flight> flights) {
        for (Flight f : flights) {
            scheduler.returned(slot.id, f.chunk);
        }
        flights.clear();
    }

    /** Sends a chunk to the slot's member; a chunk that cannot even be encoded fails without being sent. */
    private void dispatch(Slot slot, Chunk chunk, ArrayDeque<Flight> flights) {
        MemberLink home = slot.home;
        MemberCall call;
        try {
            call = chunkCall(slot, home, chunk);
        } catch (RuntimeException e) {
            scheduler.lost(slot.id, chunk, null, failed(slot, chunk, e), Loss.FINAL);
            return;
        }
        call.number = slot.nextSeq++;
        flights.add(new Flight(chunk, home, call, slot.generation, send(home, call)));
    }

    /** Replaces a slot's worker on the same member (recycling, or after a timeout abandoned it). */
    private void restartWorker(Slot slot, boolean runExitHook) {
        try {
            if (runExitHook) {
                scheduler.workerExited(slot.id, stopWorker(slot));
            }
            startWorker(slot, System.nanoTime(), true);
        } catch (MemberGone gone) {
            move(slot, gone.getMessage());
        } catch (RuntimeException e) {
            log(System.Logger.Level.WARNING, "worker " + slot.id + " of pool "
                    + config.name() + " could not be replaced on " + slot.home + ": " + e.getMessage(), e);
            slot.home = null;
        }
    }

    /**
     * Moves a slot to the eligible member with the fewest of this pool's workers and starts its worker there.
     *
     * @return whether the slot has a home again
     */
    private boolean move(Slot slot, String why) {
        Set<UUID> tried = new java.util.HashSet<>();
        if (slot.home != null) {
            tried.add(slot.home.member.getUuid());
        }
        while (!stopping) {
            MemberLink to;
            synchronized (this) {
                Map<UUID, Integer> load = new HashMap<>();
                for (Slot s : slots) {
                    MemberLink h = s.home;
                    if (s != slot && h != null) {
                        load.merge(h.member.getUuid(), 1, Integer::sum);
                    }
                }
                to = null;
                int least = Integer.MAX_VALUE;
                for (Member m : HazelcastStarter.eligibleMembers(hz, options.allowNonLoopback(), false)) {
                    MemberLink candidate = link(m);
                    int l = load.getOrDefault(m.getUuid(), 0);
                    if (!candidate.gone.isDone() && !candidate.frozen && !tried.contains(m.getUuid()) && l < least) {
                        to = candidate;
                        least = l;
                    }
                }
                slot.home = to;
            }
            if (to == null) {
                return false;
            }
            tried.add(to.member.getUuid());
            try {
                startWorker(slot, System.nanoTime(), true);
                return true;
            } catch (MemberGone gone) {
                // try the next member
            } catch (RuntimeException e) {
                log(System.Logger.Level.WARNING, "worker " + slot.id + " of pool "
                        + config.name() + " could not move to " + to + " (" + why + "): " + e.getMessage(), e);
            }
        }
        return false;
    }

    private void startWorker(Slot slot, long asked, boolean replacement) throws MemberGone {
        MemberLink home = slot.home;
        openOn(home);
        MemberCall call = new MemberCall(MemberCall.START_WORKER, poolId);
        call.slot = slot.id;
        call.generation = ++slot.generation;
        slot.nextSeq = 0;
        Reply reply = await(home, send(home, call), null);
        if (reply.status != Reply.OK) {
            Throwable cause = codec.decodeError(reply.error);
            throw new IllegalStateException("worker " + slot.id + " of pool " + config.name() + " failed to start on "
                    + home + (options.memberProcesses() ? ": " + cause.getMessage() : ": onWorkerStart threw " + cause),
                    cause);
        }
        scheduler.workerStarted(slot.id, Math.max(0, System.nanoTime() - asked - reply.number), reply.number,
                replacement ? WorkerStart.REPLACEMENT : WorkerStart.FIRST);
    }

    private long stopWorker(Slot slot) throws MemberGone {
        MemberLink home = slot.home;
        MemberCall call = new MemberCall(MemberCall.STOP_WORKER, poolId);
        call.slot = slot.id;
        call.generation = slot.generation;
        return await(home, send(home, call), null).number;
    }

    /** Sends the pool's setup to a member before its first worker there, once. */
    private void openOn(MemberLink link) throws MemberGone {
        synchronized (link) {
            if (link.opened) {
                return;
            }
            MemberCall call = new MemberCall(MemberCall.OPEN_POOL, poolId);
            call.owner = hz.getLocalEndpoint().getUuid();
            call.payload = setup;
            Reply reply = await(link, send(link, call), null);
            if (reply.status != Reply.OK) {
                Throwable cause = codec.decodeError(reply.error);
                throw new IllegalStateException("pool " + config.name() + " cannot start on " + link + ": "
                        + cause.getMessage(), cause);
            }
            link.opened = true;
        }
    }

    private MemberCall chunkCall(Slot slot, MemberLink home, Chunk chunk) {
        MemberCall call = new MemberCall(MemberCall.RUN_CHUNK, poolId);
        call.slot = slot.id;
        call.generation = slot.generation;
        call.callId = chunk.callId();
        call.firstIndex = chunk.firstIndex();
        call.flags = (byte) ((chunk.keepGoing() ? MemberCall.FLAG_KEEP_GOING : 0)
                | (chunk.timeEachTask() ? MemberCall.FLAG_TIME_EACH_TASK : 0));
        encodeInputs(chunk, call);
        if (!home.tasksSent.contains(chunk.callId())) {
            call.task = encodedTask(chunk);
            home.tasksSent.add(chunk.callId());
        }
        return call;
    }

    private byte[] encodedTask(Chunk chunk) {
        byte[] bytes = encodedTasks.get(chunk.callId());
        if (bytes == null) {
            bytes = codec.encodeFunction(chunk.task(), "the task");
            encodedTasks.put(chunk.callId(), bytes);
        }
        return bytes;
    }

    /** Serializes a chunk's inputs; one that cannot be sent is replaced by the reason, so only its task fails. */
    private void encodeInputs(Chunk chunk, MemberCall call) {
        Object[] inputs = chunk.inputs().toArray();
        try {
            call.payload = codec.encode(inputs);
        } catch (RuntimeException | StackOverflowError whole) {
            for (int i = 0; i < inputs.length; i++) {
                try {
                    codec.encode(inputs[i]);
                } catch (RuntimeException | StackOverflowError e) {
                    inputs[i] = new Unsendable("the input at index " + (chunk.firstIndex() + i) + " cannot be sent "
                            + "to a cluster member: " + codec.culprit(inputs[i], e));
                }
            }
            call.payload = codec.encode(inputs);
            call.flags |= MemberCall.FLAG_UNSENDABLE_INPUTS;
        }
    }

    private CompletableFuture<Reply> send(MemberLink link, MemberCall call) {
        try {
            Future<Reply> future = executor.submitToMember(call, link.member);
            CompletableFuture<Reply> reply = new CompletableFuture<>();
            if (future instanceof CompletionStage<?> stage) {
                // Hazelcast's future keeps its own state, so JDK combinators cannot watch it: copy it over.
                stage.whenComplete((value, error) -> {
                    if (error != null) {
                        reply.completeExceptionally(error);
                    } else {
                        link.frozen = false; // it answers again: slots may move there
                        reply.complete((Reply) value);
                    }
                });
                return reply;
            }
            Thread.ofVirtual().start(() -> {
                try {
                    reply.complete(future.get());
                } catch (ExecutionException e) {
                    reply.completeExceptionally(e.getCause());
                } catch (InterruptedException | RuntimeException e) {
                    reply.completeExceptionally(e);
                }
            });
            return reply;
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Waits for a reply or for the member's departure, whichever comes first; meanwhile tells the member about
     * cancelled calls among {@code flights} (so that it stops them between tasks and skips those not started).
     */
    private Reply await(MemberLink link, CompletableFuture<Reply> reply, ArrayDeque<Flight> flights)
            throws MemberGone {
        return await(link, reply, flights, 0);
    }

    /**
     * As {@link #await(MemberLink, CompletableFuture, ArrayDeque)}, giving up on the member at {@code deadline}
     * ({@link System#nanoTime()}; 0 for none): a member that answers nothing by then is frozen (stopped, or in a
     * long pause), and its chunk is treated as lost with it.
     */
    private Reply await(MemberLink link, CompletableFuture<Reply> reply, ArrayDeque<Flight> flights, long deadline)
            throws MemberGone {
        CompletableFuture<Object> either = CompletableFuture.anyOf(reply, link.gone);
        long since = System.nanoTime();
        Probe probe = null;
        while (true) {
            try {
                either.get(CANCEL_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                break;
            } catch (TimeoutException e) {
                if (flights != null) {
                    sendCancels(flights);
                }
                long now = System.nanoTime();
                if (deadline != 0 && now - deadline > 0) {
                    link.frozen = true;
                    throw new MemberGone(link + " answered nothing for " + TimeUnit.NANOSECONDS.toMillis(now - since)
                            + " ms while running a chunk under a task timeout of " + config.taskTimeout()
                            + ": it is frozen (stopped, or in a long pause)", null);
                }
                // Nobody needs a cancelled chunk's answer: a member that keeps silent about it is probed, and one
                // that answers no probe either is given up (so that close() does not wait for a frozen member).
                Flight head = flights == null ? null : flights.peek();
                if (head != null && head.reply == reply && head.cancelSent
                        && now - head.cancelSentNanos > TimeUnit.MILLISECONDS.toNanos(PROBE_AFTER_MILLIS)) {
                    if (Probe.due(probe, now)) {
                        probe = probe(link, now);
                    } else if (probe.overdue(now)) {
                        link.frozen = true;
                        throw new MemberGone(link + " answered nothing, not even a probe, for "
                                + TimeUnit.NANOSECONDS.toMillis(now - head.cancelSentNanos) + " ms after its chunk's "
                                + "call was cancelled: it is frozen (stopped, or in a long pause)", null);
                    }
                }
            } catch (InterruptedException e) {
                if (stopping) {
                    throw new MemberGone("the pool was terminated", e);
                }
                Thread.currentThread().interrupt();
                throw new MemberGone("interrupted", e);
            } catch (ExecutionException e) {
                break;
            }
        }
        if (!reply.isDone()) {
            throw new MemberGone(link + " left the cluster", null);
        }
        try {
            return reply.join();
        } catch (RuntimeException e) {
            Throwable cause = e;
            while ((cause instanceof java.util.concurrent.CompletionException || cause instanceof ExecutionException)
                    && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (isDeparture(cause) || !hz.getLifecycleService().isRunning()
                    || !hz.getCluster().getMembers().contains(link.member)) {
                link.gone.complete(null);
                throw new MemberGone(link + " left the cluster (" + cause.getClass().getSimpleName() + ")", cause);
            }
            throw new IllegalStateException("the request to " + link + " failed: " + cause, cause);
        }
    }

    /**
     * When the slot stops waiting for its oldest chunk: under a task timeout, each of the chunk's tasks may take
     * the timeout, plus one more and 2 s for the round trip, counted from when it can have started (it was sent,
     * and the chunk before it answered). No deadline without a task timeout: silence then means nothing.
     */
    private long frozenDeadline(Slot slot, Flight head) {
        Duration timeout = config.taskTimeout();
        if (timeout == null) {
            return 0;
        }
        long start = slot.lastReplyNanos != 0 && slot.lastReplyNanos - head.sentNanos > 0 ? slot.lastReplyNanos
                : head.sentNanos;
        long allowed = (head.chunk.size() + 1L) * timeout.toNanos() + TimeUnit.SECONDS.toNanos(2);
        return start + allowed;
    }

    /**
     * Whether a request failed because its member is gone or going (rather than because of what it carried).
     *
     * @param failure what the request's future failed with
     * @return true for a departure
     */
    static boolean isDeparture(Throwable failure) {
        return failure instanceof MemberLeftException || failure instanceof TargetNotMemberException
                || failure instanceof TargetDisconnectedException
                || failure instanceof HazelcastInstanceNotActiveException;
    }

    private void sendCancels(ArrayDeque<Flight> flights) {
        for (Flight f : flights) {
            if (!f.cancelSent && f.chunk.isCancelled()) {
                long now = System.nanoTime();
                for (Flight g : flights) {
                    if (!g.cancelSent && g.chunk.callId() == f.chunk.callId()) {
                        g.cancelSent = true;
                        g.cancelSentNanos = now;
                    }
                }
                MemberCall cancel = new MemberCall(MemberCall.CANCEL_CALL, poolId);
                cancel.callId = f.chunk.callId();
                send(f.home, cancel);
            }
        }
    }

    // ---- errors ----

    private WorkerDiedException died(Slot slot, Chunk chunk, int offset, String why, Throwable cause) {
        return Failures.died(config.name(), slot.id, chunk, offset, "its worker was lost: " + why
                + (cause != null ? " (" + cause + ")" : ""), MEMBER_LEFT, List.of());
    }

    /** The error of a LOST reply: the member's own report (exit status, last lines), as the process backend made it. */
    private TaskFailedException lostError(Slot slot, Chunk chunk, Reply reply) {
        Throwable error = codec.decodeError(reply.error);
        if (error instanceof TaskFailedException reported) {
            return reported;
        }
        int offset = Math.clamp(reply.number, 0, chunk.size() - 1);
        return Failures.died(config.name(), slot.id, chunk, offset, "its worker JVM on " + slot.home + " died: "
                + error, "unknown", List.of());
    }

    private TaskTimeoutException timedOut(Slot slot, Chunk chunk, int offset) {
        return Failures.timedOut(config.name(), slot.id, chunk, offset, config.taskTimeout(),
                "it ignored its interrupt, and its thread on " + slot.home + " was abandoned and replaced");
    }

    private TaskFailedException failed(Slot slot, Chunk chunk, Throwable cause) {
        long index = chunk.firstIndex();
        String input = Inputs.render(chunk.inputs().get(0));
        return new TaskFailedException("chunk of pool " + config.name() + " starting at index " + index
                + " could not run on worker " + slot.id + " (" + slot.home + "): " + cause.getMessage(), slot.id,
                index, input, cause);
    }
}
