package dev.ensemble.internal.process;

import dev.ensemble.internal.backend.Backend;
import dev.ensemble.internal.backend.ExitResults;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.internal.platform.Log;
import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.schedule.Failures;
import dev.ensemble.internal.schedule.Loss;
import dev.ensemble.internal.schedule.Scheduler;
import dev.ensemble.internal.schedule.WorkSource;
import dev.ensemble.internal.wire.ApplicationLoader;
import dev.ensemble.internal.wire.ClassPathPackages;
import dev.ensemble.internal.wire.Serialization;
import dev.ensemble.internal.worker.ChunkResult;
import dev.ensemble.internal.worker.Threads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.fory.memory.MemoryBuffer;

/**
 * Workers that are separate JVMs on this machine.
 *
 * <p><b>Shape.</b> Each slot has a sender thread and, per worker process, a {@link WorkerLink} with a reader
 * thread. The sender blocks in {@link Scheduler#take} only while its
 * worker has nothing in flight, sends the chunk, and tops the pipeline up with {@link Scheduler#poll} each time
 * the reader reports an answer, so a busy worker finds its next short chunk already in its socket. The reader
 * never writes, so the worker's answers always drain and the two ends can never both block on full sockets. A
 * {@code submit} or {@code apply} hands its chunk to an idle worker from the caller's thread
 * ({@link #callOpened}). A call's task is sent once per worker ({@link Protocol#TASK_CACHE_SIZE}); a cancelled
 * call's chunks not yet started are skipped by the worker (CANCEL).
 *
 * <p><b>Faults.</b> When a worker process ends without being asked to, its reader reports the chunk it was
 * running as {@link Scheduler#lost} (with the results the worker had sent of it and the offset of the task it
 * had marked as running, so blame falls on the input that was running and finished work is kept), gives the chunks it had not started back to the scheduler, and starts
 * a replacement; the scheduler re-runs or fails the lost chunk by the pool's {@code retries}. An overdue task is
 * detected by the worker itself, which reports it and halts. A worker that reached {@code maxTasksPerWorker}
 * is sent no more work, asked to exit once idle, and replaced.
 *
 * <p><b>States.</b> RUNNING → (scheduler closed) each sender sees {@code take} return null, asks its worker to
 * exit and ends → {@link #awaitExit} waits for every worker, then deletes the pool's directory. {@link #kill}
 * destroys the processes at once instead.
 */
public final class ProcessBackend implements Backend {
    /** The first wait before starting a lost worker's replacement again; doubled after each failed start. */
    private static final long FIRST_REPLACEMENT_BACKOFF_MILLIS = 100;
    /** The longest wait between starts: a kill storm (an OOM killer) costs at most this once it ends. */
    private static final long MAX_REPLACEMENT_BACKOFF_MILLIS = 2_000;

    /** The one slot this backend runs a worker for, or -1 for all (see {@link #forOneSlot}). */
    private final int onlySlot;

    private final PoolConfig config;
    private final WorkerLauncher launcher;
    private final InitFrame initFrame;
    private final Slot[] slots;
    /** How chunks are encoded for this pool's workers and their values read back. */
    private final ChunkCodec codec = new ChunkCodec();
    private static final java.util.concurrent.atomic.AtomicBoolean JDK_WARMED_UP =
            new java.util.concurrent.atomic.AtomicBoolean();
    /** Where the senders take chunks and the links report them: the pool's scheduler, or a member's queue. */
    private WorkSource source;
    private volatile boolean stopping;
    private final FrozenWatchdog watchdog;
    private AotCache.Training training;
    /** Senders waiting in {@code take}: while any is, no worker gets a second chunk queued. */
    private final java.util.concurrent.atomic.AtomicInteger idleSenders = new java.util.concurrent.atomic.AtomicInteger();

    /** A worker slot: its sender thread and its current worker. */
    private final class Slot {
        final int id;
        WorkerLink link;          // guarded by this
        boolean replacing;        // guarded by this
        boolean finished;         // guarded by this: the sender asked for the final exit
        int generations;          // guarded by this
        Thread sender;
        volatile boolean inTake;  // the sender waits in take: its worker has nothing in flight

        Slot(int id) {
            this.id = id;
        }

        /** The live worker of this slot, waiting while it is being replaced; null if there is none for good. */
        synchronized WorkerLink awaitLink() throws InterruptedException {
            while (!stopping && (replacing || link == null || link.ended())) {
                if (link != null && link.settled && !replacing) {
                    return null; // finished, or could not be replaced
                }
                wait();
            }
            return stopping ? null : link;
        }
    }

