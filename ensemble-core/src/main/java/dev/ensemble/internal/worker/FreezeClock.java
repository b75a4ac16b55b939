package dev.ensemble.internal.worker;

/**
 * What a task-timeout watchdog knows of its JVM's freezes (SIGSTOP, a long GC pause): a tick that comes much later
 * than it slept means the whole JVM stood still, and that time is no task's. Each watchdog (a pool's thread
 * workers, a member's, a worker JVM's) keeps one and judges a task from the later of its start and the last
 * resume. Used by one thread.
 */
public final class FreezeClock {
    /** A tick late by more than this means the JVM was frozen. */
    private static final long FROZEN_NANOS = 1_000_000_000L;

    private long lastTick = System.nanoTime();
    private long resumedAt = lastTick;

    /**
     * Records a tick of the watchdog.
     *
     * @param now {@link System#nanoTime()} at the tick
     * @param sleptNanos how long the watchdog meant to sleep before it
     */
    public void tick(long now, long sleptNanos) {
        if (now - lastTick > sleptNanos + FROZEN_NANOS) {
            resumedAt = now;
        }
        lastTick = now;
    }

    /**
     * When a task's time counts from: its start, or the end of a freeze since.
     *
     * @param taskStart {@link System#nanoTime()} when the task started
     * @return the later of the two
     */
    public long countFrom(long taskStart) {
        return resumedAt - taskStart > 0 ? resumedAt : taskStart;
    }
}
