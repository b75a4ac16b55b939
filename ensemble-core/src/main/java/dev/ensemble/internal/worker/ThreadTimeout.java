package dev.ensemble.internal.worker;

/**
 * The task-timeout rule of a worker that is a thread, which cannot be killed: a watchdog that finds the running
 * task over its timeout marks it timed out and interrupts the thread; if a grace period later the task is still
 * the same one, it ignored the interrupt, and the worker gives up on the thread (answers for its chunk and
 * replaces it). The pool's thread workers and a cluster member's follow it; a worker JVM times its own tasks and is
 * killed instead.
 *
 * <p>A task's time counts from its start when tasks are timed one by one, else from when the watchdog first saw it
 * running (within one tick), and never includes a freeze of the whole JVM ({@link FreezeClock}).
 *
 * <p>One per worker thread, used under the lock that guards that worker's running chunk.
 */
public final class ThreadTimeout {
    /** The shortest and longest watchdog tick: often enough for short timeouts, rarely enough to cost nothing. */
    private static final long MIN_TICK_NANOS = 1_000_000L;
    private static final long MAX_TICK_NANOS = 50_000_000L;
    /** The least time an interrupted task has to stop, however short its timeout. */
    private static final long MIN_GRACE_NANOS = 200_000_000L;

    private ChunkRunner watchedRunner;
    private int watchedPosition = -1;
    private long watchedSinceNanos;
    private int timedOutPosition = -1;
    private long timedOutAtNanos;

    /** What {@link #check} found. */
    public enum Verdict {
        /** No task is over its timeout, or an interrupted one still has time to stop. */
        WITHIN,
        /** The task was over its timeout: it is marked timed out and its thread interrupted. */
        INTERRUPTED,
        /** The task ignored its interrupt for the grace period: give up on the thread. */
        IGNORED
    }

    /**
     * How often a watchdog looks: four times per timeout, within 1 and 50 ms.
     *
     * @param timeoutNanos the shortest task timeout it watches
     * @return the time between two looks
     */
    public static long tickNanos(long timeoutNanos) {
        return Math.clamp(timeoutNanos / 4, MIN_TICK_NANOS, MAX_TICK_NANOS);
    }

    /**
     * Checks the task a worker thread runs.
     *
     * @param runner the chunk it runs
     * @param thread the worker thread, interrupted if its task is found over time
     * @param now {@link System#nanoTime()} at this look
     * @param timeoutNanos the chunk's task timeout
     * @param freezes the watchdog's record of its JVM's freezes
     * @return the verdict; after {@link Verdict#IGNORED} the caller answers for the chunk up to
     *     {@code runner.position()} and calls {@link #chunkEnded}
     */
    public Verdict check(ChunkRunner runner, Thread thread, long now, long timeoutNanos, FreezeClock freezes) {
        int position = runner.position();
        if (position >= runner.size()) {
            return Verdict.WITHIN; // its last task has ended; the worker is about to report the chunk
        }
        if (runner != watchedRunner || position != watchedPosition) {
            watchedRunner = runner;
            watchedPosition = position;
            watchedSinceNanos = now;
        }
        long started = freezes.countFrom(runner.taskStartNanos() != 0 ? runner.taskStartNanos() : watchedSinceNanos);
        if (now - started < timeoutNanos) {
            return Verdict.WITHIN;
        }
        if (timedOutPosition != position) {
            timedOutPosition = position;
            timedOutAtNanos = now;
            runner.markTimedOut(position);
            thread.interrupt();
            return Verdict.INTERRUPTED;
        }
        if (now - timedOutAtNanos < Math.max(timeoutNanos, MIN_GRACE_NANOS) || runner.position() != position) {
            return Verdict.WITHIN;
        }
        return Verdict.IGNORED;
    }

    /** A watchdog's round over thread workers: it looks at the pace {@link #tickNanos} sets. */
    public abstract static class Round implements Watchdog.Round {
        /** For subclasses. */
        protected Round() {
        }

        @Override
        public final long tickNanos(long shortestTimeoutNanos) {
            return ThreadTimeout.tickNanos(shortestTimeoutNanos);
        }
    }

    /** The worker's chunk ended, or the worker gave up on its thread: the next chunk's tasks start unmarked. */
    public void chunkEnded() {
        timedOutPosition = -1;
    }
}
