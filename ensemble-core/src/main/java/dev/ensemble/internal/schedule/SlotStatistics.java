package dev.ensemble.internal.schedule;

import dev.ensemble.Insights;
import dev.ensemble.TaskFailedException;
import dev.ensemble.internal.worker.ChunkResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The figures behind {@link Scheduler#insights()} and {@link Scheduler#slotStates()}: per-slot counts and
 * timings, the pool's failed and retried tasks, and its slowest tasks.
 *
 * <p>The scheduler's {@link Dispatch} feeds it from the threads that take and report chunks, never under the
 * scheduler's lock: this class has its own monitor, held only to add numbers or copy them, so a snapshot never
 * delays dispatch. Each figure is recorded before the chunk's results reach its call, so a caller that has its
 * results sees them counted.
 */
final class SlotStatistics {
    /** How many of the slowest tasks insights keep. */
    private static final int SLOWEST_KEPT = 5;

    private final Slot[] slots;
    // AtomicLong, not LongAdder: failures are rare, and a JVM's first LongAdder initializes Striped64 (its var
    // handles, a few ms interpreted), which a thread pool's first result would pay.
    private final AtomicLong tasksFailed = new AtomicLong();
    private final AtomicLong tasksRetried = new AtomicLong();
    /** Shortest first, so the head is the one to drop; guarded by this. */
    private final PriorityQueue<Insights.SlowTask> slowest = new PriorityQueue<>(ByDuration.INSTANCE);
    /** The shortest duration in {@link #slowest} once it is full (0 before): read without the monitor. */
    private volatile long slowestFloorNanos;

    /** One slot's figures; a replaced worker's add up with its replacement's. Guarded by the outer monitor. */
    private static final class Slot {
        int chunksHeld;
        boolean started;
        boolean exited;
        long tasks;
        long startingNanos;
        long startHookNanos;
        long waitNanos;
        long workNanos;
        long exitHookNanos;
        int restarts;
    }

    SlotStatistics(int size) {
        slots = new Slot[size];
        for (int i = 0; i < size; i++) {
            slots[i] = new Slot();
        }
    }

    /** A chunk was handed to the slot's worker. */
    synchronized void handed(int slot) {
        slots[slot].chunksHeld++;
    }

    /**
     * The slot's worker reported a chunk, finished or (with {@code result} null or partial) lost with it. Renders
     * the slowest task's input, user code, before taking the monitor.
     *
     * @param failures the chunk's failures as its call renders them, or null
     */
    void reported(int slot, Chunk chunk, ChunkResult result, TaskFailedException[] failures) {
        countFailures(failures);
        Insights.SlowTask slow = result == null ? null : slowTask(slot, chunk, result);
        synchronized (this) {
            Slot s = slots[slot];
            s.chunksHeld--;
            if (result != null) {
                s.tasks += result.processed();
                s.waitNanos += result.waitNanos();
                s.workNanos += result.workNanos();
                if (slow != null) {
                    addSlow(slow);
                }
            }
        }
    }

    /**
     * Counts what became of a lost chunk's unfinished tasks: they run again, or the one it was running failed.
     *
     * @param done how many of its tasks had reported results
     * @param error what the running task gets if it does not run again, or null
     */
    void lost(Chunk chunk, int done, TaskFailedException error, Call.Retry retry) {
        if (retry == Call.Retry.ALLOWED) {
            tasksRetried.addAndGet(Math.max(0, chunk.size() - done));
        } else if (error != null && done < chunk.size()) {
            tasksFailed.incrementAndGet();
        }
    }

    /** A worker started on the slot. */
    synchronized void started(int slot, long startingNanos, long hookNanos, WorkerStart start) {
        Slot s = slots[slot];
        s.started = true;
        s.exited = false;
        s.startingNanos += startingNanos;
        s.startHookNanos += hookNanos;
        if (start == WorkerStart.REPLACEMENT) {
            s.restarts++;
        }
    }

    /** The slot's worker exited. */
    synchronized void exited(int slot, long hookNanos) {
        slots[slot].exited = true;
        slots[slot].exitHookNanos += hookNanos;
    }

    /**
     * A snapshot of the figures.
     *
     * @param poolName the pool's name
     * @param pendingTasks tasks accepted and not finished, counted by the scheduler
     */
    synchronized Insights insights(String poolName, long pendingTasks) {
        List<Insights.WorkerStats> workers = new ArrayList<>(slots.length);
        for (int i = 0; i < slots.length; i++) {
            Slot s = slots[i];
            workers.add(new Insights.WorkerStats(i, s.tasks, Duration.ofNanos(s.startingNanos),
                    Duration.ofNanos(s.startHookNanos), Duration.ofNanos(s.waitNanos),
                    Duration.ofNanos(s.workNanos), Duration.ofNanos(s.exitHookNanos), s.restarts));
        }
        List<Insights.SlowTask> slow = new ArrayList<>(slowest);
        slow.sort(ByDuration.INSTANCE.reversed());
        return new Insights(poolName, workers, slow, tasksFailed.get(), tasksRetried.get(), pendingTasks);
    }

    /** What each slot is doing now, in slot order. */
    synchronized List<Scheduler.SlotState> states() {
        List<Scheduler.SlotState> states = new ArrayList<>(slots.length);
        for (Slot s : slots) {
            states.add(!s.started ? Scheduler.SlotState.STARTING : s.exited ? Scheduler.SlotState.EXITED
                    : s.chunksHeld > 0 ? Scheduler.SlotState.WORKING : Scheduler.SlotState.IDLE);
        }
        return states;
    }

    private void countFailures(TaskFailedException[] failures) {
        if (failures != null) {
            for (TaskFailedException f : failures) {
                if (f != null) {
                    tasksFailed.incrementAndGet();
                }
            }
        }
    }

    /** The chunk's slowest task if it may enter the slowest kept; its input rendered by the reporting thread. */
    private Insights.SlowTask slowTask(int slot, Chunk chunk, ChunkResult result) {
        if (result.processed() <= 0 || result.slowestNanos() <= slowestFloorNanos) {
            return null;
        }
        int offset = Math.min(result.slowestOffset(), chunk.size() - 1);
        return new Insights.SlowTask(slot, chunk.firstIndex() + offset, Inputs.render(chunk.inputs().get(offset)),
                Duration.ofNanos(result.slowestNanos()));
    }

    private void addSlow(Insights.SlowTask slow) {
        if (slowest.size() < SLOWEST_KEPT || slowest.peek().duration().compareTo(slow.duration()) < 0) {
            slowest.add(slow);
            if (slowest.size() > SLOWEST_KEPT) {
                slowest.poll();
            }
            if (slowest.size() == SLOWEST_KEPT) {
                slowestFloorNanos = slowest.peek().duration().toNanos();
            }
        }
    }

    /** Slow tasks, shortest first. A named class rather than a lambda: see the note on linking in Scheduler. */
    private static final class ByDuration implements Comparator<Insights.SlowTask> {
        static final ByDuration INSTANCE = new ByDuration();

        @Override
        public int compare(Insights.SlowTask a, Insights.SlowTask b) {
            return a.duration().compareTo(b.duration());
        }
    }
}