    /**
     * Checks that the pool's shared objects and hooks can be sent to workers; starts nothing.
     *
     * @param config the pool's options
     * @throws IllegalArgumentException if the shared objects or a hook cannot be serialized
     */
    public ProcessBackend(PoolConfig config) {
        this(config, -1);
    }

    /**
     * Worker processes for one slot of a pool whose other slots run elsewhere: a cluster member that hosts that
     * slot's worker in a JVM of its own. The worker is told its slot and the pool's size ({@code config.workers()}),
     * as in a pool of this machine; {@link #start(WorkSource)} starts only it, and the member's {@link WorkSource}
     * gives it the chunks the pool sends there. No AOT cache is trained for it (a training run would hold the slot's stop for
     * seconds); a cache trained by a local pool of the same class path is used.
     *
     * @param config the pool's options, with its total number of workers
     * @param slot the slot this backend hosts, from 0 to {@code config.workers() - 1}
     * @return the backend; nothing is started
     * @throws IllegalArgumentException if the shared objects or a hook cannot be serialized, or the slot is out of
     *     range
     */
    public static ProcessBackend forOneSlot(PoolConfig config, int slot) {
        if (slot < 0 || slot >= config.workers()) {
            throw new IllegalArgumentException("slot " + slot + " is not one of the " + config.workers()
                    + " slots of pool " + config.name());
        }
        return new ProcessBackend(config, slot);
    }

    private final ExitResults exitResults = new ExitResults();

    private ProcessBackend(PoolConfig config, int onlySlot) {
        ApplicationLoader.get(); // chosen on the thread that builds the pool, which sees the application
        Serialization.requireMultiReleaseJar();
        this.onlySlot = onlySlot;
        this.config = config;
        this.initFrame = new InitFrame(config);
        this.launcher = new WorkerLauncher(config);
        this.watchdog = new FrozenWatchdog(config.name(), this::links);
        this.slots = new Slot[config.workers()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(i);
        }
    }

    String poolName() {
        return config.name();
    }

    /** Records what a worker's EXITED said of the pool's exit function. */
    void collectExitResult(int slot, byte kind, byte[] bytes) {
        try {
            switch (kind) {
                case Protocol.EXIT_VALUE -> exitResults.add(slot, ChunkCodec.serialization().read(MemoryBuffer.fromByteArray(bytes)));
                case Protocol.EXIT_FAILED -> exitResults.fail(slot, Serialization.decodeThrowable(bytes));
                default -> {
                    // no exit function
                }
            }
        } catch (RuntimeException e) {
            exitResults.fail(slot, new IllegalStateException("worker " + slot + "'s exit value could not be read "
                    + "here: " + e.getMessage(), e));
        }
    }

    @Override
    public ExitResults exitResults() {
        return exitResults;
    }

    WorkerLauncher launcher() {
        return launcher;
    }

    WorkSource source() {
        return source;
    }

    /** The INIT frame, once this side has built it (see {@link #start}). */
    byte[] initFrame() {
        return initFrame.get();
    }

    java.time.Duration keepWarm() {
        return config.keepWarm();
    }

    long maxTasksPerWorker() {
        return config.maxTasksPerWorker();
    }

    int idleSenders() {
        return idleSenders.get();
    }

    boolean stopping() {
        return stopping;
    }

    @Override
    public void validate(Object function, String role) {
        codec.validate(function, role);
    }

    /** @return how this pool's chunks are encoded and values read */
    ChunkCodec codec() {
        return codec;
    }

    @Override
    public void start(Scheduler scheduler) {
        start((WorkSource) scheduler);
    }

