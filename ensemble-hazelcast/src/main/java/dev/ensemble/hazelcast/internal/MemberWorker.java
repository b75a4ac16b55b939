package dev.ensemble.hazelcast.internal;

import dev.ensemble.Task;
import dev.ensemble.internal.worker.ChunkResult;
import dev.ensemble.internal.worker.ChunkRunner;
import dev.ensemble.internal.worker.CurrentWorker;
import dev.ensemble.internal.worker.WorkerState;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The worker of one slot on a member: a thread of its own that runs the start hook, then chunks, then the exit
 * hook, with the slot's {@link WorkerState} bound to it throughout (so a hook's thread-locals reach the tasks).
 * Hazelcast's executor thread that carries a request hands it over and waits for the answer, so a task that
 * ignores its timeout holds only this thread, which can be abandoned.
 */
final class MemberWorker {
    final MemberPool pool;
    final int slot;
    final int generation;
    private final WorkerState state;
    private final LinkedBlockingQueue<Runnable> jobs = new LinkedBlockingQueue<>();
    private final Set<CompletableFuture<Reply>> pending = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean ended;
    // What runs now, for the watchdog; guarded by this.
    private ChunkRunner running;
    private CompletableFuture<Reply> runningReply;
    private int timedOutPosition = -1;
    private long timedOutAtNanos;
    private ChunkRunner watchedRunner;
    private int watchedPosition = -1;
    private long watchedSinceNanos;

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
            while (!ended) {
                Runnable job;
                try {
                    job = jobs.take();
                } catch (InterruptedException e) {
                    continue;
                }
                job.run();
            }
        } finally {
            CurrentWorker.clear();
        }
    }

    Reply start() {
        CompletableFuture<Reply> reply = pending();
        jobs.add(() -> {
            long start = System.nanoTime();
            try {
                if (pool.setup.onStart() != null) {
                    pool.setup.onStart().run(state);
                }
                reply.complete(Reply.ok(System.nanoTime() - start));
            } catch (Throwable t) {
                ended = true;
                reply.complete(Reply.error(pool.codec, t));
            }
        });
        return await(reply);
    }

    Reply run(Task<Object, Object> task, Object[] inputs, MemberCall call) {
        CompletableFuture<Reply> reply = pending();
        boolean keepGoing = (call.flags & MemberCall.FLAG_KEEP_GOING) != 0;
        boolean timeEach = (call.flags & MemberCall.FLAG_TIME_EACH_TASK) != 0;
        long callId = call.callId;
        long waitNanos = call.number;
        jobs.add(() -> {
            ChunkRunner runner = new ChunkRunner(task, Arrays.asList(inputs), keepGoing, timeEach);
            synchronized (this) {
                running = runner;
                runningReply = reply;
            }
            ChunkResult result = runner.run(waitNanos, () -> pool.isCancelled(callId));
            synchronized (this) {
                if (ended) {
                    return; // abandoned by the watchdog, which answered for this chunk
                }
                running = null;
                runningReply = null;
                timedOutPosition = -1;
            }
            Thread.interrupted(); // an interrupt meant for a finished task must not hit the next one
            reply.complete(Reply.done(pool.codec, result, Reply.DONE, result.processed()));
        });
        return await(reply);
    }

    Reply stop() {
        CompletableFuture<Reply> reply = pending();
        jobs.add(() -> {
            ended = true;
            long start = System.nanoTime();
            try {
                if (pool.setup.onExit() != null) {
                    pool.setup.onExit().run(state);
                }
            } catch (Throwable t) {
                System.err.println("worker " + slot + " of pool " + pool.setup.name() + ": onWorkerExit threw " + t);
            }
            reply.complete(Reply.ok(System.nanoTime() - start));
        });
        return await(reply);
    }

    /**
     * Stops the thread without the exit hook; {@code interrupt} also interrupts the task it runs. Requests still
     * waiting for this worker are answered with an error, so no executor thread of the member waits forever.
     */
    void end(boolean interrupt) {
        ended = true;
        jobs.add(() -> { });
        if (interrupt) {
            thread.interrupt();
        }
        for (CompletableFuture<Reply> reply : pending) {
            reply.completeExceptionally(new IllegalStateException("pool " + pool.setup.name()
                    + " was closed on this cluster member before worker " + slot + " could answer"));
        }
    }

    private CompletableFuture<Reply> pending() {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        pending.add(reply);
        if (ended) {
            reply.completeExceptionally(new IllegalStateException("worker " + slot + " of pool " + pool.setup.name()
                    + " has ended on this cluster member"));
        }
        return reply;
    }

    private Reply await(CompletableFuture<Reply> reply) {
        try {
            return reply.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Reply.error(pool.codec, new IllegalStateException("the cluster member is shutting down"));
        } catch (ExecutionException e) {
            return Reply.error(pool.codec, e.getCause());
        } finally {
            pending.remove(reply);
        }
    }

    /** The watchdog's check: interrupt an overdue task, abandon the worker if the task ignores it. */
    void checkOverdue(long now, long timeoutNanos, long graceNanos) {
        CompletableFuture<Reply> reply;
        Reply answer;
        synchronized (this) {
            ChunkRunner runner = running;
            if (runner == null || ended) {
                return;
            }
            int position = runner.position();
            if (runner != watchedRunner || position != watchedPosition) {
                watchedRunner = runner;
                watchedPosition = position;
                watchedSinceNanos = now;
            }
            // Exact start if tasks are timed one by one; else when the watchdog first saw this one (one tick).
            long started = runner.taskStartNanos() != 0 ? runner.taskStartNanos() : watchedSinceNanos;
            if (now - started < timeoutNanos) {
                return;
            }
            if (timedOutPosition != position) {
                timedOutPosition = position;
                timedOutAtNanos = now;
                runner.markTimedOut(position);
                thread.interrupt();
                return;
            }
            if (now - timedOutAtNanos < graceNanos || runner.position() != position) {
                return;
            }
            ended = true;
            reply = runningReply;
            running = null;
            runningReply = null;
            answer = Reply.done(pool.codec, runner.partial(position), Reply.ABANDONED, position);
        }
        pool.forget(this);
        reply.complete(answer);
    }
}
