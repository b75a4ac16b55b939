package dev.ensemble.internal.cluster;

import dev.ensemble.Task;
import dev.ensemble.internal.worker.ChunkResult;
import dev.ensemble.internal.worker.ChunkRunner;
import dev.ensemble.internal.worker.CurrentWorker;
import dev.ensemble.internal.worker.FreezeClock;
import dev.ensemble.internal.worker.ThreadTimeout;
import dev.ensemble.internal.worker.WorkerState;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The worker of one slot on a member: a thread of its own that runs the start hook, then chunks, then the exit
 * hook, with the slot's {@link WorkerState} bound to it throughout (so a hook's thread-locals reach the tasks).
 * The transport's thread that carries a request hands it over and waits for the answer, so a task that
 * ignores its timeout holds only this thread, which can be abandoned.
 *
 * <p><b>Order.</b> The pool keeps two chunks in flight per worker to hide the round trip, and the transport may hand
 * them to this member's executor threads in any order; chunks carry a sequence number per worker incarnation and
 * run strictly in that order. So when a member dies, the pool knows that only the oldest unanswered chunk can
 * have started: the others go back to the scheduler without counting as a retry.
 */
final class MemberWorker implements SlotWorker {
    final MemberPool pool;
    final int slot;
    final int generation;
    private final WorkerState state;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final ArrayDeque<Runnable> control = new ArrayDeque<>(); // start and stop; guarded by lock
    private final TreeMap<Long, Runnable> chunks = new TreeMap<>();  // by sequence; guarded by lock
    private long nextSeq;                                            // guarded by lock
    private final Set<CompletableFuture<Reply>> pending = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean ended;
    private long lastEndNanos = System.nanoTime(); // worker thread only
    // What runs now, for the watchdog and a call's deadline; guarded by this.
    private ChunkRunner running;
    private CompletableFuture<Reply> runningReply;
    private long runningCallId;
    private final ThreadTimeout timeout = new ThreadTimeout();

    MemberWorker(MemberPool pool, int slot, int generation) {
        this.pool = pool;
        this.slot = slot;
        this.generation = generation;
        this.state = new WorkerState(slot, pool.setup.workers(), pool.setup.shared());
        this.thread = Thread.ofPlatform().daemon().name(pool.setup.name() + "-worker-" + slot).start(this::loop);
    }

    private void loop() {
        CurrentWorker.set(state);
        try {
            while (true) {
                Runnable job;
                lock.lock();
                try {
                    while (!ended && control.isEmpty() && (chunks.isEmpty() || chunks.firstKey() != nextSeq)) {
                        work.awaitUninterruptibly();
                    }
                    if (ended) {
                        return;
                    }
                    if (!control.isEmpty()) {
                        job = control.poll();
                    } else {
                        job = chunks.pollFirstEntry().getValue();
                        nextSeq++;
                    }
                } finally {
                    lock.unlock();
                }
                job.run();
            }
        } finally {
            CurrentWorker.clear();
        }
    }

