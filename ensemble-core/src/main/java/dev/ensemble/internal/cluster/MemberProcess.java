package dev.ensemble.internal.cluster;

import dev.ensemble.Task;
import dev.ensemble.TaskFailedException;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.internal.process.ProcessBackend;
import dev.ensemble.internal.schedule.CallRef;
import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.schedule.Loss;
import dev.ensemble.internal.schedule.WorkSource;
import dev.ensemble.internal.schedule.WorkerStart;
import dev.ensemble.internal.worker.ChunkResult;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * The worker of one slot on a member as a worker JVM of the member's own ({@code memberWorkers(processes(k))}):
 * ensemble-core's process backend, hosting this slot only ({@link ProcessBackend#forOneSlot}), fed by a queue of
 * this class ({@link Queue}, a {@link WorkSource}) that decides nothing. The pool's scheduler, in the caller's
 * JVM, still feeds every worker: each chunk it sends here is queued unchanged, and what the process backend
 * reports of it, a result or the loss of the worker JVM, is the answer.
 *
 * <p><b>What the process backend does here as on one machine:</b> the worker JVM (the member's JDK and class
 * path) marks each task's start, detects its own timeout and halts; a worker JVM that dies is replaced at once,
 * its running chunk reported lost with its exit status and last lines of standard error (answered LOST, so the
 * pool's scheduler retries it or fails the task at the index that was running) and the chunks queued behind it
 * run on the replacement. If no replacement can be started, the queue is terminated and every request still
 * waiting is answered NO_WORKER: the pool starts a new worker here, or moves the slot.
 *
 * <p><b>Order.</b> Requests may reach the member's executor threads in any order; chunks are queued in their
 * sequence order, as {@link MemberWorker} runs them, so that after a member death only the oldest unanswered
 * chunk can have started.
 *
 * <p><b>Calls.</b> A chunk's call here is its call in the pool, twice over: chunks whose inputs could not be sent
 * as they were carry another task, so they get an id of their own ({@link #localId}). The worker JVM gets each
 * task once per call; a call cancelled in the pool ({@link MemberPool#isCancelled}) is cancelled in the worker
 * JVM by the backend's senders, woken for it.
 *
 * <p><b>Stop.</b> {@link #stop()} closes the queue and waits for the process backend's graceful exit (the exit
 * hook runs in the worker JVM, its files are removed); {@link #end} terminates it and kills the JVM.
 */
final class MemberProcess implements SlotWorker {
    private final MemberPool pool;
    private final int slot;
    private final int generation;
    private final Duration timeout;
    private final ProcessBackend backend;
    private final Queue queue = new Queue();
    /** Chunks queued and not answered yet: a chunk's answer is registered before the chunk is queued. */
    private final ConcurrentMap<Chunk, CompletableFuture<Supplier<Reply>>> answers = new ConcurrentHashMap<>();
    /** Requests waiting for their turn, by sequence number; guarded by this. */
    private final TreeMap<Long, Waiting> waiting = new TreeMap<>();
    private long nextSeq;      // guarded by this
    private boolean ended;     // guarded by this
    private volatile long startHookNanos;
    private volatile long exitHookNanos;

    /** One RUN_CHUNK request, from its arrival to its answer. */
    private static final class Waiting {
        final Task<Object, Object> task;
        final Object[] inputs;
        final Request call;
        final CompletableFuture<Supplier<Reply>> answer = new CompletableFuture<>();
        Chunk chunk;

        Waiting(Task<Object, Object> task, Object[] inputs, Request call) {
            this.task = task;
            this.inputs = inputs;
            this.call = call;
        }
    }

    /** A call of the pool as the worker JVM sees it. */
    private record MemberCallRef(long id, Task<Object, Object> task, boolean keepGoing, Duration taskTimeout,
            MemberPool pool, long poolCallId) implements CallRef {
        @Override
        public boolean isCancelled() {
            return pool.isCancelled(poolCallId);
        }
    }

    MemberProcess(MemberPool pool, int slot, int generation) {
        this.pool = pool;
        this.slot = slot;
        this.generation = generation;
        PoolSetup setup = pool.setup;
        this.timeout = setup.timeoutNanos() > 0 ? Duration.ofNanos(setup.timeoutNanos()) : null;
        // The pool's own scheduler recycles workers (STOP then START) and counts retries; this queue does neither.
        PoolConfig config = new PoolConfig(setup.name(), PoolConfig.Kind.PROCESSES, setup.workers(), setup.shared(),
                setup.onStart(), setup.onExit(), null, timeout, 0, 0, false, setup.jvmArgs(), Duration.ZERO,
                PoolConfig.DEFAULT_EXIT_GRACE_PERIOD, null,
                PoolConfig.DEFAULT_EXIT_HOOK_TIMEOUT, List.of(), null);
        this.backend = ProcessBackend.forOneSlot(config, slot);
    }

    @Override
    public int generation() {
        return generation;
    }

    @Override
    public Reply start() {
        try {
            backend.start(queue);
        } catch (RuntimeException e) {
            synchronized (this) {
                ended = true;
            }
            queue.end();
            return Reply.error(pool.codec, e);
        }
        return Reply.ok(startHookNanos);
    }

    @Override
    public Reply run(Task<Object, Object> task, Object[] inputs, Request call) {
        Waiting request = new Waiting(task, inputs, call);
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

    /** The id of a pool's call in the worker JVM: chunks with unsendable inputs carry a task of their own. */
    private static long localId(Request call) {
        return localId(call.callId, (call.flags & Request.FLAG_UNSENDABLE_INPUTS) != 0);
    }

    /** The local id of a pool's call, for its chunks with their own task ({@code unsendableInputs}) or not. */
    private static long localId(long callId, boolean unsendableInputs) {
        return callId * 2 + (unsendableInputs ? 1 : 0);
    }

    /** Queues a request's chunk for the worker JVM, or answers it at once. */
    private void handOn(Waiting request) {
        Request call = request.call;
        if (pool.isCancelled(call.callId)) {
            request.answer.complete(() -> Reply.of(Reply.SKIPPED));
            return;
        }
        MemberCallRef ref = new MemberCallRef(localId(call), request.task,
                (call.flags & Request.FLAG_KEEP_GOING) != 0, timeout, pool, call.callId);
        request.chunk = Chunk.of(ref, call.firstIndex, new ArrayList<>(Arrays.asList(request.inputs)),
                (call.flags & Request.FLAG_TIME_EACH_TASK) != 0 ? Chunk.Timing.EACH_TASK : Chunk.Timing.CHUNK);
        answers.put(request.chunk, request.answer);
        if (!queue.add(request.chunk)) {
            answers.remove(request.chunk);
            request.answer.complete(() -> Reply.of(Reply.NO_WORKER)); // the worker could not be replaced
            return;
        }
        // A sender whose worker JVM runs a chunk waits for that answer, not for the queue: without this, the
        // chunk just queued would reach the worker only after the running one's answer (no pipelining).
        backend.wakeSenders();
    }

    private void answer(Chunk chunk, Supplier<Reply> reply) {
        CompletableFuture<Supplier<Reply>> answer = answers.get(chunk);
        if (answer != null) {
            answer.complete(reply);
        }
    }

    private void answerAllNoWorker() {
        List<Waiting> left;
        synchronized (this) {
            left = new ArrayList<>(waiting.values());
            waiting.clear();
        }
        for (Waiting r : left) {
            r.answer.complete(() -> Reply.of(Reply.NO_WORKER));
        }
        for (CompletableFuture<Supplier<Reply>> answer : answers.values()) {
            answer.complete(() -> Reply.of(Reply.NO_WORKER));
        }
    }

    @Override
    public void cancel(long callId, boolean stopRunning) {
        backend.callCancelled(callId); // the worker JVM skips or stops the call's chunks it holds
        if (stopRunning) {
            backend.stopRunning(localId(callId, false)); // the call runs under either of its local ids
            backend.stopRunning(localId(callId, true));
        }
    }

    @Override
    public Reply stop() {
        synchronized (this) {
            ended = true;
        }
        queue.close();
        backend.awaitExit();
        answerAllNoWorker(); // nothing should be left; if something is, it never started
        return Reply.ok(exitHookNanos);
    }

    @Override
    public void end(boolean interrupt) {
        synchronized (this) {
            ended = true;
        }
        queue.end();
        backend.kill();
        answerAllNoWorker();
    }

    /**
     * The chunks the pool sent to this slot, in order, for the process backend's sender; and where the backend
     * reports them, each report answering its request.
     *
     * <p>States: open → closed ({@link #stop}: {@link #take} returns null, the worker JVM exits gracefully) or
     * ended ({@link #end}, or {@link #terminate} by the backend when the worker JVM cannot be replaced). No
     * recycling here: the pool's scheduler recycles its workers itself, so {@code limit} is never reached.
     */
    private final class Queue implements WorkSource {
        private final ArrayDeque<Chunk> chunks = new ArrayDeque<>(); // guarded by this
        private boolean closed;                                       // guarded by this
        private boolean terminated;                                   // guarded by this

        /** Queues a chunk; false if the queue has ended (nothing will run it). */
        synchronized boolean add(Chunk chunk) {
            if (terminated || closed) {
                return false;
            }
            chunks.add(chunk);
            notifyAll();
            return true;
        }

        synchronized void close() {
            closed = true;
            notifyAll();
        }

        /** Ends the queue: takers get null. The caller answers what was queued. */
        synchronized void end() {
            terminated = true;
            notifyAll();
        }

        @Override
        public Chunk take(int slot, int limit) throws InterruptedException {
            while (true) {
                Chunk chunk;
                synchronized (this) {
                    while (chunks.isEmpty() && !closed && !terminated) {
                        wait();
                    }
                    if (closed || terminated) {
                        return null;
                    }
                    chunk = chunks.poll();
                }
                if (!skipped(chunk)) {
                    return chunk;
                }
            }
        }

        @Override
        public Chunk poll(int slot, int limit) {
            while (true) {
                Chunk chunk;
                synchronized (this) {
                    chunk = closed || terminated ? null : chunks.poll();
                }
                if (chunk == null || !skipped(chunk)) {
                    return chunk;
                }
            }
        }

        /** A queued chunk of a call cancelled in the pool is answered without running. */
        private boolean skipped(Chunk chunk) {
            if (!chunk.isCancelled()) {
                return false;
            }
            completed(MemberProcess.this.slot, chunk, ChunkResult.skipped(0));
            return true;
        }

        @Override
        public synchronized boolean workWaiting() {
            return !chunks.isEmpty() && !closed && !terminated;
        }

        @Override
        public void completed(int slot, Chunk chunk, ChunkResult result) {
            answer(chunk, () -> Reply.done(pool.codec, result, Reply.DONE, result.processed()));
        }

        @Override
        public void lost(int slot, Chunk chunk, ChunkResult partial, int failedOffset, TaskFailedException error,
                Loss loss) {
            answer(chunk, () -> Reply.lost(pool.codec, partial, failedOffset, error, loss == Loss.RETRYABLE));
        }

        @Override
        public void returned(int slot, Chunk chunk) {
            synchronized (this) {
                if (!terminated && !closed) {
                    chunks.addFirst(chunk); // it runs on the replacement, before those queued after it
                    notifyAll();
                    return;
                }
            }
            answer(chunk, () -> Reply.of(Reply.NO_WORKER));
        }

        @Override
        public void workerStarted(int slot, long startingNanos, long hookNanos, WorkerStart start) {
            startHookNanos = hookNanos;
        }

        @Override
        public void workerExited(int slot, long hookNanos) {
            exitHookNanos = hookNanos;
        }

        @Override
        public synchronized boolean needsWorkers() {
            return !terminated && !closed;
        }

        @Override
        public void terminate(RuntimeException reason) {
            synchronized (MemberProcess.this) {
                MemberProcess.this.ended = true;
            }
            end();
            answerAllNoWorker();
        }
    }
}
