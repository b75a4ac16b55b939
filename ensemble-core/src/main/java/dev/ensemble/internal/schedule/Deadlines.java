package dev.ensemble.internal.schedule;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The JVM's one timer of call deadlines: a daemon thread, made with the first call that has a deadline. */
final class Deadlines {
    /** How long the timer's thread outlives its last pending deadline. */
    private static final long IDLE_MILLIS = 200;

    private static final ScheduledThreadPoolExecutor TIMER;

    static {
        TIMER = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("ensemble-deadlines").factory());
        TIMER.setRemoveOnCancelPolicy(true);
        // The thread ends when no deadline is pending, so that none stays behind in an application.
        TIMER.setKeepAliveTime(IDLE_MILLIS, TimeUnit.MILLISECONDS);
        TIMER.allowCoreThreadTimeOut(true);
    }

    private Deadlines() {
    }

    static ScheduledFuture<?> schedule(Runnable action, Duration delay) {
        return TIMER.schedule(action, delay.toNanos(), TimeUnit.NANOSECONDS);
    }
}
