package dev.ensemble.hazelcast.internal;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import dev.ensemble.TaskFailedException;
import dev.ensemble.TaskTimeoutException;
import dev.ensemble.WorkerDiedException;
import dev.ensemble.internal.Backend;
import dev.ensemble.internal.PoolConfig;
import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.schedule.Inputs;
import dev.ensemble.internal.schedule.Scheduler;
import dev.ensemble.internal.worker.ChunkResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The caller's side of a cluster pool: one loop per worker slot, each homed on a member, that takes chunks from
 * the {@link Scheduler}, sends each to its member through Hazelcast's executor service as a {@link MemberCall},
 * and reports the {@link Reply} back.
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
 * <p><b>Cancellation.</b> While a chunk runs, its slot checks every {@value #CANCEL_CHECK_MILLIS} ms whether
 * its call was cancelled, and if so tells the member, which stops the chunk between tasks.
 */
final class HazelcastWorkers implements Backend {
    static final String MEMBER_LEFT = "member left the cluster";
    private static final long CANCEL_CHECK_MILLIS = 100;
    private static final long CLOSE_WAIT_SECONDS = 10;
    private static final int TASKS_REMEMBERED = 32;

    private final PoolConfig config;
    private final ClusterOptions options;
    private final HazelcastInstance hz;
    private final IExecutorService executor;
    private final PayloadCodec codec = PayloadCodec.get();
    private final String poolId;
    private final Slot[] slots;
    private final Map<UUID, MemberLink> links = new ConcurrentHashMap<>();
    private final Map<Long, byte[]> encodedTasks = Collections.synchronizedMap(lru(TASKS_REMEMBERED));
    private byte[] setup;
    private UUID listener;
    private Scheduler scheduler;
    private volatile boolean stopping;

    /** A member as this pool sees it: whether it left, whether it hosts the pool, which tasks it has. */
    private static final class MemberLink {
        final Member member;
        final CompletableFuture<Void> gone = new CompletableFuture<>();
        final Set<Long> tasksSent = Collections.newSetFromMap(Collections.synchronizedMap(lru(TASKS_REMEMBERED)));
        boolean opened; // guarded by this

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
        Thread thread;

        Slot(int id, MemberLink home) {
            this.id = id;
            this.home = home;
        }
    }

    /** Why a request got no reply from its member. */
    private static final class MemberGone extends Exception {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        MemberGone(String message, Throwable cause) {
            super(message, cause, false, false);
        }
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

    private static <K, V> Map<K, V> lru(int capacity) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @java.io.Serial
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }

    private MemberLink link(Member member) {
        return links.computeIfAbsent(member.getUuid(), u -> new MemberLink(member));
    }

    // ---- lifecycle ----

    @Override
    public void start(Scheduler scheduler) {
        this.scheduler = scheduler;
        Duration timeout = config.taskTimeout();
        setup = codec.encodeFunction(new PoolSetup(config.name(), slots.length, config.sharedObjects(),
                config.onWorkerStart(), config.onWorkerExit(), timeout == null ? 0 : timeout.toNanos()),
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
        try {
            ready.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            scheduler.terminate();
            kill();
            throw new IllegalStateException("interrupted while starting pool " + config.name(), e);
        }
        if (startFailure.get() != null) {
            scheduler.terminate();
            kill();
            throw startFailure.get();
        }
    }

    @Override
    public void awaitExit() {
        for (Slot slot : slots) {
            join(slot.thread, 0);
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
            join(slot.thread, 1_000);
        }
    }

    @Override
    public boolean isWorkerThread() {
        return false; // tasks run on members, where the pool object does not exist
    }

    /** Tells every member that hosts the pool to forget it (and, on terminate, to interrupt its tasks). */
    private void closeOnMembers(boolean terminate) {
        if (listener != null) {
            hz.getCluster().removeMembershipListener(listener);
            listener = null;
        }
        List<CompletableFuture<Reply>> closing = new ArrayList<>();
        for (MemberLink link : links.values()) {
            synchronized (link) {
                if (!link.opened || link.gone.isDone()) {
                    continue;
                }
                link.opened = false;
            }
            MemberCall call = new MemberCall(MemberCall.CLOSE_POOL, poolId);
            call.flags = terminate ? MemberCall.FLAG_TERMINATE : 0;
            closing.add(send(link, call));
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new))
                    .get(terminate ? 2 : CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // A member that does not answer has left or is leaving; it forgets the pool when its owner is gone.
        }
    }

    private static void join(Thread thread, long millis) {
        if (thread == null || thread == Thread.currentThread()) {
            return;
        }
        boolean interrupted = false;
        while (true) {
            try {
                if (millis == 0) {
                    thread.join();
                } else {
                    thread.join(millis);
                }
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
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
        long tasksSinceStart = 0;
        long lastEnd = System.nanoTime();
        while (true) {
            int limit = config.maxTasksPerWorker() > 0
                    ? (int) Math.min(Integer.MAX_VALUE, config.maxTasksPerWorker() - tasksSinceStart)
                    : Integer.MAX_VALUE;
            Chunk chunk;
            try {
                chunk = scheduler.take(slot.id, limit);
            } catch (InterruptedException e) {
                if (stopping) {
                    return;
                }
                continue;
            }
            if (chunk == null) {
                break;
            }
            if (slot.home == null && !move(slot, "no member was left")) {
                scheduler.lost(slot.id, chunk, null, died(slot, chunk, 0, "no member of the cluster is left to run "
                        + "it", null), false);
                continue;
            }
            MemberLink home = slot.home;
            try {
                Reply reply = runChunk(slot, home, chunk, System.nanoTime() - lastEnd);
                lastEnd = System.nanoTime();
                switch (reply.status) {
                    case Reply.DONE -> {
                        ChunkResult result = reply.result(codec);
                        scheduler.completed(slot.id, chunk, result);
                        tasksSinceStart += result.processed();
                    }
                    case Reply.ABANDONED -> {
                        scheduler.lost(slot.id, chunk, reply.result(codec), timedOut(slot, chunk, reply.processed),
                                false);
                        tasksSinceStart = 0;
                        restartWorker(slot, false);
                    }
                    case Reply.NO_WORKER -> {
                        scheduler.lost(slot.id, chunk, null, died(slot, chunk, 0, "its worker was no longer on "
                                + home, null), true);
                        restartWorker(slot, false);
                    }
                    default -> scheduler.lost(slot.id, chunk, null, failed(slot, chunk, codec.decodeError(reply.error)),
                            false);
                }
            } catch (MemberGone gone) {
                if (stopping) {
                    return;
                }
                scheduler.lost(slot.id, chunk, null, died(slot, chunk, 0, gone.getMessage(), gone.getCause()), true);
                tasksSinceStart = 0;
                move(slot, gone.getMessage());
                continue;
            } catch (InterruptedException e) {
                if (stopping) {
                    return;
                }
                scheduler.lost(slot.id, chunk, null, failed(slot, chunk, e), false);
                continue;
            } catch (RuntimeException e) {
                scheduler.lost(slot.id, chunk, null, failed(slot, chunk, e), false);
                continue;
            }
            if (config.maxTasksPerWorker() > 0 && tasksSinceStart >= config.maxTasksPerWorker()) {
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
            System.err.println("worker " + slot.id + " of pool " + config.name() + " could not be replaced on "
                    + slot.home + ": " + e.getMessage());
            slot.home = null;
        }
    }

    /**
     * Moves a slot to the eligible member with the fewest of this pool's workers and starts its worker there.
     *
     * @return whether the slot has a home again
     */
    private boolean move(Slot slot, String why) {
        MemberLink from = slot.home;
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
                    if (!candidate.gone.isDone() && candidate != from && l < least) {
                        to = candidate;
                        least = l;
                    }
                }
                slot.home = to;
            }
            if (to == null) {
                return false;
            }
            try {
                startWorker(slot, System.nanoTime(), true);
                return true;
            } catch (MemberGone gone) {
                from = to;
            } catch (RuntimeException e) {
                System.err.println("worker " + slot.id + " of pool " + config.name() + " could not move to " + to
                        + " (" + why + "): " + e.getMessage());
                from = to;
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
        Reply reply = await(home, send(home, call), null);
        if (reply.status != Reply.OK) {
            Throwable cause = codec.decodeError(reply.error);
            throw new IllegalStateException("worker " + slot.id + " of pool " + config.name() + " failed to start on "
                    + home + ": onWorkerStart threw " + cause, cause);
        }
        scheduler.workerStarted(slot.id, Math.max(0, System.nanoTime() - asked - reply.number), reply.number,
                replacement);
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

    private Reply runChunk(Slot slot, MemberLink home, Chunk chunk, long waitNanos)
            throws MemberGone, InterruptedException {
        MemberCall call = new MemberCall(MemberCall.RUN_CHUNK, poolId);
        call.slot = slot.id;
        call.generation = slot.generation;
        call.callId = chunk.callId();
        call.number = waitNanos;
        call.flags = (byte) ((chunk.keepGoing() ? MemberCall.FLAG_KEEP_GOING : 0)
                | (chunk.timeEachTask() ? MemberCall.FLAG_TIME_EACH_TASK : 0));
        encodeInputs(chunk, call);
        boolean withTask = home.tasksSent.add(chunk.callId());
        if (withTask) {
            call.task = encodedTask(chunk);
        }
        Reply reply = await(home, send(home, call), chunk);
        if (reply.status == Reply.NEED_TASK) {
            call.task = encodedTask(chunk);
            home.tasksSent.add(chunk.callId());
            reply = await(home, send(home, call), chunk);
        }
        return reply;
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
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        try {
            executor.submitToMember(call, link.member, new ExecutionCallback<Reply>() {
                @Override
                public void onResponse(Reply response) {
                    reply.complete(response);
                }

                @Override
                public void onFailure(Throwable t) {
                    reply.completeExceptionally(t);
                }
            });
        } catch (RuntimeException e) {
            reply.completeExceptionally(e);
        }
        return reply;
    }

    /**
     * Waits for a reply or for the member's departure, whichever comes first; while a chunk runs, passes on its
     * call's cancellation. Uninterruptible outside chunks, so that hooks always finish their exchange.
     */
    private Reply await(MemberLink link, CompletableFuture<Reply> reply, Chunk chunk) throws MemberGone {
        CompletableFuture<Object> either = CompletableFuture.anyOf(reply, link.gone);
        boolean cancelSent = false;
        while (true) {
            try {
                either.get(CANCEL_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                break;
            } catch (TimeoutException e) {
                if (chunk != null && !cancelSent && chunk.isCancelled()) {
                    cancelSent = true;
                    MemberCall cancel = new MemberCall(MemberCall.CANCEL_CALL, poolId);
                    cancel.callId = chunk.callId();
                    send(link, cancel);
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
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof MemberLeftException || cause instanceof TargetNotMemberException
                    || cause instanceof TargetDisconnectedException
                    || cause instanceof HazelcastInstanceNotActiveException
                    || !hz.getLifecycleService().isRunning()
                    || !hz.getCluster().getMembers().contains(link.member)) {
                link.gone.complete(null);
                throw new MemberGone(link + " left the cluster (" + cause.getClass().getSimpleName() + ")", cause);
            }
            throw new IllegalStateException("the request to " + link + " failed: " + cause, cause);
        }
    }

    // ---- errors ----

    private WorkerDiedException died(Slot slot, Chunk chunk, int offset, String why, Throwable cause) {
        long index = chunk.firstIndex() + offset;
        String input = Inputs.render(chunk.inputs().get(offset));
        return new WorkerDiedException("worker " + slot.id + " of pool " + config.name() + " died while it ran the "
                + "task at index " + index + " (input: " + input + "): " + why + (cause != null ? " (" + cause + ")" : ""),
                slot.id, index, input, MEMBER_LEFT, List.of());
    }

    private TaskTimeoutException timedOut(Slot slot, Chunk chunk, int offset) {
        long index = chunk.firstIndex() + offset;
        String input = Inputs.render(chunk.inputs().get(offset));
        Duration timeout = config.taskTimeout();
        return new TaskTimeoutException("task of " + config.name() + " on worker " + slot.id + " at index " + index
                + " (input: " + input + ") ran over its timeout of " + timeout + " and ignored its interrupt; its "
                + "thread on " + slot.home + " was abandoned and replaced", slot.id, index, input, timeout);
    }

    private TaskFailedException failed(Slot slot, Chunk chunk, Throwable cause) {
        long index = chunk.firstIndex();
        String input = Inputs.render(chunk.inputs().get(0));
        return new TaskFailedException("chunk of pool " + config.name() + " starting at index " + index
                + " could not run on worker " + slot.id + " (" + slot.home + "): " + cause.getMessage(), slot.id,
                index, input, cause);
    }
}
