package dev.ensemble.internal.schedule;

import dev.ensemble.CallOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A scheduler's {@link CallObserver}s, and the rule that each hears of a call opening before it hears of it
 * finishing, even when a worker finishes the call before its opener has announced it. The scheduler tells this
 * class of each call under its lock, which only records; the observers are called from what that returns, which
 * the scheduler runs after its lock is released ({@link Scheduler#afterUnlock}). This class's own monitor guards
 * the calls not yet announced and is never held while an observer runs.
 */
final class CallEvents {
    private final List<CallObserver> observers = new CopyOnWriteArrayList<>();
    /** Calls opened and not yet announced, with their options (null for a call of placed inputs). */
    private final Map<Call<?>, CallOptions> unannounced = new HashMap<>();   // guarded by this
    /** Calls that finished before they were announced, with why they failed (null if they did not). */
    private final Map<Call<?>, Throwable> finishedEarly = new HashMap<>();   // guarded by this

    void add(CallObserver observer) {
        observers.add(observer);
    }

    void remove(CallObserver observer) {
        observers.remove(observer);
    }

    /**
     * A call was opened (the scheduler's lock held).
     *
     * @return what the opener runs after the lock: announces the call, and its end if that came first
     */
    synchronized Runnable opened(Call<?> call, CallOptions options) {
        unannounced.put(call, options);
        return new Announce(this, call);
    }

    /**
     * A call finished (the scheduler's lock held).
     *
     * @return what to run after the lock, or null if the call was not announced yet (its announcement reports it)
     */
    synchronized Runnable finished(Call<?> call, Throwable failure) {
        if (unannounced.containsKey(call)) {
            finishedEarly.put(call, failure);
            return null;
        }
        return new Finished(this, call, failure);
    }

    private void announce(Call<?> call) {
        CallOptions options;
        synchronized (this) {
            options = unannounced.get(call);
        }
        for (CallObserver o : observers) {
            o.opened(call, options);
        }
        boolean done;
        Throwable failure;
        synchronized (this) {
            unannounced.remove(call);
            done = finishedEarly.containsKey(call);
            failure = finishedEarly.remove(call);
        }
        if (done) {
            tellFinished(call, failure);
        }
    }

    private void tellFinished(Call<?> call, Throwable failure) {
        for (CallObserver o : observers) {
            o.finished(call, failure);
        }
    }

    // Named classes rather than lambdas: see the note on linking at the end of Scheduler.

    /** Announces a call to the observers (after the scheduler's lock). */
    private record Announce(CallEvents events, Call<?> call) implements Runnable {
        @Override
        public void run() {
            events.announce(call);
        }
    }

    /** Reports a call finished to the observers (after the scheduler's lock). */
    private record Finished(CallEvents events, Call<?> call, Throwable failure) implements Runnable {
        @Override
        public void run() {
            events.tellFinished(call, failure);
        }
    }
}
