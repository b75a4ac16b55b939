package dev.ensemble.internal;

import dev.ensemble.internal.schedule.WorkerStart;
import dev.ensemble.internal.backend.Backend;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.WorkerDiedException;
import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.schedule.Loss;
import dev.ensemble.internal.schedule.Inputs;
import dev.ensemble.internal.schedule.Scheduler;
import dev.ensemble.internal.worker.ChunkResult;
import dev.ensemble.internal.worker.ChunkRunner;
import dev.ensemble.internal.worker.CurrentWorker;
import dev.ensemble.internal.worker.WorkerState;
import java.io.Serial;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A test backend of threads whose workers can die: a task that throws {@link SimulatedDeath} ends its thread as
 * a crash ends a worker process. The backend then does what a process backend does on a death: reports the chunk
 * {@linkplain Scheduler#lost lost} (retryable, with the results of the tasks before the dead one), and starts a
 * replacement worker with a fresh {@link WorkerState} that runs the start hook again. So the scheduler's re-run
 * path and the rebuilding of instances are exercised for real before worker processes exist.
 */
final class DyingThreadsBackend implements Backend {
    /** Thrown by a task to kill its worker. */
    static final class SimulatedDeath extends Error {
        @Serial
        private static final long serialVersionUID = 1L;

        SimulatedDeath() {
            super("simulated worker death", null, false, false);
        }
    }

    private final PoolConfig config;
    private final AtomicReferenceArray<Thread> threads;
    private Scheduler scheduler;
    private volatile boolean stopping;

    DyingThreadsBackend(PoolConfig config) {
        this.config = config;
        this.threads = new AtomicReferenceArray<>(config.workers());
    }

    @Override
    public void start(Scheduler scheduler) {
        this.scheduler = scheduler;
        CountDownLatch ready = new CountDownLatch(threads.length());
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        for (int slot = 0; slot < threads.length(); slot++) {
            launch(slot, ready, failure);
        }
        try {
            ready.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (failure.get() != null) {
            scheduler.terminate();
            kill();
            throw failure.get();
        }
    }

    private void launch(int slot, CountDownLatch ready, AtomicReference<RuntimeException> failure) {
        threads.set(slot, Thread.ofPlatform().daemon().name(config.name() + "-dying-worker-" + slot)
                .start(() -> serve(slot, ready, failure)));
    }

    private void serve(int slot, CountDownLatch ready, AtomicReference<RuntimeException> failure) {
        WorkerState state = new WorkerState(slot, threads.length(), config.sharedObjects());
        CurrentWorker.set(state);
        try {
            long hookStart = System.nanoTime();
            try {
                if (config.onWorkerStart() != null) {
                    config.onWorkerStart().run(state);
                }
            } catch (Exception e) {
                IllegalStateException startFailure = new IllegalStateException("worker " + slot + " failed to "
                        + "start: " + e, e);
                if (ready != null) {
                    failure.compareAndSet(null, startFailure);
                    return;
                }
                // As the threads backend does with a replacement that fails to start: report it, serve anyway.
                System.err.println(startFailure.getMessage());
            } finally {
                if (ready != null) {
                    ready.countDown();
                }
            }
            scheduler.workerStarted(slot, 0, System.nanoTime() - hookStart,
                    ready == null ? WorkerStart.REPLACEMENT : WorkerStart.FIRST);
            while (true) {
                Chunk chunk;
                try {
                    chunk = scheduler.take(slot, Integer.MAX_VALUE);
                } catch (InterruptedException e) {
                    if (stopping) {
                        return;
                    }
                    continue;
                }
                if (chunk == null) {
                    break;
                }
                ChunkRunner runner = new ChunkRunner(chunk.task(), chunk.inputs(), chunk.keepGoing());
                ChunkResult result = runner.run(0, chunk::isCancelled);
                int died = result.firstErrorOffset();
                if (died >= 0 && result.errors()[died] instanceof SimulatedDeath) {
                    long index = chunk.firstIndex() + died;
                    String input = Inputs.render(chunk.inputs().get(died));
                    scheduler.lost(slot, chunk, runner.partial(died), new WorkerDiedException("worker " + slot
                            + " died (simulated) while running index " + index + " (input: " + input + ")", slot,
                            index, input, "simulated death", List.of()), Loss.RETRYABLE);
                    if (!stopping) {
                        launch(slot, null, null);
                    }
                    return; // a dead worker runs no exit hook
                }
                scheduler.completed(slot, chunk, result);
            }
            long exitStart = System.nanoTime();
            if (config.onWorkerExit() != null) {
                try {
                    config.onWorkerExit().run(state);
                } catch (Exception e) {
                    System.err.println("worker " + slot + ": onWorkerExit threw " + e);
                }
            }
            scheduler.workerExited(slot, System.nanoTime() - exitStart);
        } finally {
            CurrentWorker.clear();
        }
    }

    @Override
    public void awaitExit() {
        for (int slot = 0; slot < threads.length(); slot++) {
            // A dying worker starts its replacement before it ends, so the latest thread of a slot is its last.
            Thread t;
            do {
                t = threads.get(slot);
                join(t, Duration.ofDays(1));
            } while (threads.get(slot) != t);
        }
    }

    @Override
    public void kill() {
        stopping = true;
        for (int slot = 0; slot < threads.length(); slot++) {
            Thread t = threads.get(slot);
            if (t != null) {
                t.interrupt();
                join(t, Duration.ofSeconds(1));
            }
        }
    }

    private static void join(Thread t, Duration limit) {
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        try {
            t.join(limit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isWorkerThread() {
        for (int slot = 0; slot < threads.length(); slot++) {
            if (threads.get(slot) == Thread.currentThread()) {
                return true;
            }
        }
        return false;
    }
}
