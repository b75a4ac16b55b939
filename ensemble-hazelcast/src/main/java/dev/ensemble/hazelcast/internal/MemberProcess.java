package dev.ensemble.hazelcast.internal;

import dev.ensemble.internal.schedule.Loss;
import dev.ensemble.Task;
import dev.ensemble.TaskFailedException;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.internal.process.ProcessBackend;
import dev.ensemble.internal.schedule.Call;
import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.schedule.Relay;
import dev.ensemble.internal.schedule.Scheduler;
import dev.ensemble.internal.worker.ChunkResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * The worker of one slot on a member as a worker JVM of the member's own ({@code memberWorkers(processes(k))}):
 * ensemble-core's process backend, hosting this slot only ({@link ProcessBackend#forOneSlot}), behind a
 * scheduler of this member that decides nothing. The pool's scheduler, in the caller's JVM, still feeds every
 * worker: each chunk it sends here is handed to the local scheduler unchanged as a chunk of a relay call
 * ({@link Scheduler#openRelay}, one per call of the pool, so the worker JVM gets the task once per call), and
 * what the process backend reports of it, a result or the loss of the worker JVM, is the answer.
 *
 * <p><b>What the process backend does here as on one machine:</b> the worker JVM (the member's JDK and class
 * path) marks each task's start, detects its own timeout and halts; a worker JVM that dies is replaced at once,
 * its running chunk reported lost with its exit status and last lines of standard error (answered LOST, so the
 * pool's scheduler retries it or fails the task at the index that was running) and the chunks queued behind it
 * run on the replacement. If no replacement can be started, the local scheduler is terminated and every
 * request still waiting is answered NO_WORKER: the pool starts a new worker here, or moves the slot.
 *
 * <p><b>Order.</b> Requests may reach the member's executor threads in any order; chunks are handed on in their
 * sequence order, as {@link MemberWorker} runs them, so that after a member death only the oldest unanswered
 * chunk can have started.
 *
 * <p><b>Stop.</b> {@link #stop()} closes the local scheduler and waits for the process backend's graceful exit
 * (the exit hook runs in the worker JVM, its files are removed); {@link #end} terminates it and kills the JVM.
 */
final class MemberProcess implements SlotWorker {
    /** Relay calls kept open for calls that may send more chunks; older idle ones are closed. */
    private static final int OPEN_CALLS = 16;

    private final MemberPool pool;
    private final int slot;
    private final int generation;
    private final Scheduler scheduler;
    private final ProcessBackend backend;
    /** By call id (twice, plus one for chunks with unsendable inputs); access order; guarded by this. */
    private final LinkedHashMap<Long, Relayed> calls = new LinkedHashMap<>(16, 0.75f, true);
    /** Chunks handed on and their answers; an answer may come before its request has registered. */
    private final ConcurrentMap<Chunk, CompletableFuture<Supplier<Reply>>> answers = new ConcurrentHashMap<>();
    /** Requests waiting for their turn, by sequence number; guarded by this. */
    private final TreeMap<Long, Request> waiting = new TreeMap<>();
    private long nextSeq;      // guarded by this
    private boolean ended;     // guarded by this

    /** One RUN_CHUNK request, from its arrival to its answer. */
    private static final class Request {
        final Task<Object, Object> task;
        final Object[] inputs;
        final MemberCall call;
        final CompletableFuture<Supplier<Reply>> answer = new CompletableFuture<>();
        Chunk chunk;

        Request(Task<Object, Object> task, Object[] inputs, MemberCall call) {
            this.task = task;
            this.inputs = inputs;
            this.call = call;
        }
    }

    /** A relay call: one call of the pool on this worker. */
    private final class Relayed implements Relay {
        final long callId;
        Call<Void> call;
        int pending; // guarded by MemberProcess.this

        Relayed(long callId) {
            this.callId = callId;
        }

        @Override
        public void completed(Chunk chunk, ChunkResult result) {
            settle(this, chunk, () -> Reply.done(pool.codec, result, Reply.DONE, result.processed()));
        }

        @Override
        public void lost(Chunk chunk, ChunkResult partial, int failedOffset, TaskFailedException error,
                Loss loss) {
            settle(this, chunk, () -> Reply.lost(pool.codec, partial, failedOffset, error, loss == Loss.RETRYABLE));
        }
    }

    MemberProcess(MemberPool pool, int slot, int generation) {
        this.pool = pool;
        this.slot = slot;
        this.generation = generation;
        PoolSetup setup = pool.setup;
        Duration timeout = setup.timeoutNanos() > 0 ? Duration.ofNanos(setup.timeoutNanos()) : null;
        // The pool's own scheduler recycles workers (STOP then START) and counts retries; this one does neither.
        PoolConfig config = new PoolConfig(setup.name(), PoolConfig.Kind.PROCESSES, setup.workers(), setup.shared(),
                setup.onStart(), setup.onExit(), null, timeout, 0, 0, false, setup.jvmArgs(), Duration.ZERO,
                PoolConfig.DEFAULT_EXIT_GRACE_PERIOD, null,
                PoolConfig.DEFAULT_EXIT_HOOK_TIMEOUT, List.of(), Map.of());
        this.scheduler = new Scheduler(setup.name() + " on a member", setup.workers(), timeout, 0);
        this.backend = ProcessBackend.forOneSlot(config, slot);
    }

    @Override
    public int generation() {
        return generation;
    }

    @Override
    public Reply start() {
        try {
            backend.start(scheduler);
        } catch (RuntimeException e) {
            synchronized (this) {
                ended = true;
            }
            scheduler.terminate();
            return Reply.error(pool.codec, e);
        }
        return Reply.ok(scheduler.insights().workers().get(slot).inStartHook().toNanos());
    }

    @Override
    public Reply run(Task<Object, Object> task, Object[] inputs, MemberCall call) {
        Request request = new Request(task, inputs, call);
        synchronized (this) {
            if (ended) {
                return Reply.of(Reply.NO_WORKER);
            }
            waiting.put(call.number, request);
            while (!waiting.isEmpty() && waiting.firstKey() == nextSeq) {
                handOn(waiting.pollFirstEntry().getValue());
                nextSeq++;
            }
        }
        try {
            return Reply.await(request.answer, Supplier::get, pool.codec);
        } finally {
            if (request.chunk != null) {
                answers.remove(request.chunk);
            }
        }
    }

    /** Gives a request's chunk to the local scheduler, or answers it at once. */
    private void handOn(Request request) {
        long callId = request.call.callId;
        if (pool.isCancelled(callId)) {
            request.answer.complete(() -> Reply.of(Reply.SKIPPED));
            return;
        }
        boolean unsendable = (request.call.flags & MemberCall.FLAG_UNSENDABLE_INPUTS) != 0;
        long key = callId * 2 + (unsendable ? 1 : 0);
        Relayed relayed = calls.get(key);
        try {
            if (relayed == null) {
                relayed = new Relayed(callId);
                relayed.call = scheduler.openRelay("call " + callId, request.task,
                        (request.call.flags & MemberCall.FLAG_KEEP_GOING) != 0 ? Call.OnFailure.KEEP_GOING
                                : Call.OnFailure.FAIL_FAST, relayed);
                relayed.call.future().whenComplete((none, error) -> relayEnded());
                calls.put(key, relayed);
                closeIdleCalls();
            }
            request.chunk = scheduler.relay(relayed.call, slot, request.call.firstIndex,
                    new ArrayList<>(Arrays.asList(request.inputs)),
                    (request.call.flags & MemberCall.FLAG_TIME_EACH_TASK) != 0 ? Chunk.Timing.EACH_TASK
                            : Chunk.Timing.CHUNK);
        } catch (IllegalStateException terminated) {
            request.answer.complete(() -> Reply.of(Reply.NO_WORKER)); // the worker could not be replaced
            return;
        }
        relayed.pending++;
        CompletableFuture<Supplier<Reply>> early = answers.putIfAbsent(request.chunk, request.answer);
        if (early != null) {
            request.answer.complete(early.join()); // answered before it was registered
            return;
        }
        // A sender whose worker JVM runs a chunk waits for that answer, not for the scheduler: without this, the
        // chunk just queued would reach the worker only after the running one's answer (no pipelining).
        backend.wakeSenders();
    }

    private void settle(Relayed relayed, Chunk chunk, Supplier<Reply> answer) {
        synchronized (this) {
            relayed.pending--;
        }
        answers.computeIfAbsent(chunk, c -> new CompletableFuture<>()).complete(answer);
    }

    /** Keeps at most {@value #OPEN_CALLS} relay calls open, closing the least recently used idle ones. */
    private void closeIdleCalls() {
        Iterator<Relayed> eldest = calls.values().iterator();
        while (calls.size() > OPEN_CALLS && eldest.hasNext()) {
            Relayed r = eldest.next();
            if (r.pending == 0) {
                eldest.remove();
                scheduler.cancel(r.call, new CancellationException("no more chunks expected"));
            }
        }
    }

    /**
     * A relay call ended: closed here, or cancelled with the whole local scheduler because the worker JVM could
     * not be replaced; then every request still waiting is answered NO_WORKER.
     */
    private void relayEnded() {
        if (scheduler.isRunning()) {
            return;
        }
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
        }
        answerAllNoWorker();
    }

    private void answerAllNoWorker() {
        List<Request> left;
        synchronized (this) {
            left = new ArrayList<>(waiting.values());
            waiting.clear();
        }
        for (Request r : left) {
            r.answer.complete(() -> Reply.of(Reply.NO_WORKER));
        }
        for (CompletableFuture<Supplier<Reply>> answer : answers.values()) {
            answer.complete(() -> Reply.of(Reply.NO_WORKER));
        }
    }

    @Override
    public void cancel(long callId) {
        List<Call<Void>> cancelled = new ArrayList<>(2);
        synchronized (this) {
            for (long key : new long[] {callId * 2, callId * 2 + 1}) {
                Relayed r = calls.remove(key);
                if (r != null) {
                    cancelled.add(r.call);
                }
            }
        }
        for (Call<Void> call : cancelled) {
            scheduler.cancel(call, new CancellationException("call " + callId + " was cancelled"));
        }
        if (!cancelled.isEmpty()) {
            backend.wakeSenders(); // the sender tells the worker JVM to skip or stop the call's chunks
        }
    }

    @Override
    public Reply stop() {
        List<Call<Void>> open;
        synchronized (this) {
            ended = true;
            open = new ArrayList<>();
            for (Relayed r : calls.values()) {
                open.add(r.call);
            }
            calls.clear();
        }
        for (Call<Void> call : open) {
            scheduler.cancel(call, new CancellationException("the worker is stopping"));
        }
        scheduler.close();
        backend.awaitExit();
        scheduler.closed();
        answerAllNoWorker(); // nothing should be left; if something is, it never started
        return Reply.ok(scheduler.insights().workers().get(slot).inExitHook().toNanos());
    }

    @Override
    public void end(boolean interrupt) {
        synchronized (this) {
            ended = true;
        }
        scheduler.terminate();
        backend.kill();
        answerAllNoWorker();
    }
}
