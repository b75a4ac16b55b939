package dev.ensemble.internal.process;

import dev.ensemble.TaskTimeoutException;
import dev.ensemble.internal.worker.FreezeClock;
import dev.ensemble.internal.worker.Watchdog;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A pool's backstop for worker JVMs that stop answering (only under a task timeout, which makes silence
 * meaningful): every worker with work in flight that sent nothing for {@link #frozenLimit} is killed
 * ({@link WorkerLink#killIfFrozen}), and its task fails with {@link TaskTimeoutException} (or runs again, by
 * {@code retries}). A live worker is never silent that long: it sends a long chunk's results as they come and
 * halts itself when a task overruns; a silent one is stopped (SIGSTOP) or stuck as a whole. It runs on the pool's
 * {@link Watchdog}, from the first chunk that has a timeout, and looks a few times per frozen limit.
 */
final class FrozenWatchdog implements Watchdog.Round {
    private static final long MIN_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ProcessBackend backend;
    private final Watchdog watchdog;

    FrozenWatchdog(String poolName, ProcessBackend backend) {
        this.backend = backend;
        this.watchdog = new Watchdog(poolName + "-watchdog", this);
    }

    /** How long a worker running a task under {@code timeoutNanos} may stay silent before it counts as frozen. */
    static long frozenLimit(long timeoutNanos) {
        return timeoutNanos > Long.MAX_VALUE / 4 ? Long.MAX_VALUE / 2 : 2 * timeoutNanos + TimeUnit.SECONDS.toNanos(2);
    }

    /** A chunk with this task timeout is being sent: the watchdog runs, and looks often enough for it. */
    void cover(Duration timeout) {
        watchdog.cover(timeout.toNanos());
    }

    /** Stops the watchdog's thread, if it runs, and waits for it. */
    void stop() {
        watchdog.stop();
    }

    @Override
    public long tickNanos(long shortestTimeoutNanos) {
        return Math.clamp(frozenLimit(shortestTimeoutNanos) / 4, MIN_TICK_NANOS, MAX_TICK_NANOS);
    }

    @Override
    public void look(long now, FreezeClock freezes) {
        for (WorkerLink link : backend.links()) {
            link.killIfFrozen(now, freezes);
        }
    }
}