    /**
     * Starts the workers this backend hosts, taking their chunks from {@code source}; returns when all are ready.
     *
     * @param source where the workers take chunks and report them
     * @throws RuntimeException if a worker could not start; the backend has stopped the others
     */
    public void start(WorkSource source) {
        this.source = source;
        List<Thread> starters = new ArrayList<>(slots.length);
        RuntimeException[] failures = new RuntimeException[slots.length];
        for (Slot slot : slots) {
            if (!hosts(slot)) {
                continue;
            }
            // Workers start in parallel: the pool is ready after the slowest, not after their sum.
            starters.add(Thread.ofPlatform().daemon().name(config.name() + "-start-" + slot.id).start(() -> {
                try {
                    WorkerLink link = null;
                    List<String> warmKey = launcher.warmKey();
                    while (link == null) {
                        WarmWorkers.Idle idle = WarmWorkers.take(warmKey);
                        if (idle == null) {
                            break;
                        }
                        link = WorkerSpawn.adopt(this, slot.id, 0, idle);
                    }
                    if (link == null) {
                        link = WorkerSpawn.launch(this, slot.id, 0);
                    }
                    synchronized (slot) {
                        slot.link = link;
                        slot.generations = 1;
                    }
                } catch (StartFailure e) {
                    failures[slot.id] = e.forUser();
                } catch (RuntimeException e) {
                    failures[slot.id] = e;
                }
            }));
        }
        // The first pool of a JVM lists the class path here (tens of ms), while the workers boot. Its Fory (a few
        // hundred ms of CPU) waits: see ChunkCodec.jdkFirst.
        initFrame.build();
        if (Serialization.parentIfBuilt() == null && JDK_WARMED_UP.compareAndSet(false, true)) {
            // The first calls go JDK-serialized (see ChunkCodec.jdkFirst): load that machinery now, while the workers boot.
            Serialization.warmUpJdk(ClassPathPackages.ofThisJvm());
        }
        boolean interrupted = false;
        for (Thread starter : starters) {
            while (true) {
                try {
                    starter.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        RuntimeException failure = null;
        for (RuntimeException f : failures) {
            if (f != null && failure == null) {
                failure = f;
            } else if (f != null) {
                failure.addSuppressed(f);
            }
        }
        if (failure != null || interrupted) {
            stopping = true;
            for (Slot slot : slots) {
                if (slot.link != null) {
                    slot.link.kill();
                    slot.link.startReader();
                }
            }
            awaitProcesses(5_000);
            launcher.deleteDirectory();
            if (interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting pool " + config.name());
            }
            throw failure;
        }
        training = onlySlot < 0 ? launcher.startAotTraining() : null;
        if (config.taskTimeout() != null) {
            watchdog.cover(config.taskTimeout());
        }
        for (Slot slot : slots) {
            if (!hosts(slot)) {
                continue;
            }
            slot.link.startReader();
            slot.sender = Thread.ofPlatform().daemon().name(config.name() + "-worker-" + slot.id + "-sender")
                    .start(() -> feed(slot));
        }
    }

    /** The current link of each slot that has one. */
    private List<WorkerLink> links() {
        List<WorkerLink> links = new ArrayList<>(slots.length);
        for (Slot slot : slots) {
            synchronized (slot) {
                if (slot.link != null) {
                    links.add(slot.link);
                }
            }
        }
        return links;
    }

    /** A chunk with a task timeout is being sent: a worker that freezes under it is killed. */
    void coverTimeout(java.time.Duration timeout) {
        watchdog.cover(timeout);
    }

    private boolean hosts(Slot slot) {
        return onlySlot < 0 || slot.id == onlySlot;
    }

    /**
     * The sender loop of a slot, across its workers' lives: blocks in {@code take} only when its worker has
     * nothing in flight, else tops the pipeline up with {@code poll} each time an answer arrives. Only this
     * thread writes chunks, so the reader (which never writes) can always drain the worker's answers: two sides
     * blocked writing to each other cannot happen.
     */
    private void feed(Slot slot) {
        try {
            while (true) {
                WorkerLink link = slot.awaitLink();
                if (link == null) {
                    return;
                }
                long seen = link.answers();
                link.sendCancels();
                int inFlight = link.awaitRoom();
                if (link.ended()) {
                    continue;
                }
                long left = link.tasksLeft();
                if (left <= 0) {
                    if (inFlight == 0) {
                        link.requestExit(); // recycled: the reader starts the replacement once it has exited
                        link.awaitEnd();
                    } else {
                        link.awaitAnswer(seen);
                    }
                    continue;
                }
                int limit = (int) Math.min(Integer.MAX_VALUE, left);
                Chunk chunk;
                if (inFlight == 0) {
                    // No spin here: a submit or broadcast reaches an idle worker from the caller's thread
                    // (callOpened), and a sender spinning as well took the CPU from the caller and the workers
                    // (measured: a broadcast's round trip 190 -> 230-290 us with a spinning sender).
                    idleSenders.incrementAndGet();
                    slot.inTake = true;
                    try {
                        chunk = source.take(slot.id, limit);
                    } finally {
                        slot.inTake = false;
                        idleSenders.decrementAndGet();
                    }
                    if (chunk == null) {
                        finish(slot);
                        return;
                    }
                } else {
                    chunk = idleSenders.get() > 0 ? null : source.poll(slot.id, limit);
                    if (chunk == null) {
                        link.awaitAnswer(seen);
                        continue;
                    }
                }
                WorkerLink current = slot.awaitLink();
                if (current == null || !current.send(chunk)) {
                    source.returned(slot.id, chunk);
                    if (current == null) {
                        return;
                    }
                    if (current.processGone()) {
                        current.awaitEnd(); // its reader reports the death and starts the replacement
                    }
                }
            }
        } catch (InterruptedException e) {
            // kill(): the workers are being destroyed
        }
    }

    /** The pool is closing and has no more work: the slot's worker runs its exit hook and exits. */
    private void finish(Slot slot) throws InterruptedException {
        synchronized (slot) {
            slot.finished = true;
        }
        WorkerLink last = slot.awaitLink();
        if (last != null && !config.keepWarm().isZero() && last.tasksLeft() > 0) {
            last.requestRetire(); // kept warm for the next pool; a worker due for recycling exits instead
        } else if (last != null) {
            last.requestExit();
        }
    }

    /**
     * Sends a just-opened call's chunks from the caller's thread to idle workers: the sender threads' wake-ups
     * (tens of µs on a busy machine) are then off the round trip, and no sender is woken at all when it worked.
     * Each idle worker gets at most one chunk, the next one the scheduler has for its slot (the call's, or one
     * that was queued before it). {@code -Densemble.direct=false} turns this off.
     */
    @Override
    public boolean callOpened(long callId) {
        if (!DIRECT || stopping) {
            return false;
        }
        for (Slot slot : slots) {
            if (!slot.inTake) {
                continue;
            }
            WorkerLink link;
            synchronized (slot) {
                link = slot.replacing ? null : slot.link;
            }
            if (link == null || link.ended() || !link.idle() || link.tasksLeft() <= 0) {
                continue;
            }
            Chunk chunk = source.poll(slot.id, (int) Math.min(Integer.MAX_VALUE, link.tasksLeft()));
            if (chunk == null) {
                continue;
            }
            if (!link.send(chunk)) {
                source.returned(slot.id, chunk); // back in the queue; returned() wakes the workers
                return false;
            }
        }
        return !source.workWaiting();
    }

    private static final boolean DIRECT = !"false".equals(System.getProperty("ensemble.direct"));

    /**
     * Wakes every sender that waits for its worker's answer: to tell its worker about cancelled calls, or to send
     * it a chunk that was queued for it in a {@link WorkSource} other than a scheduler ({@link #forOneSlot}), so
     * that the chunk waits in the worker's socket rather than for the answer to the one the worker runs.
     */
    public void wakeSenders() {
        for (Slot slot : slots) {
            WorkerLink link;
            synchronized (slot) {
                link = slot.link;
            }
            if (link != null) {
                link.wake();
            }
        }
    }

    /** A chunk that could not be encoded at all: its first input fails with the reason, the rest runs again. */
    void failUnsent(int slot, Chunk chunk, RuntimeException error) {
        source.completed(slot, chunk, ChunkResult.firstInputFailed(error, 0));
    }

    /**
     * Reports the chunk a dead or timed-out worker was running: {@code doneUpTo} tasks have results, the task at
     * {@code runningOffset} (at least {@code doneUpTo}) is the one blamed.
     */
    void reportLost(int slot, Chunk chunk, ChunkResult partial, int doneUpTo, int runningOffset, int timedOutAt,
            String status, String reason, List<String> lastLines) {
        int offset = Math.min(runningOffset, chunk.size() - 1);
        if (timedOutAt >= 0) {
            source.lost(slot, chunk, partial, offset, Failures.timedOut(config.name(), slot, chunk, offset,
                    chunk.taskTimeout(), "its worker process was killed and replaced"), Loss.FINAL);
            return;
        }
        source.lost(slot, chunk, partial, offset, Failures.died(config.name(), slot, chunk, offset,
                "its worker process died (" + status + (reason != null ? "; " + reason : "")
                        + "); the worker was replaced", status, lastLines), Loss.RETRYABLE);
    }

    /** A worker process ended (reported already): start its replacement unless the pool is stopping. */
    void linkEnded(WorkerLink link, boolean clean) {
        Slot slot = slots[link.slot];
        synchronized (slot) {
            link.settled = true;
            if (slot.link != link || stopping || slot.finished) {
                slot.notifyAll();
                return;
            }
            slot.replacing = true;
            slot.notifyAll();
        }
        WorkerLink replacement = null;
        StartFailure previous = null;
        StartFailure lasting = null;
        long backoff = FIRST_REPLACEMENT_BACKOFF_MILLIS;
        // Transient failures (a replacement killed while booting) are retried for as long as the pool runs; a start
        // failure that repeats itself (bad jvmArgs, a missing class, a start hook that always throws) ends the slot.
        while (!stopping && source.needsWorkers()) {
            int generation;
            synchronized (slot) {
                generation = slot.generations++;
            }
            try {
                replacement = WorkerSpawn.launch(this, slot.id, generation);
                break;
            } catch (RuntimeException e) {
                StartFailure failure = e instanceof StartFailure f ? f
                        : new StartFailure(e.toString(), e);
                if (failure.repeats(previous)) {
                    lasting = failure;
                    break;
                }
                previous = failure;
                long wait = backoff;
                Log.log(ProcessBackend.class, System.Logger.Level.WARNING, () -> "pool " + config.name()
                        + ": replacing worker " + slot.id + " failed; trying again in " + wait + " ms: "
                        + failure.getMessage());
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoff));
                backoff = Math.min(MAX_REPLACEMENT_BACKOFF_MILLIS, 2 * backoff);
            }
        }
        synchronized (slot) {
            slot.replacing = false;
            if (replacement != null && !stopping) {
                slot.link = replacement;
                replacement.startReader();
            } else if (replacement != null) {
                replacement.kill();
                replacement.startReader();
            }
            slot.notifyAll();
        }
        if (lasting != null && !stopping) {
            // No worker for this slot any more: if none is left, nothing could ever run; fail the pool's calls.
            boolean anyAlive = false;
            for (Slot s : slots) {
                synchronized (s) {
                    anyAlive |= s.replacing || s.link != null && !s.link.ended();
                }
            }
            StartFailure why = lasting;
            Log.log(ProcessBackend.class, System.Logger.Level.ERROR, () -> "pool " + config.name() + ": worker "
                    + slot.id + " cannot be started again: it failed the same way twice: " + why.getMessage());
            if (!anyAlive) {
                source.terminate(new IllegalStateException("pool " + config.name() + " has no worker left: a lost "
                        + "worker's replacement failed to start twice the same way (see the cause); the pool was "
                        + "terminated", lasting));
            }
        }
    }

    /** @return how long a worker may take to end after its exit hook, at close */
    java.time.Duration exitGracePeriod() {
        return config.exitGracePeriod();
    }

    /** @return how long a worker's start hook may take, or null for no limit */
    java.time.Duration startHookTimeout() {
        return config.startHookTimeout();
    }

    @Override
    public void awaitExit() {
        for (Slot slot : slots) {
            Threads.joinUninterruptibly(slot.sender, 0);
        }
        awaitProcesses(config.exitHookTimeout().toMillis());
        stopping = true;
        for (Slot slot : slots) {
            synchronized (slot) {
                slot.notifyAll();
            }
        }
        watchdog.stop();
        if (training != null) {
            training.finish(120_000);
        }
        launcher.deleteDirectory();
    }

    @Override
    public void kill() {
        stopping = true;
        for (Slot slot : slots) {
            synchronized (slot) {
                if (slot.link != null) {
                    slot.link.kill();
                }
                slot.notifyAll();
            }
            if (slot.sender != null) {
                slot.sender.interrupt();
            }
        }
        for (Slot slot : slots) {
            Threads.joinUninterruptibly(slot.sender, 0);
        }
        awaitProcesses(10_000);
        watchdog.stop();
        if (training != null) {
            training.finish(0);
        }
        launcher.deleteDirectory();
    }


    /**
     * Waits until the worker of every slot has ended and been reported (and no replacement is starting); kills
     * those still running at the deadline.
     */
    private void awaitProcesses(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (Slot slot : slots) {
            boolean killed = false;
            synchronized (slot) {
                while (slot.replacing || slot.link != null && !slot.link.settled) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        if (killed) {
                            break;
                        }
                        killed = true;
                        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                        if (slot.link != null) {
                            int id = slot.id;
                            Log.log(ProcessBackend.class, System.Logger.Level.WARNING, () -> "pool " + config.name()
                                    + ": worker " + id + " did not finish its exit hook within exitHookTimeout ("
                                    + config.exitHookTimeout() + "); killing it");
                            slot.link.kill();
                        }
                        continue;
                    }
                    try {
                        slot.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    @Override
    public void stopRunning(long callId) {
        for (Slot slot : slots) {
            WorkerLink link;
            synchronized (slot) {
                link = slot.link;
            }
            if (link != null && link.isRunning(callId)) {
                link.kill(); // as a task timeout: the worker is replaced; its other chunks run elsewhere
            }
        }
    }

    @Override
    public boolean isWorkerThread() {
        return false; // tasks run in other JVMs; no thread here runs one
    }
}
