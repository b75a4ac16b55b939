package dev.ensemble.internal.thread;

import dev.ensemble.internal.schedule.WorkerStart;
import dev.ensemble.internal.platform.Log;
import dev.ensemble.internal.backend.Backend;
import dev.ensemble.internal.backend.ExitResults;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.schedule.Failures;
import dev.ensemble.internal.schedule.Loss;
import dev.ensemble.internal.schedule.Scheduler;
import dev.ensemble.internal.idle.SpinBudget;
import dev.ensemble.internal.worker.ChunkResult;
import dev.ensemble.internal.worker.ChunkRunner;
import dev.ensemble.internal.worker.CurrentWorker;
import dev.ensemble.internal.worker.FreezeClock;
import dev.ensemble.internal.worker.ThreadTimeout;
import dev.ensemble.internal.worker.Threads;
import dev.ensemble.internal.worker.WorkerState;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Workers that are threads of this JVM, platform or virtual. Each slot runs one thread that pulls chunks.
 *
 * <p>Timeouts: a thread cannot be killed, so a watchdog interrupts an overdue task and marks it timed out; if
 * the thread has not come back after a grace period it is abandoned (its late results are dropped), the
 * unfinished rest of its chunk is re-queued, and a fresh thread takes the slot.
 */
public final class ThreadBackend implements Backend {
    private final ExitResults exitResults = new ExitResults();
    private final PoolConfig config;
    private final Slot[] slots;
    private Scheduler scheduler;
    private volatile Thread watchdog;
    /** The shortest task timeout seen (the pool's or a call's): how often the watchdog looks. */
    private volatile long shortestTimeoutNanos = Long.MAX_VALUE;
    private volatile boolean stopping;

    /** One worker slot: the thread serving it now and what it is running. */
    private final class Slot {
        final int id;
        volatile Thread thread;
        volatile int generation;
        volatile ChunkRunner running;
        volatile Chunk runningChunk;
        final ThreadTimeout timeout = new ThreadTimeout(); // guarded by this

        Slot(int id) {
            this.id = id;
        }
    }

    /**
     * Creates the backend; nothing starts until {@link #start}.
     *
     * @param config the pool's options
     */
    public ThreadBackend(PoolConfig config) {
        this.config = config;
        this.slots = new Slot[config.workers()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(i);
        }
    }

    @Override
    public void start(Scheduler scheduler) {
        this.scheduler = scheduler;
        CountDownLatch ready = new CountDownLatch(slots.length);
        AtomicReference<RuntimeException> startFailure = new AtomicReference<>();
        for (Slot slot : slots) {
            launch(slot, ready, startFailure, false);
        }
        Backend.awaitStarted(this, config.name(), scheduler, ready, startFailure);
        if (config.taskTimeout() != null) {
            ensureWatchdog(config.taskTimeout());
        }
    }

    /** Starts the watchdog the first time a chunk has a task timeout (the pool's, or only a call's). */
    private synchronized void ensureWatchdog(Duration timeout) {
        shortestTimeoutNanos = Math.min(shortestTimeoutNanos, timeout.toNanos());
        if (watchdog == null && !stopping) {
            watchdog = Thread.ofPlatform().daemon().name(config.name() + "-watchdog").start(this::watch);
        }
    }

    private void launch(Slot slot, CountDownLatch ready, AtomicReference<RuntimeException> startFailure,
            boolean replacement) {
        int generation = ++slot.generation;
        long asked = System.nanoTime();
        Runnable body = new Runnable() { // not a lambda: see Scheduler (linking)
            @Override
            public void run() {
                serve(slot, generation, asked, ready, startFailure, replacement);
            }
        };
        String name = config.name() + "-worker-" + slot.id;
        slot.thread = config.kind() == PoolConfig.Kind.VIRTUAL_THREADS
                ? Thread.ofVirtual().name(name).start(body)
                : Thread.ofPlatform().daemon().name(name).start(body);
    }

