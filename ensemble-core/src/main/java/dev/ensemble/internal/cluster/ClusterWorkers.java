package dev.ensemble.internal.cluster;

import dev.ensemble.WorkerDiedException;
import dev.ensemble.internal.backend.Backend;
import dev.ensemble.internal.backend.IdleSlots;
import dev.ensemble.internal.backend.Lifespan;
import dev.ensemble.internal.backend.Pipelining;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.internal.backend.SlotDriver;
import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.schedule.Loss;
import dev.ensemble.internal.schedule.Scheduler;
import dev.ensemble.internal.schedule.WorkerStart;
import dev.ensemble.internal.worker.ChunkResult;
import dev.ensemble.internal.worker.Threads;
import dev.ensemble.spi.cluster.ClusterMember;
import dev.ensemble.spi.cluster.ClusterTransport;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The caller's side of a cluster pool: one loop per worker slot, each homed on a member, that takes chunks from
 * the {@link Scheduler}, sends each to its member through the cluster module's {@link ClusterTransport} as a
 * {@link Request}, and reports the {@link Reply} back.
 *
 * <p><b>Pipelining.</b> Each slot keeps up to {@value #IN_FLIGHT} chunks in flight (the next one waits on the
 * member while the current one runs), numbered per worker incarnation; the member runs them in that order, so
 * when a member dies only the oldest unanswered chunk can have started: it is reported lost, the others are
 * {@link Scheduler#returned returned} without counting as a retry.
 *
 * <p><b>Death.</b> A slot waits for its reply and for its member's departure at once (a membership listener
 * settles a per-member future), so a member killed mid-chunk ends the wait as soon as the cluster notices; the
 * chunk is reported {@link Scheduler#lost lost} (retryable) with a {@link WorkerDiedException} whose exit status
 * is {@value ClusterFailures#MEMBER_LEFT}, and the slot moves to the remaining member with the fewest of this
 * pool's workers, where its start hook runs again. With no member left, a slot fails each chunk it takes, so no
 * call waits for a member that may never come; a member that joins later becomes a home for slots that move.
 *
 * <p><b>Once per member.</b> The pool's setup (shared objects, hooks) is sent to a member before its first
 * worker starts there; a call's task goes with the first chunk of that call a member gets (see
 * {@link MemberPool}).
 *
 * <p><b>Cancellation.</b> A call that fails or is cancelled is announced at once to each member that holds a chunk
 * of it ({@link #callCancelled}), which stops its running chunk between tasks and skips the queued ones: a chunk
 * waiting on a member behind a running one must not start meanwhile. As a backstop, a slot with chunks in flight also
 * checks every {@link Pipelining#CANCEL_CHECK_NANOS} (and after each answer) whether their calls were cancelled.
 *
 * <p><b>Parts.</b> This class runs the slots (their loops, start, replacement and moves); {@link MemberRequests}
 * sends requests and waits for their replies, cancelling and probing meanwhile; {@link Members} keeps the links to
 * members, opens and closes the pool on them and chooses where a slot moves; {@link ChunkCalls} encodes chunks;
 * {@link ClusterFailures} words the errors.
 */
final class ClusterWorkers implements Backend {
    /** Chunks a worker holds at once: one running, one waiting on the member, so the round trip is hidden. */
    static final int IN_FLIGHT = 2;

    private final PoolConfig config;
    private final ClusterTransport transport;
    private final PayloadCodec codec = PayloadCodec.get();
    private final String poolId;
    private final Slot[] slots;
    private final MemberRequests requests;
    private final Members members;
    private final ChunkCalls chunkCalls;
    private final ClusterFailures failures;
    private final IdleSlots idleSlots = new IdleSlots();
    private Scheduler scheduler;
    private volatile boolean stopping;

    /** Logs through System.Logger, looked up when a message is logged (rare: failures only). */
    private static void log(System.Logger.Level level, String message, Throwable error) {
        System.getLogger(ClusterWorkers.class.getName()).log(level, message, error);
    }

    ClusterWorkers(PoolConfig config, ClusterTransport transport, List<ClusterMember> homes) {
        this.config = config;
        this.transport = transport;
        this.poolId = config.name() + "-" + UUID.randomUUID();
        this.requests = new MemberRequests(transport, poolId, config.taskTimeout(), () -> stopping);
        this.members = new Members(transport, config.name(), poolId, codec, requests);
        this.chunkCalls = new ChunkCalls(codec, poolId);
        this.failures = new ClusterFailures(config, codec, transport.description());
        this.slots = new Slot[homes.size()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(i, members.link(homes.get(i)));
        }
    }

    // ---- lifecycle ----

    @Override
    public void start(Scheduler scheduler) {
        this.scheduler = scheduler;
        byte[] setup = PoolSetup.encode(config, slots.length, transport.layout(), codec);
        members.start(setup);
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
        members.close();
    }

    @Override
    public void kill() {
        stopping = true;
        members.terminate();
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

    @Override
    public void callCancelled(long callId) {
        for (MemberLink home : homesHolding(callId)) {
            requests.cancel(home, callId); // a failed call with nothing in flight costs no message
        }
    }

    @Override
    public void stopRunning(long callId) {
        for (MemberLink home : homesHolding(callId)) {
            requests.stopRunning(home, callId);
        }
    }

    /** The members that hold chunks of a call, each once. */
    private Set<MemberLink> homesHolding(long callId) {
        Set<MemberLink> homes = new java.util.HashSet<>();
        for (Slot slot : slots) {
            MemberLink home = slot.home;
            if (home != null && slot.holds(callId)) {
                homes.add(home);
            }
        }
        return homes;
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
            SlotDriver.run(scheduler, slot.id, new SlotFeed(slot, flights), null, idleSlots);
        } catch (RuntimeException | Error e) {
            // Whatever failed (the cluster client or member shut down under the pool, a bug), the slot thread
            // must not just die: its chunks go back, and without a running instance the pool's calls end clearly.
            returnAll(slot, flights);
            if (!members.instanceRunning()) {
                scheduler.terminate(failures.instanceGone(e));
            } else {
                log(System.Logger.Level.ERROR, "pool " + config.name() + ": worker slot "
                        + slot.id + " stopped after an unexpected failure", e);
                scheduler.terminate(new IllegalStateException("pool " + config.name() + " stopped: worker slot "
                        + slot.id + " failed unexpectedly (see the cause)", e));
            }
        }
    }

    /**
     * A slot's worker on its member, as the {@link SlotDriver} feeds it: chunks go to the member as requests, and
     * this thread reads their replies, in order, while it waits for room or for an answer.
     */
    private final class SlotFeed implements SlotDriver.Worker {
        private final Slot slot;
        private final ArrayDeque<Flight> flights;
        private boolean ended; // the pool is stopping and the slot's member went away

        SlotFeed(Slot slot, ArrayDeque<Flight> flights) {
            this.slot = slot;
            this.flights = flights;
        }

        @Override
        public int awaitRoom() {
            while (!ended && !flights.isEmpty() && flights.size() >= depth(slot, flights)) {
                answerHead();
            }
            return ended ? -1 : flights.size();
        }

        @Override
        public int room() {
            return slot.lifespan.room();
        }

        @Override
        public void awaitAnswer() {
            if (!flights.isEmpty()) {
                answerHead();
            }
        }

        @Override
        public boolean give(Chunk chunk) {
            if (slot.home == null && !move(slot, "no member was left")) {
                scheduler.lost(slot.id, chunk, null, failures.died(slot, chunk, 0, "no member of the cluster is "
                        + "left that can host its worker", null), Loss.FINAL);
                return true;
            }
            return dispatch(slot, chunk, flights);
        }

        @Override
        public void recycle() {
            restartWorker(slot, true); // recycled once nothing it holds runs
        }

        @Override
        public void finish() {
            if (slot.home != null) {
                try {
                    scheduler.workerExited(slot.id, stopWorker(slot));
                } catch (MemberGone | RuntimeException e) {
                    scheduler.workerExited(slot.id, 0);
                }
            }
        }

        @Override
        public boolean stopping() {
            return stopping;
        }

        /** Waits for the reply to the oldest chunk in flight, or its member's departure, and reports it. */
        private void answerHead() {
            Flight head = flights.peek();
            slot.noteCallsInFlight(flights);
            Reply reply;
            try {
                reply = requests.await(head.home, head.reply, flights,
                        head.frozenDeadline(slot.lastReplyNanos, config.taskTimeout()));
                slot.lastReplyNanos = System.nanoTime();
                if (reply.status == Reply.NEED_TASK) {
                    chunkCalls.addTask(head);
                    head.reply = requests.send(head.home, head.call);
                    return;
                }
            } catch (MemberGone gone) {
                if (stopping) {
                    ended = true;
                    return;
                }
                if (!members.instanceRunning()) {
                    throw failures.instanceGone(gone);
                }
                // The member ran its chunks in order: only the oldest unanswered one can have started.
                flights.poll();
                scheduler.lost(slot.id, head.chunk, null, failures.died(slot, head.chunk, 0, gone.getMessage(),
                        gone.getCause()), Loss.RETRYABLE);
                for (Flight rest : flights) {
                    scheduler.returned(slot.id, rest.chunk);
                }
                flights.clear();
                move(slot, gone.getMessage());
                return;
            } catch (RuntimeException failed) {
                // The request failed on a member that is still there (out of memory decoding a large input, ...):
                // that chunk is lost (run again if retries allow), and the slot's worker starts afresh.
                if (!members.instanceRunning()) {
                    throw failures.instanceGone(failed);
                }
                flights.poll();
                scheduler.lost(slot.id, head.chunk, null, failures.failed(slot, head.chunk, failed), Loss.RETRYABLE);
                returnAll(slot, flights);
                restartWorker(slot, false);
                return;
            }
            flights.poll();
            try {
                switch (reply.status) {
                    case Reply.DONE -> {
                        ChunkResult result = reply.result(codec);
                        slot.pace.observe(result.processed(), result.workNanos());
                        scheduler.completed(slot.id, head.chunk, result);
                        slot.lifespan.notRun(head.chunk.size() - result.processed());
                    }
                    case Reply.ABANDONED -> {
                        scheduler.lost(slot.id, head.chunk, reply.result(codec), failures.timedOut(slot, head.chunk,
                                reply.processed), Loss.FINAL);
                        returnAll(slot, flights);
                        restartWorker(slot, false);
                    }
                    case Reply.LOST -> {
                        // A worker JVM of the member died under the chunk (or was killed for a timeout); the
                        // member has started its replacement, which runs the chunks queued behind it.
                        ChunkResult partial = reply.processed > 0 ? reply.result(codec) : null;
                        scheduler.lost(slot.id, head.chunk, partial, (int) reply.number,
                                failures.lostError(slot, head.chunk, reply),
                                (reply.flags & Reply.FLAG_RETRYABLE) != 0 ? Loss.RETRYABLE : Loss.FINAL);
                        scheduler.workerStarted(slot.id, 0, 0, WorkerStart.REPLACEMENT);
                        slot.lifespan = new Lifespan(config.maxTasksPerWorker());
                    }
                    case Reply.SKIPPED -> scheduler.returned(slot.id, head.chunk); // settled as cancelled there
                    case Reply.NO_WORKER -> {
                        scheduler.returned(slot.id, head.chunk);
                        if (head.generation == slot.generation) {
                            returnAll(slot, flights);
                            restartWorker(slot, false);
                        }
                    }
                    default -> scheduler.lost(slot.id, head.chunk, null, failures.failed(slot, head.chunk,
                            codec.decodeError(reply.error)), Loss.FINAL);
                }
            } catch (RuntimeException e) {
                scheduler.lost(slot.id, head.chunk, null, failures.failed(slot, head.chunk, e), Loss.FINAL);
            }
            requests.sendCancels(flights); // a failure just reported may have cancelled the call of a queued chunk
        }
    }

    /** How many chunks the slot keeps in flight ({@link Pipelining.Pace#depth}, at most {@value #IN_FLIGHT}). */
    private int depth(Slot slot, ArrayDeque<Flight> flights) {
        int largest = 0;
        for (Flight f : flights) {
            largest = Math.max(largest, f.chunk.size());
        }
        return slot.pace.depth(largest, idleSlots.count(), IN_FLIGHT);
    }

    private void returnAll(Slot slot, ArrayDeque<Flight> flights) {
        for (Flight f : flights) {
            scheduler.returned(slot.id, f.chunk);
        }
        flights.clear();
    }

    /**
     * Sends a chunk to the slot's member; a chunk that cannot even be encoded fails without being sent.
     *
     * @return false if the worker's lifespan refused it
     */
    private boolean dispatch(Slot slot, Chunk chunk, ArrayDeque<Flight> flights) {
        if (!slot.lifespan.give(chunk)) {
            return false; // given back by another worker, and too large for this one
        }
        MemberLink home = slot.home;
        Request call;
        try {
            call = chunkCalls.chunkCall(slot, home, chunk);
        } catch (RuntimeException e) {
            scheduler.lost(slot.id, chunk, null, failures.failed(slot, chunk, e), Loss.FINAL);
            return true;
        }
        call.number = slot.nextSeq++;
        flights.add(new Flight(chunk, home, call, slot.generation, requests.send(home, call)));
        return true;
    }

    /** Replaces a slot's worker on the same member (recycling, or after a timeout abandoned it). */
    private void restartWorker(Slot slot, boolean runExitHook) {
        slot.lifespan = new Lifespan(config.maxTasksPerWorker()); // the old worker is gone, whether or not one starts
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
            tried.add(slot.home.member.id());
        }
        while (!stopping) {
            MemberLink to = members.rehome(slot, slots, tried);
            if (to == null) {
                return false;
            }
            tried.add(to.member.id());
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
        members.openOn(home);
        Request call = new Request(Request.START_WORKER, poolId);
        call.slot = slot.id;
        call.generation = ++slot.generation;
        slot.nextSeq = 0;
        slot.lifespan = new Lifespan(config.maxTasksPerWorker());
        Reply reply = requests.await(home, requests.send(home, call), null);
        if (reply.status != Reply.OK) {
            Throwable cause = codec.decodeError(reply.error);
            throw new IllegalStateException("worker " + slot.id + " of pool " + config.name() + " failed to start on "
                    + home + (transport.layout().processes() ? ": " + cause.getMessage()
                    : ": onWorkerStart threw " + cause), cause);
        }
        scheduler.workerStarted(slot.id, Math.max(0, System.nanoTime() - asked - reply.number), reply.number,
                replacement ? WorkerStart.REPLACEMENT : WorkerStart.FIRST);
    }

    private long stopWorker(Slot slot) throws MemberGone {
        MemberLink home = slot.home;
        Request call = new Request(Request.STOP_WORKER, poolId);
        call.slot = slot.id;
        call.generation = slot.generation;
        return requests.await(home, requests.send(home, call), null).number;
    }
}
