package dev.ensemble.internal.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;

/**
 * How a call ends for its caller: its results or the reason it failed, set once (the first settling wins), after
 * the scheduler's lock. The caller of a blocking call waits for it ({@link #await()}); an asynchronous call's
 * future follows it ({@link #whenSettled}).
 *
 * <p>Not a {@code CompletableFuture}: a JVM's first one costs a few milliseconds (the class, and the fork-join
 * pool's statics it initializes), which a thread pool's first result would pay for. Its one waiter, the call's
 * caller, parks rather than waiting on this object's monitor, which would inflate a monitor for every call; it
 * parks through {@link ForkJoinPool#managedBlock}, as a future's {@code get} does, so that a caller running in a
 * fork-join pool (a parallel stream, {@code CompletableFuture.supplyAsync}) lets that pool start another thread for
 * its other tasks instead of starving it.
 *
 * @param <R> the type of the delivered elements
 */
public final class CallEnd<R> implements ForkJoinPool.ManagedBlocker {
    private List<R> results; // written before settled, read after
    private RuntimeException failure; // written before settled, read after
    private volatile boolean settled;
    /** The thread in {@link #await()}, if one is parked or about to park. */
    private volatile Thread waiter;
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
        }
        // The waiter wrote itself before it last read settled, and this read follows the write of settled: either
        // it sees the call ended, or it is found here and woken.
        Thread parked = waiter;
        if (parked != null) {
            LockSupport.unpark(parked);
        }
        if (toTell != null) {
            for (BiConsumer<? super List<R>, ? super RuntimeException> follower : toTell) {
                follower.accept(results, failure);
            }
        }
    }

    /**
     * Waits for the call's end; only its caller waits, one thread.
     *
     * @return its results
     * @throws InterruptedException if the waiting thread is interrupted (the call is not cancelled here)
     * @throws RuntimeException why the call failed, as the scheduler gave it
     */
    public List<R> await() throws InterruptedException {
        if (!settled) {
            waiter = Thread.currentThread();
            try {
                ForkJoinPool.managedBlock(this);
            } finally {
                waiter = null;
            }
        }
        if (failure != null) {
            throw failure;
        }
        return results;
    }

    /**
     * Parks the waiter once, for {@link ForkJoinPool#managedBlock}; only {@link #await()} calls it.
     *
     * @return whether the call has ended
     * @throws InterruptedException if the waiter is interrupted
     */
    @Override
    public boolean block() throws InterruptedException {
        if (!settled) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            LockSupport.park(this);
        }
        return settled;
    }

    /**
     * Whether the call has ended, and waiting is over (for {@link ForkJoinPool#managedBlock}).
     *
     * @return whether the call has ended
     */
    @Override
    public boolean isReleasable() {
        return settled;
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
}