    private void serve(Slot slot, int generation, long asked, CountDownLatch ready,
            AtomicReference<RuntimeException> startFailure, boolean replacement) {
        WorkerState state = new WorkerState(slot.id, slots.length, config.sharedObjects());
        CurrentWorker.set(state);
        try {
            if (!startWorker(slot, state, asked, replacement, startFailure)) {
                return;
            }
            if (ready != null) {
                ready.countDown();
                ready = null;
            }
            long tasksSinceStart = 0;
            long lastEnd = System.nanoTime();
            // A virtual thread does not spin: it would hold a carrier thread that other virtual threads need.
            SpinBudget spin = config.kind() == PoolConfig.Kind.VIRTUAL_THREADS ? null : new SpinBudget();
            while (true) {
                int limit = config.maxTasksPerWorker() > 0
                        ? (int) Math.min(Integer.MAX_VALUE, config.maxTasksPerWorker() - tasksSinceStart)
                        : Integer.MAX_VALUE;
                Chunk chunk;
                try {
                    chunk = scheduler.take(slot.id, limit, spin);
                } catch (InterruptedException e) {
                    if (stopping) {
                        return;
                    }
                    continue;
                }
                if (chunk == null) {
                    break;
                }
                if (chunk.taskTimeout() != null && chunk.taskTimeout().toNanos() < shortestTimeoutNanos) {
                    ensureWatchdog(chunk.taskTimeout());
                }
                ChunkRunner runner = new ChunkRunner(chunk.task(), chunk.inputs(), chunk.keepGoing(), chunk.timeEachTask());
                slot.runningChunk = chunk;
                slot.running = runner;
                ChunkResult result = runner.run(System.nanoTime() - lastEnd, new Cancelled(chunk));
                synchronized (slot) {
                    if (slot.generation != generation) {
                        return; // abandoned by the watchdog, which reported this chunk
                    }
                    slot.running = null;
                    slot.runningChunk = null;
                    slot.timeout.chunkEnded();
                }
                Thread.interrupted(); // an interrupt meant for a finished task must not hit the next one
                lastEnd = System.nanoTime();
                scheduler.completed(slot.id, chunk, result);
                tasksSinceStart += result.processed();
                if (config.maxTasksPerWorker() > 0 && tasksSinceStart >= config.maxTasksPerWorker()
                        || chunk.recycleAfter()) {
                    exitWorker(slot, state);
                    state = new WorkerState(slot.id, slots.length, config.sharedObjects());
                    CurrentWorker.set(state);
                    if (!startWorker(slot, state, System.nanoTime(), true, null)) {
                        return;
                    }
                    tasksSinceStart = 0;
                    lastEnd = System.nanoTime();
                }
            }
            exitWorker(slot, state);
        } finally {
            if (ready != null) {
                ready.countDown();
            }
            CurrentWorker.clear();
        }
    }

    private boolean startWorker(Slot slot, WorkerState state, long asked, boolean replacement,
            AtomicReference<RuntimeException> startFailure) {
        long hookStart = System.nanoTime();
        if (config.onWorkerStart() != null) {
            try {
                config.onWorkerStart().run(state);
            } catch (Throwable t) {
                RuntimeException failure = new IllegalStateException("worker " + slot.id + " of pool "
                        + config.name() + " failed to start: onWorkerStart threw " + t, t);
                if (startFailure != null) {
                    startFailure.compareAndSet(null, failure);
                } else {
                    Log.log(ThreadBackend.class, System.Logger.Level.ERROR, failure.getMessage(), t);
                }
                return startFailure == null;
            }
        }
        long now = System.nanoTime();
        scheduler.workerStarted(slot.id, hookStart - asked, now - hookStart,
                replacement ? WorkerStart.REPLACEMENT : WorkerStart.FIRST);
        return true;
    }

