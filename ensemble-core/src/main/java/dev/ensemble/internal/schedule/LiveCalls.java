package dev.ensemble.internal.schedule;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;

/**
 * A scheduler's calls and its state: the calls not yet finished, the streams whose reader has not reached their
 * end, and whether the pool takes new calls. RUNNING → CLOSING (no new calls; workers exit once every call has
 * finished) → TERMINATED; or RUNNING/CLOSING → TERMINATED at once, cancelling every call. Close and terminate
 * cancel the unread streams even once computed. Guarded by the scheduler's lock: the methods that change the
 * state take it themselves; the others are called with it held.
 */
final class LiveCalls {
    enum State { RUNNING, CLOSING, TERMINATED }

    private final Scheduler scheduler;
    private final String poolName;
    private final Set<Call<?>> live = new LinkedHashSet<>();
    /** Streams whose reader has not reached their end: close and terminate cancel them, even once computed. */
    private final Set<Call<?>> unreadStreams = new LinkedHashSet<>();
    private State state = State.RUNNING;

    LiveCalls(Scheduler scheduler, String poolName) {
        this.scheduler = scheduler;
        this.poolName = poolName;
    }

    // ---- with the scheduler's lock held ----

    void requireRunning(String what) {
        if (state != State.RUNNING) {
            throw new IllegalStateException("pool " + poolName + " is " + (state == State.CLOSING ? "closing"
                    : "closed") + "; " + what + " needs a running pool (build a new one)");
        }
    }

    /** A call was opened: it is live, and a stream is unread until its reader is done with it. */
    void opened(Call<?> call) {
        live.add(call);
        if (call.isStream()) {
            unreadStreams.add(call);
        }
    }

    /** @return the calls not yet finished */
    Set<Call<?>> live() {
        return live;
    }

    /** Whether a call is live, or a stream whose reader is not done with it. */
    boolean holds(Call<?> call) {
        return live.contains(call) || unreadStreams.contains(call);
    }

    /** @return whether the call was live until now */
    boolean remove(Call<?> call) {
        return live.remove(call);
    }

    /** The reader of a stream reached its end, or gave up: close need not cancel it. */
    void streamRead(Call<?> call) {
        unreadStreams.remove(call);
    }

    /** Whether the pool is closing and no call is live: waiting workers may exit. */
    boolean closingAndEmpty() {
        return live.isEmpty() && state == State.CLOSING;
    }

    /** Whether workers should exit: the pool was terminated, or it is closing and every call finished. */
    boolean workersMayExit() {
        return state == State.TERMINATED || state == State.CLOSING && live.isEmpty();
    }

    boolean terminated() {
        return state == State.TERMINATED;
    }

    // ---- taking the scheduler's lock ----

    /** As {@link Scheduler#close()}. */
    void close() {
        scheduler.lock.lock();
        try {
            if (state == State.RUNNING) {
                state = State.CLOSING;
            }
            for (Call<?> call : List.copyOf(unreadStreams)) {
                call.cancel(new CancellationException("pool " + poolName + " was closed before this stream "
                        + "was read to its end"));
            }
            unreadStreams.clear();
            scheduler.workAvailable();
        } finally {
            scheduler.unlockAndRun();
        }
    }

    /** As {@link Scheduler#terminate(RuntimeException)}. */
    void terminate(RuntimeException reason) {
        scheduler.lock.lock();
        try {
            state = State.TERMINATED;
            RuntimeException terminated = reason;
            for (Call<?> call : List.copyOf(live)) {
                call.cancel(terminated);
            }
            for (Call<?> call : List.copyOf(unreadStreams)) {
                call.cancel(terminated);
            }
            unreadStreams.clear();
            scheduler.workAvailable();
        } finally {
            scheduler.unlockAndRun();
        }
    }

    /** As {@link Scheduler#closed()}. */
    void closed() {
        scheduler.lock.lock();
        try {
            state = State.TERMINATED;
        } finally {
            scheduler.unlockAndRun();
        }
    }

    boolean needsWorkers() {
        scheduler.lock.lock();
        try {
            return state == State.RUNNING || state == State.CLOSING && !live.isEmpty();
        } finally {
            scheduler.unlockAndRun();
        }
    }

    boolean isRunning() {
        scheduler.lock.lock();
        try {
            return state == State.RUNNING;
        } finally {
            scheduler.unlockAndRun();
        }
    }

    /** @return a copy of the calls not yet finished */
    List<Call<?>> snapshot() {
        scheduler.lock.lock();
        try {
            return List.copyOf(live);
        } finally {
            scheduler.unlockAndRun();
        }
    }

    /** @return the tasks of the live calls accepted and not finished */
    long pendingTasks() {
        long pending = 0;
        scheduler.lock.lock();
        try {
            for (Call<?> call : live) {
                pending += call.pendingTasks();
            }
        } finally {
            scheduler.unlockAndRun();
        }
        return pending;
    }
}
