package dev.ensemble.internal.schedule;

import dev.ensemble.Insights;
import dev.ensemble.TaskFailedException;
import dev.ensemble.internal.idle.SpinBudget;
import dev.ensemble.internal.worker.ChunkResult;
import java.util.List;
import java.util.concurrent.locks.Condition;

/**
 * The worker side of a {@link Scheduler}: hands chunks to the workers that ask for them, makes waiting workers
 * look again when the work changed, and takes in what became of each chunk (completed, lost, given back) and of
 * each worker (started, exited). What a report tells insights ({@link SlotStatistics}) and recorders
 * ({@link WorkerEvents}) is told outside the scheduler's lock, and what it tells the chunk's call under it. The
 * queues are guarded by the scheduler's lock; the work's version is volatile, so that a spinning worker sees it
 * change without taking the lock.
 */
final class Dispatch {
    private final Scheduler scheduler;
    private final LiveCalls calls;
    private final WorkQueues queues;
    private final Condition workChanged;
    /** Counts the changes {@link #workChanged} signals, for a worker that spins instead of waiting for one. */
    private volatile long workVersion;
    private final int retries;
    /** Insights' figures: fed outside the lock, by the threads that take and report chunks. */
    private final SlotStatistics statistics;
    private volatile WorkerEvents events = WorkerEvents.NONE;

    Dispatch(Scheduler scheduler, LiveCalls calls, WorkQueues queues, int size, int retries) {
        this.scheduler = scheduler;
        this.calls = calls;
        this.queues = queues;
        this.workChanged = scheduler.lock.newCondition();
        this.retries = retries;
        this.statistics = new SlotStatistics(size);
    }

    void setWorkerEvents(WorkerEvents listener) {
        events = listener;
    }

    /** Wakes every worker waiting in {@link #take}: the work changed (scheduler lock held). */
    void signalWork() {
        workVersion++;
        workChanged.signalAll();
    }

    /** Tells only spinning workers that the work changed: none is woken (scheduler lock held). */
    void workChangedQuietly() {
        workVersion++;
    }

    Insights insights(String poolName, long pending) {
        return statistics.insights(poolName, pending);
    }

    List<Scheduler.SlotState> slotStates() {
        return statistics.states();
    }

    /** As {@link Scheduler#take(int, int, SpinBudget)}. */
    Chunk take(int slot, int limit, SpinBudget spin) throws InterruptedException {
        long waitStart = System.nanoTime();
        boolean spun = spin == null;
        Chunk taken;
        while (true) {
            long seen;
            scheduler.lock.lock();
            try {
                if (calls.workersMayExit()) {
                    return null;
                }
                Chunk chunk = queues.next(slot, limit, calls.live());
                if (chunk != null) {
                    if (spin != null) {
                        spin.waited(System.nanoTime() - waitStart);
                    }
                    taken = chunk;
                    break;
                }
                if (scheduler.hasDeferred()) {
                    continue; // complete the futures this thread settled (on unlock) before waiting
                }
                seen = workVersion;
                if (spun) {
                    workChanged.await();
                    continue;
                }
            } finally {
                scheduler.unlockAndRun();
            }
            spun = true;
            spin.spin(new WorkChanged(seen));
        }
        statistics.handed(slot);
        return taken;
    }

    Chunk poll(int slot, int limit) {
        Chunk chunk;
        scheduler.lock.lock();
        try {
            chunk = calls.terminated() ? null : queues.next(slot, limit, calls.live());
        } finally {
            scheduler.unlockAndRun();
        }
        if (chunk != null) {
            statistics.handed(slot);
        }
        return chunk;
    }

    boolean workWaiting() {
        scheduler.lock.lock();
        try {
            return queues.mayHaveWork();
        } finally {
            scheduler.unlockAndRun();
        }
    }

    void completed(int slot, Chunk chunk, ChunkResult result) {
        // Failures and the slow task's input are rendered first: that calls user code, never under the lock.
        TaskFailedException[] failures = chunk.call().taskFailures().of(chunk, slot, result);
        statistics.reported(slot, chunk, result, failures);
        events.chunkDone(chunk.call(), slot, chunk.firstIndex(), result.processed(), result.workNanos(),
                result.waitNanos());
        scheduler.lock.lock();
        try {
            chunk.call().accept(chunk, result, failures);
            if (queues.mayHaveWork()) {
                // The answer may have made room for more of a call (back-pressure, chunk sizing): wake the
                // workers. Not otherwise: after a lone submit, waking idle workers only takes the CPU from the
                // caller that waits for this answer.
                signalWork();
            }
        } finally {
            scheduler.unlockAndRun();
        }
    }

    void lost(int slot, Chunk chunk, ChunkResult partial, int failedOffset, TaskFailedException error, Loss loss) {
        TaskFailedException[] failures = chunk.call().taskFailures().of(chunk, slot, partial);
        events.workerLost(slot, error == null ? "" : Inputs.describe(error));
        statistics.reported(slot, chunk, partial, failures);
        Call.Retry retry = loss == Loss.RETRYABLE && chunk.attempt() < retries
                ? Call.Retry.ALLOWED : Call.Retry.NOT_ALLOWED;
        statistics.lost(chunk, partial == null ? 0 : partial.processed(), error, retry);
        scheduler.lock.lock();
        try {
            chunk.call().lost(chunk, partial, failures, failedOffset, error, retry);
            signalWork();
        } finally {
            scheduler.unlockAndRun();
        }
    }

    void returned(int slot, Chunk chunk) {
        scheduler.lock.lock();
        try {
            chunk.call().lifespan().givenBack(slot, chunk);
            scheduler.requeue(chunk);
        } finally {
            scheduler.unlockAndRun();
        }
    }

    void workerStarted(int slot, long startingNanos, long hookNanos, WorkerStart start) {
        events.workerStarted(slot, startingNanos, start);
        statistics.started(slot, startingNanos, hookNanos, start);
        scheduler.lock.lock();
        try {
            for (Call<?> call : calls.live()) {
                call.lifespan().workerReplaced(slot);
            }
        } finally {
            scheduler.unlockAndRun();
        }
    }

    void workerExited(int slot, long hookNanos) {
        statistics.exited(slot, hookNanos);
    }

    /**
     * What a spinning worker polls: whether the work changed since it looked. A named class rather than a lambda:
     * see the note on linking at the end of {@link Scheduler}.
     */
    private final class WorkChanged implements SpinBudget.Poll<Boolean, RuntimeException> {
        private final long seen;

        WorkChanged(long seen) {
            this.seen = seen;
        }

        @Override
        public Boolean poll() {
            return workVersion != seen ? Boolean.TRUE : null;
        }
    }
}
