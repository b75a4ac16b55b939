package dev.ensemble.internal.thread;

import dev.ensemble.internal.schedule.WorkerStart;
import dev.ensemble.internal.platform.Log;
import dev.ensemble.internal.backend.Backend;
import dev.ensemble.internal.backend.ExitResults;
import dev.ensemble.internal.backend.Lifespan;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.internal.backend.SlotDriver;
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
import dev.ensemble.internal.worker.Watchdog;
import dev.ensemble.internal.worker.WorkerState;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Workers that are threads of this JVM, platform or virtual. Each slot runs one thread that pulls chunks.
 *
 * <p>Timeouts: a thread cannot be killed, so a watchdog interrupts an overdue task and marks it timed out; if
 * the thread has not come back after a grace period it is abandoned (its late results are dropped), the
 * unfinished rest of its chunk is re-queued, and a fresh thread takes the slot.
 */
public final class ThreadBackend implements Backend {
    private final PoolConfig config;
    /** Made by the first worker's exit with an exit function: a pool's first result need not load its class. */
    private ExitResults exitResults; // guarded by this
    private final Slot[] slots;
    private Scheduler scheduler;
    /** Made by the first chunk with a task timeout: most pools have none, and need not load its classes. */
    private volatile Watchdog watchdog; // made under this
    private volatile boolean stopping;

