package dev.ensemble.internal.worker;

import dev.ensemble.Task;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Runs one chunk's tasks on the calling worker thread: the same code in a thread worker, a worker process and
 * a cluster member. Publishes which task is running and since when, so that a watchdog can time it out.
 *
 * <p>Stops at the first failure unless {@code keepGoing} (outcomes mode), and between tasks when the call is
 * cancelled.
 *
 * <p>Timing each task costs two {@code nanoTime} calls (about 40 ns), more than a trivial task itself, so a
 * chunk of tasks known to be cheap ({@code timeEachTask == false}) is timed as a whole and its slowest task is
 * not tracked; the running position is still published, with a release store (a plain move on x86), for
 * watchdogs.
 */
public final class ChunkRunner {
    private final Task<Object, Object> task;
    private final List<?> inputs;
    private final boolean keepGoing;
    private final boolean timeEachTask;
    private final Object[] values;
    private Throwable[] errors;
    @SuppressWarnings("unused") // accessed through POSITION
    private int position;
    private volatile long taskStartNanos;
    private volatile int timedOutAt = -1;

    private static final VarHandle POSITION;
    private static final VarHandle TIMED_OUT_AT;

    static {
        try {
            POSITION = MethodHandles.lookup().findVarHandle(ChunkRunner.class, "position", int.class);
            TIMED_OUT_AT = MethodHandles.lookup().findVarHandle(ChunkRunner.class, "timedOutAt", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Prepares a chunk whose tasks are each timed.
     *
     * @param task the task
     * @param inputs the chunk's inputs
     * @param keepGoing run every input even after a failure
     */
    public ChunkRunner(Task<Object, Object> task, List<?> inputs, boolean keepGoing) {
        this(task, inputs, keepGoing, true);
    }

    /**
     * Prepares a chunk.
     *
     * @param task the task
     * @param inputs the chunk's inputs
     * @param keepGoing run every input even after a failure
     * @param timeEachTask whether to time tasks one by one (for slowest-task insights and exact timeouts)
     */
    public ChunkRunner(Task<Object, Object> task, List<?> inputs, boolean keepGoing, boolean timeEachTask) {
        this.task = task;
        this.inputs = inputs;
        this.keepGoing = keepGoing;
        this.timeEachTask = timeEachTask;
        this.values = new Object[inputs.size()];
    }

    /**
     * Runs the tasks.
     *
     * @param waitNanos the time the worker waited for this chunk, reported back
     * @param cancelled polled between tasks
     * @return the values, errors and timings
     */
    public ChunkResult run(long waitNanos, BooleanSupplier cancelled) {
        long chunkStart = System.nanoTime();
        int processed = timeEachTask ? runTimed(cancelled) : runUntimed(cancelled);
        POSITION.setRelease(this, inputs.size());
        long work = System.nanoTime() - chunkStart;
        if (!timeEachTask && processed > 0) {
            slowestNanos = work / processed; // the mean stands in: no task of a cheap chunk is singled out
        }
        return new ChunkResult(values, errors, processed, waitNanos, work, slowestNanos, slowestOffset, 0);
    }

    private long slowestNanos;
    private int slowestOffset;

    private int runTimed(BooleanSupplier cancelled) {
        int n = inputs.size();
        for (int i = 0; i < n; i++) {
            if (i > 0 && cancelled.getAsBoolean()) {
                return i;
            }
            long start = System.nanoTime();
            taskStartNanos = start;
            POSITION.setRelease(this, i);
            try {
                values[i] = task.apply(inputs.get(i));
            } catch (Throwable t) {
                errorAt(i, t);
            }
            long took = System.nanoTime() - start;
            if (took > slowestNanos) {
                slowestNanos = took;
                slowestOffset = i;
            }
            if (stopsAfter(i)) {
                return i + 1;
            }
        }
        return n;
    }

    /** The same loop without per-task clocks, checking for cancellation every few tasks: for cheap tasks. */
    private int runUntimed(BooleanSupplier cancelled) {
        int n = inputs.size();
        for (int i = 0; i < n; i++) {
            if ((i & 63) == 63 && cancelled.getAsBoolean()) {
                return i;
            }
            POSITION.setOpaque(this, i);
            try {
                values[i] = task.apply(inputs.get(i));
            } catch (Throwable t) {
                errorAt(i, t);
            }
            if ((int) TIMED_OUT_AT.getOpaque(this) == i || errors != null) {
                if (stopsAfter(i)) {
                    return i + 1;
                }
            }
        }
        return n;
    }

    /** Settles a timeout of task {@code i}, and says whether the chunk stops there (a failure, fail-fast). */
    private boolean stopsAfter(int i) {
        if (timedOutAt == i) {
            // The watchdog interrupted this task: whatever it returned, its outcome is the timeout.
            Thread.interrupted();
            errorAt(i, new TimedOut());
        }
        return errors != null && errors[i] != null && !keepGoing;
    }

    private void errorAt(int offset, Throwable t) {
        if (errors == null) {
            errors = new Throwable[values.length];
        }
        values[offset] = null;
        errors[offset] = t;
    }

    /**
     * What is known of a chunk whose worker is being abandoned: the results of the tasks before the running one.
     * Safe to call from another thread, since each result is written before {@link #position()} moves past it.
     *
     * @param upTo the offset of the running task, as read from {@link #position()}
     * @return the results of offsets {@code [0, upTo)}
     */
    public ChunkResult partial(int upTo) {
        Object[] prefixValues = java.util.Arrays.copyOf(values, upTo);
        Throwable[] errorsNow = errors;
        Throwable[] prefixErrors = errorsNow == null ? null : java.util.Arrays.copyOf(errorsNow, upTo);
        return ChunkResult.prefix(prefixValues, prefixErrors, upTo);
    }

    /**
     * The first task before {@code upTo} that ended in a {@link VirtualMachineError} ({@code OutOfMemoryError} and
     * the like): a worker process does not report such a task as failed, it dies of it, so that the task runs
     * again elsewhere. Safe to call from another thread, as {@link #partial} is.
     *
     * @param upTo the offset of the running task, as read from {@link #position()}, or the tasks processed
     * @return its offset, or -1
     */
    public int firstFatal(int upTo) {
        Throwable[] errorsNow = errors;
        if (errorsNow != null) {
            for (int i = 0; i < upTo; i++) {
                if (errorsNow[i] instanceof VirtualMachineError) {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * The number of tasks in the chunk.
     *
     * @return the number of inputs
     */
    public int size() {
        return inputs.size();
    }

    /**
     * The offset of the task running now.
     *
     * @return the offset, or the chunk's size once it has finished
     */
    public int position() {
        return (int) POSITION.getAcquire(this);
    }

    /**
     * When the running task started, by {@link System#nanoTime()}, if tasks are timed one by one.
     *
     * @return the start time, or 0 if this chunk's tasks are not timed one by one
     */
    public long taskStartNanos() {
        return taskStartNanos;
    }

    /**
     * Marks the task at {@code offset} as timed out, so that its outcome is a timeout whatever it returns.
     *
     * @param offset the offset of the running task
     */
    public void markTimedOut(int offset) {
        timedOutAt = offset;
    }

    /** Placeholder error for a timed-out task; the scheduler replaces it with a {@code TaskTimeoutException}. */
    public static final class TimedOut extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** Creates the marker. */
        public TimedOut() {
            super("task timed out", null, false, false);
        }
    }
}