    private void enqueue(Runnable job, long seq) {
        lock.lock();
        try {
            if (seq < 0) {
                control.add(job);
            } else {
                chunks.put(seq, job);
            }
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int generation() {
        return generation;
    }

    @Override
    public void cancel(long callId, boolean stopRunning) {
        // A running chunk checks its call between tasks (MemberPool.isCancelled); a queued one is skipped.
        if (stopRunning) {
            synchronized (this) {
                if (running != null && runningCallId == callId && !ended) {
                    thread.interrupt(); // the task sees it if it waits; cleared before the next chunk
                }
            }
        }
    }

    @Override
    public Reply start() {
        CompletableFuture<Reply> reply = pending();
        enqueue(() -> {
            long start = System.nanoTime();
            try {
                if (pool.setup.onStart() != null) {
                    pool.setup.onStart().run(state);
                }
                lastEndNanos = System.nanoTime();
                reply.complete(Reply.ok(lastEndNanos - start));
            } catch (Throwable t) {
                ended = true;
                reply.complete(Reply.error(pool.codec, t));
            }
        }, -1);
        return await(reply);
    }

    @Override
    public Reply run(Task<Object, Object> task, Object[] inputs, Request call) {
        CompletableFuture<Reply> reply = pending();
        boolean keepGoing = (call.flags & Request.FLAG_KEEP_GOING) != 0;
        boolean timeEach = (call.flags & Request.FLAG_TIME_EACH_TASK) != 0;
        long callId = call.callId;
        enqueue(() -> {
            if (pool.isCancelled(callId)) {
                reply.complete(Reply.of(Reply.SKIPPED)); // queued behind a chunk whose call then failed
                return;
            }
            ChunkRunner runner = new ChunkRunner(task, Arrays.asList(inputs), keepGoing, timeEach);
            synchronized (this) {
                running = runner;
                runningReply = reply;
                runningCallId = callId;
            }
            ChunkResult result = runner.run(System.nanoTime() - lastEndNanos, () -> pool.isCancelled(callId));
            synchronized (this) {
                if (ended) {
                    return; // abandoned by the watchdog, which answered for this chunk
                }
                running = null;
                runningReply = null;
                timeout.chunkEnded();
            }
            Thread.interrupted(); // an interrupt meant for a finished task must not hit the next one
            reply.complete(Reply.done(pool.codec, result, Reply.DONE, result.processed()));
            lastEndNanos = System.nanoTime();
        }, call.number);
        return await(reply);
    }

    @Override
    public Reply stop() {
        CompletableFuture<Reply> reply = pending();
        enqueue(() -> {
            long start = System.nanoTime();
            try {
                if (pool.setup.onExit() != null) {
                    pool.setup.onExit().run(state);
                }
            } catch (Throwable t) {
                System.getLogger(MemberWorker.class.getName()).log(System.Logger.Level.WARNING, "worker " + slot + " of pool "
                        + pool.setup.name() + ": onWorkerExit threw " + t, t);
            }
            reply.complete(Reply.ok(System.nanoTime() - start));
            end(false);
        }, -1);
        return await(reply);
    }

    /**
     * Stops the thread without the exit hook; {@code interrupt} also interrupts the task it runs. Requests still
     * waiting for this worker are answered NO_WORKER (their chunks never started), so no executor thread of the
     * member waits forever.
     */
    @Override
    public void end(boolean interrupt) {
        lock.lock();
        try {
            ended = true;
            work.signal();
        } finally {
            lock.unlock();
        }
        if (interrupt) {
            thread.interrupt();
        }
        for (CompletableFuture<Reply> reply : pending) {
            reply.complete(Reply.of(Reply.NO_WORKER));
        }
    }

    private CompletableFuture<Reply> pending() {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        pending.add(reply);
        if (ended) {
            reply.complete(Reply.of(Reply.NO_WORKER));
        }
        return reply;
    }

    private Reply await(CompletableFuture<Reply> reply) {
        try {
            return Reply.await(reply, answer -> answer, pool.codec);
        } finally {
            pending.remove(reply);
        }
    }

    /** The watchdog's check ({@link ThreadTimeout}): abandons the worker if its task ignored its interrupt. */
    void checkOverdue(long now, long timeoutNanos, FreezeClock freezes) {
        CompletableFuture<Reply> reply;
        Reply answer;
        synchronized (this) {
            ChunkRunner runner = running;
            if (runner == null || ended
                    || timeout.check(runner, thread, now, timeoutNanos, freezes) != ThreadTimeout.Verdict.IGNORED) {
                return;
            }
            int position = runner.position();
            timeout.chunkEnded();
            ended = true;
            reply = runningReply;
            running = null;
            runningReply = null;
            answer = Reply.done(pool.codec, runner.partial(position), Reply.ABANDONED, position);
        }
        reply.complete(answer);
        pool.forget(this);
        end(false); // chunks queued behind the stuck one go back to the pool
    }
}
