package dev.ensemble.internal.process;

import dev.ensemble.internal.backend.Backend;
import dev.ensemble.internal.backend.ExitResults;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.internal.platform.Log;
import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.schedule.Scheduler;
import dev.ensemble.internal.schedule.WorkSource;
import dev.ensemble.internal.wire.ApplicationLoader;
import dev.ensemble.internal.wire.ClassPathPackages;
import dev.ensemble.internal.wire.Serialization;
import dev.ensemble.internal.worker.Threads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Workers that are separate JVMs on this machine.
 *
 * <p><b>Shape.</b> Each slot ({@link ProcessSlot}) has a sender thread and, per worker process, a
 * {@link WorkerLink} with a reader thread ({@link LinkReader}). The sender blocks in {@link WorkSource#take} only
 * while its worker has nothing in flight, sends the chunk, and tops the pipeline up with {@link WorkSource#poll}
 * each time the reader reports an answer, so a busy worker finds its next short chunk already in its socket. The
 * reader never writes, so the worker's answers always drain and the two ends can never both block on full
 * sockets. A {@code submit} or {@code apply} hands its chunk to an idle worker from the caller's thread
 * ({@link #callOpened}). A call's task is sent once per worker ({@link Protocol#TASK_CACHE_SIZE}); a cancelled
 * call's chunks not yet started are skipped by the worker (CANCEL).
 *
 * <p><b>Faults.</b> When a worker process ends without being asked to, its reader reports the chunk it was
 * running as {@link WorkSource#lost} (with the results the worker had sent of it and the offset of the task it
 * had marked as running, so blame falls on the input that was running and finished work is kept), gives the
 * chunks it had not started back, and its slot starts a replacement; the scheduler re-runs or fails the lost
 * chunk by the pool's {@code retries}. An overdue task is detected by the worker itself, which reports it and
 * halts; a worker silent under a timeout is killed by the {@link FrozenWatchdog}. A worker that reached
 * {@code maxTasksPerWorker} is sent no more work, asked to exit once idle, and replaced.
 *
 * <p><b>States.</b> RUNNING → (scheduler closed) each sender sees {@code take} return null, asks its worker to
 * exit and ends → {@link #awaitExit} waits for every worker, then deletes the pool's directory. {@link #kill}
 * destroys the processes at once instead.
 */
public final class ProcessBackend implements Backend {
    /** The one slot this backend runs a worker for, or -1 for all (see {@link #forOneSlot}). */
    private final int onlySlot;

    private final PoolConfig config;
    private final WorkerLauncher launcher;
    private final InitFrame initFrame;
    private final ProcessSlot[] slots;
    private static final AtomicBoolean JDK_WARMED_UP = new AtomicBoolean();
    /** What the links share and report to: codec, source, settings (see {@link LinkHost}). */
    private final PoolLinks links;
    private volatile boolean stopping;
    private final FrozenWatchdog watchdog;
    private AotCache.Training training;

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


    private ProcessBackend(PoolConfig config, int onlySlot) {
        ApplicationLoader.get(); // chosen on the thread that builds the pool, which sees the application
        this.onlySlot = onlySlot;
        this.config = config;
        this.initFrame = new InitFrame(config);
        this.launcher = new WorkerLauncher(config);
        this.watchdog = new FrozenWatchdog(config.name(), this);
        this.slots = new ProcessSlot[config.workers()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new ProcessSlot(this, i);
        }
        this.links = new PoolLinks(config, launcher, initFrame, slots, watchdog);
    }

    @Override
    public ExitResults exitResults() {
        return links.exitResults();
    }

    boolean stopping() {
        return stopping;
    }

    @Override
    public void validate(Object function, String role) {
        links.codec().validate(function, role);
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
        links.source(source);
        List<Thread> starters = new ArrayList<>(slots.length);
        RuntimeException[] failures = new RuntimeException[slots.length];
        for (ProcessSlot slot : slots) {
            if (!hosts(slot)) {
                continue;
            }
            // Workers start in parallel: the pool is ready after the slowest, not after their sum.
            starters.add(Thread.ofPlatform().daemon().name(config.name() + "-start-" + slot.id).start(() -> {
                try {
                    slot.startFirst();
                } catch (StartFailure e) {
                    failures[slot.id] = e.forUser();
                } catch (RuntimeException e) {
                    failures[slot.id] = e;
                }
            }));
        }
        // Checked while the workers boot: it opens Fory's jar, the first time in a JVM (about 10 ms).
        RuntimeException unusableJar = null;
        try {
            Serialization.requireMultiReleaseJar();
        } catch (IllegalStateException e) {
            unusableJar = e;
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
        RuntimeException failure = unusableJar;
        for (RuntimeException f : failures) {
            if (f != null && failure == null) {
                failure = f;
            } else if (f != null) {
                failure.addSuppressed(f);
            }
        }
        if (failure != null || interrupted) {
            stopping = true;
            for (ProcessSlot slot : slots) {
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
        for (ProcessSlot slot : slots) {
            if (!hosts(slot)) {
                continue;
            }
            slot.link.startReader();
            slot.startSender();
        }
    }

    /** The current link of each slot that has one. */
    List<WorkerLink> links() {
        List<WorkerLink> links = new ArrayList<>(slots.length);
        for (ProcessSlot slot : slots) {
            WorkerLink link = slot.currentLink();
            if (link != null) {
                links.add(link);
            }
        }
        return links;
    }

    private boolean hosts(ProcessSlot slot) {
        return onlySlot < 0 || slot.id == onlySlot;
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
        for (ProcessSlot slot : slots) {
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
            WorkSource source = links.source();
            Chunk chunk = source.poll(slot.id, link.tasksLeft());
            if (chunk == null) {
                continue;
            }
            if (!link.send(chunk)) {
                source.returned(slot.id, chunk); // back in the queue; returned() wakes the workers
                return false;
            }
        }
        return !links.source().workWaiting();
    }

    private static final boolean DIRECT = !"false".equals(System.getProperty("ensemble.direct"));

    /**
     * Wakes every sender that waits for its worker's answer: to tell its worker about cancelled calls, or to send
     * it a chunk that was queued for it in a {@link WorkSource} other than a scheduler ({@link #forOneSlot}), so
     * that the chunk waits in the worker's socket rather than for the answer to the one the worker runs.
     */
    public void wakeSenders() {
        links.wakeSenders();
    }

    /** @return what this pool's worker links are given */
    LinkHost host() {
        return links;
    }

    /** Whether any slot has a live worker, or one being started. */
    boolean anyWorkerAlive() {
        for (ProcessSlot s : slots) {
            synchronized (s) {
                if (s.replacing || s.link != null && !s.link.ended()) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void awaitExit() {
        for (ProcessSlot slot : slots) {
            Threads.joinUninterruptibly(slot.sender, 0);
        }
        awaitProcesses(config.exitHookTimeout().toMillis());
        stopping = true;
        for (ProcessSlot slot : slots) {
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
        for (ProcessSlot slot : slots) {
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
        for (ProcessSlot slot : slots) {
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
        for (ProcessSlot slot : slots) {
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
    public void callCancelled(long callId) {
        for (WorkerLink link : links()) {
            link.sendCancels();
        }
    }

    @Override
    public void stopRunning(long callId) {
        for (ProcessSlot slot : slots) {
            WorkerLink link = slot.currentLink();
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