    private void exitWorker(Slot slot, WorkerState state) {
        long hookStart = System.nanoTime();
        if (config.onWorkerExit() != null) {
            try {
                config.onWorkerExit().run(state);
            } catch (Throwable t) {
                Log.log(ThreadBackend.class, System.Logger.Level.WARNING, "worker " + slot.id + " of pool "
                        + config.name() + ": onWorkerExit threw " + t, t);
            }
        }
        if (config.exitResult() != null) {
            try {
                exitResults.add(slot.id, config.exitResult().apply(state));
            } catch (Throwable t) {
                exitResults.fail(slot.id, t);
            }
        }
        scheduler.workerExited(slot.id, System.nanoTime() - hookStart);
    }

    @Override
    public ExitResults exitResults() {
        return exitResults;
    }

    private void watch() {
        FreezeClock freezes = new FreezeClock();
        while (!stopping) {
            long tick = ThreadTimeout.tickNanos(shortestTimeoutNanos);
            LockSupport.parkNanos(tick);
            long now = System.nanoTime();
            freezes.tick(now, tick);
            for (Slot slot : slots) {
                checkOverdue(slot, now, freezes);
            }
        }
    }

    private void checkOverdue(Slot slot, long now, FreezeClock freezes) {
        Chunk chunk;
        ChunkResult partial;
        int position;
        Duration timeout;
        synchronized (slot) {
            ChunkRunner runner = slot.running;
            chunk = slot.runningChunk;
            if (runner == null || chunk == null || chunk.taskTimeout() == null) {
                return;
            }
            timeout = chunk.taskTimeout();
            if (slot.timeout.check(runner, slot.thread, now, timeout.toNanos(), freezes)
                    != ThreadTimeout.Verdict.IGNORED) {
                return;
            }
            // The task ignored its interrupt: give up on the thread.
            position = runner.position();
            slot.generation++;
            slot.running = null;
            slot.runningChunk = null;
            slot.timeout.chunkEnded();
            partial = runner.partial(position);
        }
        scheduler.lost(slot.id, chunk, partial, Failures.timedOut(config.name(), slot.id, chunk, position, timeout,
                "it ignored its interrupt, and its thread was abandoned and replaced"), Loss.FINAL);
        if (!stopping) {
            launch(slot, null, null, true);
        }
    }

    @Override
    public void awaitExit() {
        for (Slot slot : slots) {
            Threads.joinUninterruptibly(slot.thread, 0);
        }
        stopWatchdog();
    }

    @Override
    public void kill() {
        stopping = true;
        for (Slot slot : slots) {
            Thread t = slot.thread;
            if (t != null) {
                t.interrupt();
            }
        }
        for (Slot slot : slots) {
            Threads.joinUninterruptibly(slot.thread, 1_000);
        }
        stopWatchdog();
    }

    private void stopWatchdog() {
        stopping = true;
        if (watchdog != null) {
            watchdog.interrupt();
            LockSupport.unpark(watchdog);
            Threads.joinUninterruptibly(watchdog, 1_000);
        }
    }

    @Override
    public void stopRunning(long callId) {
        for (Slot slot : slots) {
            Chunk chunk = slot.runningChunk;
            Thread thread = slot.thread;
            if (chunk != null && chunk.callId() == callId && thread != null) {
                thread.interrupt(); // the task sees it if it waits; the chunk stops before its next task anyway
            }
        }
    }

    @Override
    public boolean isWorkerThread() {
        Thread me = Thread.currentThread();
        for (Slot slot : slots) {
            if (slot.thread == me) {
                return true;
            }
        }
        return false;
    }

    /** Whether a chunk's call was cancelled. A named class, not a lambda: see Scheduler (linking). */
    private record Cancelled(Chunk chunk) implements java.util.function.BooleanSupplier {
        @Override
        public boolean getAsBoolean() {
            return chunk.isCancelled();
        }
    }
}
