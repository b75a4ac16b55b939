package dev.ensemble.internal;

import dev.ensemble.internal.backend.Backend;
import dev.ensemble.internal.schedule.Call;
import dev.ensemble.internal.schedule.Scheduler;
import java.util.List;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * How the caller of one pool receives a call's results: it waits for them (an interrupted wait cancels the call),
 * takes a future it may cancel but not complete, or reads a stream whose early close cancels the call. A thread of
 * the pool's own workers may do none of these: it would wait for workers that may all be waiting too, so its wait
 * is refused at once, always, rather than deadlocking only when every worker does it.
 */
final class CallWaits {
    private final Scheduler scheduler;
    private final Backend backend;
    /** The pool as its messages name it. */
    private final String pool;

    CallWaits(Scheduler scheduler, Backend backend, String pool) {
        this.scheduler = scheduler;
        this.backend = backend;
        this.pool = pool;
    }

    /**
     * Waits for a call; an interrupted caller cancels it.
     *
     * @param call a call of this pool
     * @param <R> element type
     * @return its results
     */
    <R> List<R> await(Call<R> call) {
        refuseOnOwnWorker(call);
        try {
            return call.end().await();
        } catch (InterruptedException e) {
            CancellationException cancel = new CancellationException(
                    "the caller of " + call.name() + " was interrupted; the call was cancelled");
            scheduler.cancel(call, cancel);
            Thread.currentThread().interrupt();
            throw cancel;
        }
    }

    /** Why a task may not wait for a call on its own pool: its worker would wait for itself. */
    IllegalStateException nestedCall(String what) {
        return new IllegalStateException("a task running on " + pool + " waited for " + what
                + " on the same pool; its worker would wait for itself and the pool could deadlock. Run the inner "
                + "work in the task itself, or on another pool (for example WorkerPool.threads(n), built in the "
                + "task or shared by the caller)");
    }

    /**
     * Cancels a just-opened call and throws {@link #nestedCall} if this thread is one of the pool's workers: always,
     * not only when it would have waited, so that the outcome is the same on every run.
     */
    private void refuseOnOwnWorker(Call<?> call) {
        if (backend.isWorkerThread()) {
            IllegalStateException nested = nestedCall(call.name());
            scheduler.cancel(call, new CancellationException(nested.getMessage()));
            throw nested;
        }
    }

    /**
     * A future of a call's result as {@code result} makes it of the results list: the caller may cancel it, which
     * cancels the call, but not complete it in the pool's place.
     *
     * @param call a call of this pool
     * @param result what the future gives of the call's results
     * @param <R> element type
     * @param <V> the future's type
     * @return the future
     */
    <R, V> CompletableFuture<V> detached(Call<R> call, Function<List<R>, V> result) {
        // In a class of its own, loaded by the first asynchronous call: a CompletableFuture's first use costs a
        // JVM a few milliseconds, which blocking calls do not pay.
        return PoolFuture.follow(this, call, result);
    }

    /**
     * The future of an async call: its untimed waits are refused on the pool's own workers (see nestedCall); the
     * caller may cancel it, which cancels the call.
     */
    private static final class PoolFuture<T> extends CompletableFuture<T> {
        private final CallWaits waits;
        private final String what;

        PoolFuture(CallWaits waits, String what) {
            this.waits = waits;
            this.what = what;
        }

        static <R, V> CompletableFuture<V> follow(CallWaits waits, Call<R> call, Function<List<R>, V> result) {
            PoolFuture<V> copy = new PoolFuture<>(waits, call.name());
            call.end().whenSettled(new Relay<>(copy, result));
            copy.whenComplete(new CancelCall<>(waits.scheduler, call, copy));
            return copy;
        }

        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new PoolFuture<>(waits, what);
        }

        @Override
        public T get() throws InterruptedException, ExecutionException {
            refuseNestedWait();
            return super.get();
        }

        @Override
        public T join() {
            refuseNestedWait();
            return super.join();
        }

        private void refuseNestedWait() {
            if (!isDone() && waits.backend.isWorkerThread()) {
                throw waits.nestedCall(what);
            }
        }
    }

    /** Completes a detached future at its call's end. A named class, not a lambda: see Scheduler (linking). */
    private static final class Relay<R, V> implements BiConsumer<List<R>, RuntimeException> {
        private final CompletableFuture<V> copy;
        private final Function<List<R>, V> result;

        Relay(CompletableFuture<V> copy, Function<List<R>, V> result) {
            this.copy = copy;
            this.result = result;
        }

        @Override
        public void accept(List<R> value, RuntimeException error) {
            if (error == null) {
                copy.complete(result.apply(value));
            } else {
                // As CompletableFuture.copy() does: get() throws ExecutionException, and isCancelled() is false.
                copy.completeExceptionally(error instanceof CompletionException ? error
                        : new CompletionException(error));
            }
        }
    }

    /** Cancels a call when its detached future is cancelled. A named class, not a lambda: see Scheduler (linking). */
    private static final class CancelCall<V> implements BiConsumer<V, Throwable> {
        private final Scheduler scheduler;
        private final Call<?> call;
        private final CompletableFuture<V> copy;

        CancelCall(Scheduler scheduler, Call<?> call, CompletableFuture<V> copy) {
            this.scheduler = scheduler;
            this.call = call;
            this.copy = copy;
        }

        @Override
        public void accept(V value, Throwable error) {
            if (copy.isCancelled()) {
                scheduler.cancel(call, new CancellationException("the future of " + call.name() + " was cancelled"));
            }
        }
    }

    /** The results of a stream call, read as they come; closing the stream before its end cancels the call. */
    <R> Stream<R> stream(Call<R> call) {
        refuseOnOwnWorker(call);
        Spliterator<R> spliterator = Spliterators.spliteratorUnknownSize(call.iterator(), Spliterator.ORDERED);
        return StreamSupport.stream(spliterator, false).onClose(() -> scheduler.cancel(call,
                new CancellationException("the stream of " + call.name() + " was closed before its end")));
    }
}
