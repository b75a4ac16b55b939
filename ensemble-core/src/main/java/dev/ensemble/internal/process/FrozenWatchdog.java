package dev.ensemble.internal.process;

import dev.ensemble.TaskTimeoutException;
import dev.ensemble.internal.worker.Threads;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A pool's backstop for worker JVMs that stop answering (only under a task timeout, which makes silence
 * meaningful): every worker with work in flight that sent nothing for {@link #frozenLimit} is killed
 * ({@link WorkerLink#killIfFrozen}), and its task fails with {@link TaskTimeoutException} (or runs again, by
 * {@code retries}). A live worker is never silent that long: it sends a long chunk's results as they come and
 * halts itself when a task overruns; a silent one is stopped (SIGSTOP) or stuck as a whole. Its thread starts
 * with the first chunk that has a timeout and looks a few times per shortest timeout seen.
 */
final class FrozenWatchdog {
    private final String poolName;
    private final ProcessBackend backend;
    private Thread thread;                                      // guarded by this
    private boolean stopped;                                    // guarded by this
    /** The shortest task timeout seen (the pool's or a call's): how often the watchdog looks. */
    private volatile long shortestTimeoutNanos = Long.MAX_VALUE;

    FrozenWatchdog(String poolName, ProcessBackend backend) {
        this.poolName = poolName;
        this.backend = backend;
    }

    /** How long a worker running a task under {@code timeoutNanos} may stay silent before it counts as frozen. */
    static long frozenLimit(long timeoutNanos) {
        return timeoutNanos > Long.MAX_VALUE / 4 ? Long.MAX_VALUE / 2 : 2 * timeoutNanos + TimeUnit.SECONDS.toNanos(2);
    }

    /** A chunk with this task timeout is being sent: the watchdog runs, and looks often enough for it. */
    void cover(Duration timeout) {
        if (timeout.toNanos() < shortestTimeoutNanos) { // else it runs, and looks often enough for this one
            start(timeout);
        }
    }

    private synchronized void start(Duration timeout) {
        shortestTimeoutNanos = Math.min(shortestTimeoutNanos, timeout.toNanos());
        if (thread == null && !stopped) {
            thread = Thread.ofPlatform().daemon().name(poolName + "-watchdog").start(this::watch);
        }
    }

    /** Stops the watchdog's thread, if it runs, and waits for it. */
    void stop() {
        Thread running;
        synchronized (this) {
            stopped = true;
            running = thread;
        }
        if (running != null) {
            LockSupport.unpark(running);
            Threads.joinUninterruptibly(running, 0);
        }
    }

    private synchronized boolean stopped() {
        return stopped;
    }

    private void watch() {
        while (!stopped()) {
            long shortestLimit = frozenLimit(shortestTimeoutNanos);
            LockSupport.parkNanos(this, Math.clamp(shortestLimit / 4, TimeUnit.MILLISECONDS.toNanos(100),
                    TimeUnit.SECONDS.toNanos(1)));
            long now = System.nanoTime();
            for (WorkerLink link : backend.links()) {
                link.killIfFrozen(now);
            }
        }
    }
}
