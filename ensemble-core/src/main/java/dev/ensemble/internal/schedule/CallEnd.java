package dev.ensemble.internal.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * How a call ends for its caller: its results or the reason it failed, set once (the first settling wins), after
 * the scheduler's lock. The caller of a blocking call waits for it ({@link #await()}); an asynchronous call's
 * future follows it ({@link #whenSettled}).
 *
 * <p>Not a {@code CompletableFuture}: a JVM's first one costs a few milliseconds (the class, and the fork-join
 * pool's statics it initializes), which a thread pool's first result would pay for. Waiting uses the object's own
 * monitor, which a virtual thread waits on without holding its carrier.
 *
 * @param <R> the type of the delivered elements
 */
public final class CallEnd<R> {
    private List<R> results; // guarded by this
    private RuntimeException failure; // guarded by this
    private boolean settled; // guarded by this
    private List<BiConsumer<? super List<R>, ? super RuntimeException>> followers; // guarded by this

    CallEnd() {
    }

    /**
     * Ends the call, unless it ended already; then runs its followers on this thread, outside any lock of ours.
     *
     * @param results its results (null if it failed)
     * @param failure why it failed, or null
     */
    void settle(List<R> results, RuntimeException failure) {
        List<BiConsumer<? super List<R>, ? super RuntimeException>> toTell;
        synchronized (this) {
            if (settled) {
                return;
            }
            this.results = results;
            this.failure = failure;
            settled = true;
            toTell = followers;
            followers = null;
            notifyAll();
        }
        if (toTell != null) {
            for (BiConsumer<? super List<R>, ? super RuntimeException> follower : toTell) {
                follower.accept(results, failure);
            }
        }
    }

    /**
     * Waits for the call's end.
     *
     * @return its results
     * @throws InterruptedException if the waiting thread is interrupted (the call is not cancelled here)
     * @throws RuntimeException why the call failed, as the scheduler gave it
     */
    public List<R> await() throws InterruptedException {
        synchronized (this) {
            while (!settled) {
                wait();
            }
        }
        if (failure != null) {
            throw failure;
        }
        return results;
    }

    /**
     * Has {@code follower} told of the call's end: at once, on this thread, if it has ended; else on the thread
     * that ends it.
     *
     * @param follower given the results, or null and the failure
     */
    public void whenSettled(BiConsumer<? super List<R>, ? super RuntimeException> follower) {
        synchronized (this) {
            if (!settled) {
                if (followers == null) {
                    followers = new ArrayList<>(1);
                }
                followers.add(follower);
                return;
            }
        }
        follower.accept(results, failure);
    }

    /** @return whether the call has ended */
    public synchronized boolean isSettled() {
        return settled;
    }
}