    /** One worker slot: the thread serving it now and what it is running. */
    private final class Slot {
        final int id;
        volatile Thread thread;
        volatile int generation;
        volatile ChunkRunner running;
        volatile Chunk runningChunk;
        ThreadTimeout timeout; // guarded by this; made by the watchdog's first look at the slot

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
            cover(config.taskTimeout());
        }
    }

    private void launch(Slot slot, CountDownLatch ready, AtomicReference<RuntimeException> startFailure,
            boolean replacement) {
        int generation = ++slot.generation;
        ThreadWorker worker = new ThreadWorker(slot, generation, System.nanoTime(), ready, startFailure, replacement);
        String name = config.name() + "-worker-" + slot.id;
        if (config.kind() == PoolConfig.Kind.VIRTUAL_THREADS) {
            slot.thread = Thread.ofVirtual().name(name).start(worker);
        } else {
            // Not Thread.ofPlatform(): no ExecutorService loads its builder classes, and each class a thread pool's
            // first result loads costs a fresh JVM a fraction of a millisecond (docs/start-up.md).
            Thread thread = new Thread(worker, name);
            thread.setDaemon(true);
            slot.thread = thread;
            thread.start();
        }
    }

    /**
     * A slot's thread as the {@link SlotDriver} feeds it: it runs each chunk it is given on the spot, so it never
     * holds one when asked; recycling runs the exit and start hooks on the same thread. It is the thread's body
     * and its chunks' cancellation check too: named classes rather than lambdas (see Scheduler, linking), and one
     * rather than three (each class a thread pool's first result loads costs a fresh JVM; docs/start-up.md).
     */
    private final class ThreadWorker implements SlotDriver.Worker, Runnable, java.util.function.BooleanSupplier {
        private final Slot slot;
        private final int generation;
        private final long asked;
        private CountDownLatch ready; // counted down once, by this worker's thread
        private final AtomicReference<RuntimeException> startFailure;
        private final boolean replacement;
        WorkerState state; // made on the worker's own thread, as is the lifespan
        private Lifespan lifespan;
        private long lastEnd;
        private boolean ended; // abandoned by the watchdog, or a recycled worker's start hook failed
        /** The chunk running now, whose call's cancellation {@link #getAsBoolean} reports. */
        private Chunk running;

        ThreadWorker(Slot slot, int generation, long asked, CountDownLatch ready,
                AtomicReference<RuntimeException> startFailure, boolean replacement) {
            this.slot = slot;
            this.generation = generation;
            this.asked = asked;
            this.ready = ready;
            this.startFailure = startFailure;
            this.replacement = replacement;
        }

        /** The thread's body: starts the worker, then serves the slot until the pool stops. */
        @Override
        public void run() {
            state = new WorkerState(slot.id, slots.length, config.sharedObjects());
            lifespan = new Lifespan(config.maxTasksPerWorker());
            CurrentWorker.set(state);
            try {
                if (!startWorker(slot, state, asked, replacement, startFailure)) {
                    return;
                }
                if (ready != null) {
                    ready.countDown();
                    ready = null;
                }
                started();
                // A virtual thread does not spin: it would hold a carrier thread that other virtual threads need.
                SpinBudget spin = config.kind() == PoolConfig.Kind.VIRTUAL_THREADS ? null : SpinBudget.yielding();
                SlotDriver.run(scheduler, slot.id, this, spin, null);
            } finally {
                if (ready != null) {
                    ready.countDown();
                }
                CurrentWorker.clear();
            }
        }

        /** Whether the running chunk's call was cancelled: the chunk then stops before its next task. */
        @Override
        public boolean getAsBoolean() {
            return running.isCancelled();
        }

        /** Its start hook ran: the wait for its first chunk counts from now. */
        void started() {
            lastEnd = System.nanoTime();
        }

        @Override
        public int awaitRoom() {
            return ended ? -1 : 0;
        }

        @Override
        public int room() {
            return lifespan.room();
        }

        @Override
        public void awaitAnswer() {
            // never holds a chunk when asked
        }

        @Override
        public boolean give(Chunk chunk) {
            if (!lifespan.give(chunk)) {
                return false; // given back by another worker, and too large for this one
            }
            if (chunk.taskTimeout() != null) {
                cover(chunk.taskTimeout()); // the pool's, or only this call's
            }
            if (!runChunk(this, chunk)) {
                ended = true; // abandoned by the watchdog, which reported this chunk
            }
            lastEnd = System.nanoTime();
            return true;
        }

        @Override
        public void recycle() {
            exitWorker(slot, state);
            state = new WorkerState(slot.id, slots.length, config.sharedObjects());
            CurrentWorker.set(state);
            if (!startWorker(slot, state, System.nanoTime(), true, null)) {
                ended = true;
                return;
            }
            lifespan = new Lifespan(config.maxTasksPerWorker());
            lastEnd = System.nanoTime();
        }

        @Override
        public void finish() {
            exitWorker(slot, state);
        }

        @Override
        public boolean stopping() {
            return stopping;
        }
    }

    /** Runs a chunk on {@code worker}'s thread and reports it; false if the watchdog abandoned it meanwhile. */
    private boolean runChunk(ThreadWorker worker, Chunk chunk) {
        Slot slot = worker.slot;
        ChunkRunner runner = new ChunkRunner(chunk.task(), chunk.inputs(), chunk.keepGoing(), chunk.timeEachTask());
        slot.runningChunk = chunk;
        slot.running = runner;
        worker.running = chunk;
        ChunkResult result = runner.run(System.nanoTime() - worker.lastEnd, worker);
        synchronized (slot) {
            if (slot.generation != worker.generation) {
                return false;
            }
            slot.running = null;
            slot.runningChunk = null;
            if (slot.timeout != null) {
                slot.timeout.chunkEnded();
            }
        }
        Thread.interrupted(); // an interrupt meant for a finished task must not hit the next one
        scheduler.completed(slot.id, chunk, result);
        worker.lifespan.notRun(chunk.size() - result.processed());
        return true;
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
            ExitResults results = exitResults();
            try {
                results.add(slot.id, config.exitResult().apply(state));
            } catch (Throwable t) {
                results.fail(slot.id, t);
            }
        }
        scheduler.workerExited(slot.id, System.nanoTime() - hookStart);
    }

    @Override
    public synchronized ExitResults exitResults() {
        if (exitResults == null) {
            exitResults = new ExitResults();
        }
        return exitResults;
    }

    /** A chunk runs under this task timeout: the watchdog runs, and looks often enough for it. */
    private void cover(Duration timeout) {
        Watchdog w = watchdog; // read without the lock: every chunk with a timeout comes here
        if (w == null) {
            synchronized (this) {
                if (watchdog == null) {
                    if (stopping) {
                        return; // set before stopWatchdog looks: a watchdog made now would never be stopped
                    }
                    watchdog = new Overdue().watchdog();
                }
                w = watchdog;
            }
        }
        w.cover(timeout.toNanos());
    }

    private void stopWatchdog() {
        Watchdog w;
        synchronized (this) {
            w = watchdog;
        }
        if (w != null) {
            w.stop();
        }
    }

    /** The watchdog's round: {@link ThreadTimeout} judges each slot's running task. */
    private final class Overdue extends ThreadTimeout.Round {
        /** The pool's watchdog, looking with this round: made here, so that verifying the backend loads neither. */
        Watchdog watchdog() {
            return new Watchdog(config.name() + "-watchdog", this);
        }

        @Override
        public void look(long now, FreezeClock freezes) {
            for (Slot slot : slots) {
                checkOverdue(slot, now, freezes);
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
                if (slot.timeout == null) {
                    slot.timeout = new ThreadTimeout();
                }
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
    }

    @Override
    public void awaitExit() {
        for (Slot slot : slots) {
            Threads.joinUninterruptibly(slot.thread, 0);
        }
        stopping = true;
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
}
