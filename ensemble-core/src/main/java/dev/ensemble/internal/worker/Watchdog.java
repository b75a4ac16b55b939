package dev.ensemble.internal.worker;

import dev.ensemble.internal.platform.Log;
import java.util.concurrent.locks.LockSupport;

/**
 * The thread that watches a pool's workers for task timeouts: the one watchdog of the pool's thread workers, of a
 * cluster member's thread workers ({@link ThreadTimeout} decides for each task) and of a pool's worker JVMs (which
 * time their own tasks; it kills the ones that froze). It starts the first time a timeout is {@linkplain #cover
 * covered}, since most pools have none, then looks at every tick the shortest covered timeout asks for, and at each
 * look hands its round the time and its record of this JVM's freezes, which no task's time counts.
 *
 * <p>Its users give it a named {@link Round} class, not lambdas: a pool of threads makes its watchdog as it starts,
 * and a JVM's first lambda costs milliseconds of linking there (see {@code Scheduler}).
 *
 * <p>Thread-safe. A round runs on the watchdog's thread, never under the watchdog's monitor; one that throws is
 * logged and the watchdog goes on, since a dead watchdog would let every later timeout pass unnoticed.
 */
public final class Watchdog {
    /** What the watchdog checks at each look, and how often it looks. */
    public interface Round {
        /**
         * The time between two looks.
         *
         * @param shortestTimeoutNanos the shortest task timeout covered
         * @return the time to wait before the next look
         */
        long tickNanos(long shortestTimeoutNanos);

        /**
         * Checks the watched workers.
         *
         * @param now {@link System#nanoTime()} at this look
         * @param freezes this JVM's freezes, which no task's time counts
         */
        void look(long now, FreezeClock freezes);
    }

    private final String name;
    private final Round round;
    private Thread thread;    // guarded by this
    private boolean stopped;  // guarded by this
    /** The shortest task timeout covered (the pool's or a call's): how often the watchdog looks. */
    private volatile long shortestTimeoutNanos = Long.MAX_VALUE;

    /**
     * Creates a watchdog; no thread starts until a timeout is covered.
     *
     * @param name its thread's name
     * @param round what it checks at each look, and how often
     */
    public Watchdog(String name, Round round) {
        this.name = name;
        this.round = round;
    }

    /**
     * A task will run under this timeout: the watchdog runs, and looks often enough for it.
     *
     * @param timeoutNanos the task timeout
     */
    public void cover(long timeoutNanos) {
        if (timeoutNanos < shortestTimeoutNanos) { // else it runs, and looks often enough already
            start(timeoutNanos);
        }
    }

    private synchronized void start(long timeoutNanos) {
        shortestTimeoutNanos = Math.min(shortestTimeoutNanos, timeoutNanos);
        if (thread == null && !stopped) {
            thread = Thread.ofPlatform().daemon().name(name).start(this::watch);
        }
    }

    /**
     * Stops the watchdog's thread, if it runs, and waits a moment for its look to end (its thread is a daemon);
     * it never starts again.
     */
    public void stop() {
        Thread running;
        synchronized (this) {
            stopped = true;
            running = thread;
        }
        if (running != null && running != Thread.currentThread()) {
            LockSupport.unpark(running);
            Threads.joinUninterruptibly(running, 1_000);
        }
    }

    private synchronized boolean stopped() {
        return stopped;
    }

    private void watch() {
        FreezeClock freezes = new FreezeClock();
        while (!stopped()) {
            long tick = round.tickNanos(shortestTimeoutNanos);
            LockSupport.parkNanos(this, tick);
            if (stopped()) {
                return;
            }
            long now = System.nanoTime();
            freezes.tick(now, tick);
            try {
                round.look(now, freezes);
            } catch (RuntimeException e) {
                Log.log(Watchdog.class, System.Logger.Level.ERROR, name + ": a look at the workers failed", e);
            }
        }
    }
}
