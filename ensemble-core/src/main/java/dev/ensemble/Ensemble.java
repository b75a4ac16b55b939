package dev.ensemble;

import dev.ensemble.internal.Batches;
import dev.ensemble.internal.EnsembleImpl;
import dev.ensemble.internal.backend.PoolConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * A pool of instances of a class, one per worker, called together: objectproxypool's {@code ProxyPool}, MPIRE's
 * worker state. For a simulation model, an ML model or legacy code with static state that is expensive to build
 * and then called many times.
 *
 * <pre>{@code
 * try (Ensemble<Model> models = Ensemble.threads(4, Model::new)) {
 *     models.scatter(List.of(1, 2, 3, 4), (m, seed) -> m.reseed(seed));   // seed i -> instance i
 *     List<Double> samples = models.broadcast(m -> m.sample(10));          // one per instance, worker order
 *     List<Double> runs = models.map(scenarios, (m, s) -> m.run(s));      // load-balanced, input order
 * }
 * }</pre>
 *
 * <p><b>Instances.</b> The {@link InstanceFactory} runs once on each worker, when the worker starts, after the
 * pool's own {@code onWorkerStart} hook; the instance stays in that worker for the pool's life, and every call
 * there gets the same object. The factory travels to worker processes, the instance never does, so its class
 * need not be serializable (arguments and results must be). A worker runs one call at a time, so an instance
 * needs no synchronization. If an instance is {@link AutoCloseable} it is closed when its worker exits normally
 * ({@link #close()}), after the pool's {@code onWorkerExit} hook.
 *
 * <p><b>Lost instances.</b> An instance dies with its worker (a worker process crashed or was killed after a
 * timeout, a thread was abandoned after ignoring its timeout's interrupt). The replacement worker builds a new
 * one with the factory, so the old one's state is gone: the call that was running on it fails with
 * {@link WorkerDiedException} (or {@link TaskTimeoutException}), so the caller knows. With
 * {@link Builder#retries(int) retries}, a call whose worker died runs again on the new instance instead.
 *
 * <p><b>Failures, lifecycle, thread-safety</b> are those of {@link WorkerPool}: a failing call throws
 * {@link TaskFailedException} with the instance's exception as cause; {@link #close()} lets running calls
 * finish; every method may be called from any thread, and calls from several threads share the instances
 * fairly.
 *
 * @param <S> the type of the instances
 */
public interface Ensemble<S> extends AutoCloseable {

    /**
     * An ensemble of {@code workers} instances, each in its own platform thread of this JVM.
     *
     * @param workers the number of instances, at least 1
     * @param factory makes one instance; run once per worker, such as {@code Model::new}
     * @param <S> the type of the instances
     * @return a running ensemble, every instance built
     * @throws IllegalArgumentException if {@code workers} is less than 1 or {@code factory} is null
     * @throws IllegalStateException if the factory failed on a worker; its exception is the cause
     */
    static <S> Ensemble<S> threads(int workers, InstanceFactory<S> factory) {
        return builder(factory).workers(workers).threads().build();
    }

    /**
     * An ensemble of {@code workers} instances, each in its own worker JVM (see {@link WorkerPool#processes}):
     * instances of code with static state are truly independent, and a crash costs one instance, rebuilt in a
     * replacement worker. The factory, calls and their arguments and results travel serialized; the instances
     * never leave their worker.
     *
     * @param workers the number of instances, at least 1
     * @param factory makes one instance in each worker JVM, such as {@code Model::new}
     * @param <S> the type of the instances
     * @return a running ensemble, every instance built
     * @throws IllegalArgumentException if {@code workers} is less than 1, {@code factory} is null or cannot be
     *     serialized
     * @throws IllegalStateException if a worker could not start or the factory failed on it
     */
    static <S> Ensemble<S> processes(int workers, InstanceFactory<S> factory) {
        return builder(factory).workers(workers).processes().build();
    }

    /**
     * A builder for every other configuration.
     *
     * @param factory makes one instance; run once per worker
     * @param <S> the type of the instances
     * @return a new builder; its options may each be set once
     * @throws IllegalArgumentException if {@code factory} is null
     */
    static <S> Builder<S> builder(InstanceFactory<S> factory) {
        if (factory == null) {
            throw new IllegalArgumentException("factory must not be null; pass a constructor such as Model::new");
        }
        return new Builder<>(factory);
    }

    /**
     * Calls {@code job} on every instance once and returns the results in worker order.
     *
     * @param job the call
     * @param <R> result type
     * @return one result per instance, element {@code i} from instance {@code i}
     * @throws TaskFailedException if the call failed on an instance; the parts not yet started on other instances
     *     are cancelled, so some instances may not have been called
     * @throws IllegalStateException if the ensemble is closed
     * @throws IllegalArgumentException if {@code job} is null
     */
    <R> List<R> broadcast(InstanceJob<? super S, ? extends R> job);

    /**
     * {@link #broadcast} without waiting.
     *
     * @param job the call
     * @param <R> result type
     * @return a future of one result per instance in worker order, failing with {@link TaskFailedException};
     *     cancelling it cancels the calls not yet started
     * @throws IllegalStateException if the ensemble is closed
     * @throws IllegalArgumentException if {@code job} is null
     */
    <R> CompletableFuture<List<R>> broadcastAsync(InstanceJob<? super S, ? extends R> job);

    /**
     * Calls {@code task} on every instance with its own argument: {@code args.get(i)} goes to instance {@code i}.
     *
     * @param args one argument per instance, in worker order
     * @param task the call
     * @param <A> argument type
     * @param <R> result type
     * @return one result per instance, element {@code i} from instance {@code i}
     * @throws IllegalArgumentException if {@code args.size()} is not {@link #size()}, or an argument is null
     * @throws TaskFailedException if the call failed on an instance, naming its index and argument
     * @throws IllegalStateException if the ensemble is closed
     */
    <A, R> List<R> scatter(List<? extends A> args, InstanceTask<? super S, ? super A, ? extends R> task);

    /**
     * {@link #scatter} without waiting.
     *
     * @param args one argument per instance, in worker order; read before this method returns
     * @param task the call
     * @param <A> argument type
     * @param <R> result type
     * @return a future of one result per instance in worker order, failing with {@link TaskFailedException}
     * @throws IllegalArgumentException if {@code args.size()} is not {@link #size()}, or an argument is null
     * @throws IllegalStateException if the ensemble is closed
     */
    <A, R> CompletableFuture<List<R>> scatterAsync(List<? extends A> args,
            InstanceTask<? super S, ? super A, ? extends R> task);

    /**
     * Calls {@code job} on one chosen instance and waits for its result.
     *
     * @param worker the instance's worker id, from 0 to {@code size() - 1}
     * @param job the call
     * @param <R> result type
     * @return its result
     * @throws IllegalArgumentException if {@code worker} is out of range or {@code job} is null
     * @throws TaskFailedException if the call failed
     * @throws IllegalStateException if the ensemble is closed
     */
    <R> R on(int worker, InstanceJob<? super S, ? extends R> job);

    /**
     * {@link #on} without waiting.
     *
     * @param worker the instance's worker id, from 0 to {@code size() - 1}
     * @param job the call
     * @param <R> result type
     * @return a future of its result, failing with {@link TaskFailedException}
     * @throws IllegalArgumentException if {@code worker} is out of range or {@code job} is null
     * @throws IllegalStateException if the ensemble is closed
     */
    <R> CompletableFuture<R> onAsync(int worker, InstanceJob<? super S, ? extends R> job);

    /**
     * Calls {@code task} once per argument on whichever instance is free (load-balanced, like
     * {@link WorkerPool#map}); results in argument order.
     *
     * @param args the arguments; any {@link Iterable}, read once, lazily
     * @param task the call
     * @param <A> argument type
     * @param <R> result type
     * @return one result per argument, in argument order
     * @throws TaskFailedException for the first failed argument; the rest of the call is cancelled
     * @throws IllegalStateException if the ensemble is closed
     * @throws IllegalArgumentException if an argument is null
     */
    default <A, R> List<R> map(Iterable<? extends A> args, InstanceTask<? super S, ? super A, ? extends R> task) {
        return map(args, task, CallOptions.defaults());
    }

    /**
     * {@link #map(Iterable, InstanceTask)} with options for this call.
     *
     * @param args the arguments
     * @param task the call
     * @param options chunk size, name, progress bar
     * @param <A> argument type
     * @param <R> result type
     * @return one result per argument, in argument order
     * @throws TaskFailedException for the first failed argument
     * @throws IllegalStateException if the ensemble is closed
     * @throws IllegalArgumentException if an argument is null
     */
    <A, R> List<R> map(Iterable<? extends A> args, InstanceTask<? super S, ? super A, ? extends R> task,
            CallOptions options);

    /**
     * Like {@link #map(Iterable, InstanceTask)}, with results in completion order.
     *
     * @param args the arguments
     * @param task the call
     * @param <A> argument type
     * @param <R> result type
     * @return one result per argument, in completion order
     * @throws TaskFailedException for the first failed argument
     * @throws IllegalStateException if the ensemble is closed
     * @throws IllegalArgumentException if an argument is null
     */
    default <A, R> List<R> mapUnordered(Iterable<? extends A> args,
            InstanceTask<? super S, ? super A, ? extends R> task) {
        return mapUnordered(args, task, CallOptions.defaults());
    }

    /**
     * {@link #mapUnordered(Iterable, InstanceTask)} with options for this call.
     *
     * @param args the arguments
     * @param task the call
     * @param options chunk size, name, progress bar
     * @param <A> argument type
     * @param <R> result type
     * @return one result per argument, in completion order
     * @throws TaskFailedException for the first failed argument
     * @throws IllegalStateException if the ensemble is closed
     * @throws IllegalArgumentException if an argument is null
     */
    <A, R> List<R> mapUnordered(Iterable<? extends A> args, InstanceTask<? super S, ? super A, ? extends R> task,
            CallOptions options);

    /**
     * Like {@link #map(Iterable, InstanceTask)}, but every argument gets an {@link Outcome} and failures do not
     * stop the others.
     *
     * @param args the arguments
     * @param task the call
     * @param <A> argument type
     * @param <R> result type
     * @return one outcome per argument, in argument order
     * @throws IllegalStateException if the ensemble is closed
     * @throws IllegalArgumentException if an argument is null
     */
    default <A, R> List<Outcome<R>> mapOutcomes(Iterable<? extends A> args,
            InstanceTask<? super S, ? super A, ? extends R> task) {
        return mapOutcomes(args, task, CallOptions.defaults());
    }

    /**
     * {@link #mapOutcomes(Iterable, InstanceTask)} with options for this call.
     *
     * @param args the arguments
     * @param task the call
     * @param options chunk size, name, progress bar
     * @param <A> argument type
     * @param <R> result type
     * @return one outcome per argument, in argument order
     * @throws IllegalStateException if the ensemble is closed
     * @throws IllegalArgumentException if an argument is null
     */
    <A, R> List<Outcome<R>> mapOutcomes(Iterable<? extends A> args,
            InstanceTask<? super S, ? super A, ? extends R> task, CallOptions options);

    /**
     * A lazy, ordered stream of results, as {@link WorkerPool#stream}: arguments are read only as the instances
     * and the consumer keep up, so an endless {@code Iterable} works. Close it to cancel what is left.
     *
     * @param args the arguments, possibly endless
     * @param task the call
     * @param <A> argument type
     * @param <R> result type
     * @return the results in argument order
     * @throws IllegalStateException if the ensemble is closed
     * @throws IllegalArgumentException if an argument is null
     */
    default <A, R> Stream<R> stream(Iterable<? extends A> args, InstanceTask<? super S, ? super A, ? extends R> task) {
        return stream(args, task, CallOptions.defaults());
    }

    /**
     * {@link #stream(Iterable, InstanceTask)} with options for this call.
     *
     * @param args the arguments, possibly endless
     * @param task the call
     * @param options chunk size, bound on chunks in flight, name
     * @param <A> argument type
     * @param <R> result type
     * @return the results in argument order; reading past a failed one throws {@link TaskFailedException}
     * @throws IllegalStateException if the ensemble is closed
     * @throws IllegalArgumentException if an argument is null
     */
    <A, R> Stream<R> stream(Iterable<? extends A> args, InstanceTask<? super S, ? super A, ? extends R> task,
            CallOptions options);

    /**
     * A {@link java.util.stream.Gatherer} that calls {@code task} on the instances, load-balanced, for each element
     * of a Java stream, results in the stream's order: {@code args.stream().gather(models.mapping((m, a) ->
     * m.run(a)))}. As {@link WorkerPool#mapping(Task)}: bounded work in flight, endless streams, a
     * short-circuiting downstream cancels what still runs.
     *
     * @param task the call on an instance
     * @param <A> element type
     * @param <R> result type
     * @return the gatherer
     * @throws IllegalArgumentException if {@code task} is null or cannot be sent
     */
    default <A, R> java.util.stream.Gatherer<A, ?, R> mapping(InstanceTask<? super S, ? super A, ? extends R> task) {
        return mapping(task, CallOptions.defaults());
    }

    /**
     * {@link #mapping(InstanceTask)} with options for the call it makes.
     *
     * @param task the call on an instance
     * @param options options of the call
     * @param <A> element type
     * @param <R> result type
     * @return the gatherer
     * @throws IllegalArgumentException if {@code task} or {@code options} is null, or the task cannot be sent
     */
    <A, R> java.util.stream.Gatherer<A, ?, R> mapping(InstanceTask<? super S, ? super A, ? extends R> task,
            CallOptions options);

    /**
     * Like {@link #stream(Iterable, InstanceTask)}, with results in completion order.
     *
     * @param args the arguments, possibly endless
     * @param task the call
     * @param <A> argument type
     * @param <R> result type
     * @return the results in completion order
     * @throws IllegalStateException if the ensemble is closed
     * @throws IllegalArgumentException if an argument is null
     */
    default <A, R> Stream<R> streamUnordered(Iterable<? extends A> args,
            InstanceTask<? super S, ? super A, ? extends R> task) {
        return streamUnordered(args, task, CallOptions.defaults());
    }

    /**
     * {@link #streamUnordered(Iterable, InstanceTask)} with options for this call.
     *
     * @param args the arguments, possibly endless
     * @param task the call
     * @param options chunk size, bound on chunks in flight, name
     * @param <A> argument type
     * @param <R> result type
     * @return the results in completion order
     * @throws IllegalStateException if the ensemble is closed
     * @throws IllegalArgumentException if an argument is null
     */
    <A, R> Stream<R> streamUnordered(Iterable<? extends A> args, InstanceTask<? super S, ? super A, ? extends R> task,
            CallOptions options);

    /**
     * {@link #map(Iterable, InstanceTask)} without waiting. A {@code Collection} of arguments must not change
     * until the future completes.
     *
     * @param args the arguments
     * @param task the call
     * @param <A> argument type
     * @param <R> result type
     * @return a future of the results in argument order, failing with {@link TaskFailedException}; cancelling it
     *     cancels the call
     * @throws IllegalStateException if the ensemble is closed
     * @throws IllegalArgumentException if an argument is null
     */
    default <A, R> CompletableFuture<List<R>> mapAsync(Iterable<? extends A> args,
            InstanceTask<? super S, ? super A, ? extends R> task) {
        return mapAsync(args, task, CallOptions.defaults());
    }

    /**
     * {@link #mapAsync(Iterable, InstanceTask)} with options for this call.
     *
     * @param args the arguments
     * @param task the call
     * @param options chunk size, name, progress bar
     * @param <A> argument type
     * @param <R> result type
     * @return a future of the results in argument order
     * @throws IllegalStateException if the ensemble is closed
     * @throws IllegalArgumentException if an argument is null
     */
    <A, R> CompletableFuture<List<R>> mapAsync(Iterable<? extends A> args,
            InstanceTask<? super S, ? super A, ? extends R> task, CallOptions options);

    /**
     * Calls {@code batchTask} on contiguous slices of {@code inputs}, one batch per instance by default, each
     * on whichever instance is free, as {@link WorkerPool#batched(List, Task)} does.
     *
     * @param inputs the inputs, copied into the batches when the call starts
     * @param batchTask the call on one batch
     * @param <A> input type
     * @param <R> result type of one batch
     * @return one result per batch, in input order; no inputs give an empty list
     * @throws TaskFailedException for the first failed batch
     * @throws IllegalStateException if the ensemble is closed
     * @throws IllegalArgumentException if an argument is null
     */
    default <A, R> List<R> batched(List<? extends A> inputs,
            InstanceTask<? super S, ? super List<A>, ? extends R> batchTask) {
        return batched(inputs, batchTask, CallOptions.defaults());
    }

    /**
     * {@link #batched(List, InstanceTask)} with options: {@link CallOptions#batches} sets the number of batches.
     *
     * @param inputs the inputs
     * @param batchTask the call on one batch
     * @param options batch count, name, progress bar
     * @param <A> input type
     * @param <R> result type of one batch
     * @return one result per batch, in input order
     * @throws TaskFailedException for the first failed batch
     * @throws IllegalStateException if the ensemble is closed
     * @throws IllegalArgumentException if an argument is null
     */
    default <A, R> List<R> batched(List<? extends A> inputs,
            InstanceTask<? super S, ? super List<A>, ? extends R> batchTask, CallOptions options) {
        if (inputs == null || options == null) {
            throw new IllegalArgumentException((inputs == null ? "inputs" : "options") + " must not be null");
        }
        return map(Batches.split(inputs, Batches.count(options, size())), batchTask,
                Batches.runOptions(options, "batched"));
    }

    /**
     * {@link #batched(List, InstanceTask)}, then the results combined by {@code reduction} in the calling thread.
     *
     * @param inputs the inputs
     * @param batchTask the call on one batch
     * @param reduction combines the results in batch order; see {@link Reductions}
     * @param <A> input type
     * @param <R> result type of one batch
     * @param <O> the combined result type
     * @return the combined result
     * @throws TaskFailedException for the first failed batch (the reduction does not run)
     * @throws IllegalStateException if the ensemble is closed
     * @throws IllegalArgumentException if an argument is null
     * @throws RuntimeException whatever the reduction throws, unchanged
     */
    default <A, R, O> O batched(List<? extends A> inputs,
            InstanceTask<? super S, ? super List<A>, ? extends R> batchTask,
            Reduction<? super R, ? extends O> reduction) {
        return batched(inputs, batchTask, reduction, CallOptions.defaults());
    }

    /**
     * {@link #batched(List, InstanceTask, Reduction)} with options for this call.
     *
     * @param inputs the inputs
     * @param batchTask the call on one batch
     * @param reduction combines the results in batch order
     * @param options batch count, name, progress bar
     * @param <A> input type
     * @param <R> result type of one batch
     * @param <O> the combined result type
     * @return the combined result
     * @throws TaskFailedException for the first failed batch
     * @throws IllegalStateException if the ensemble is closed
     * @throws IllegalArgumentException if an argument is null
     * @throws RuntimeException whatever the reduction throws, unchanged
     */
    default <A, R, O> O batched(List<? extends A> inputs,
            InstanceTask<? super S, ? super List<A>, ? extends R> batchTask,
            Reduction<? super R, ? extends O> reduction, CallOptions options) {
        if (reduction == null) {
            throw new IllegalArgumentException("reduction must not be null");
        }
        List<R> parts = batched(inputs, batchTask, options);
        return reduction.reduce(parts);
    }

    /**
     * The number of instances, which is the number of workers.
     *
     * @return the ensemble's size
     */
    int size();

    /**
     * What the workers have been doing, as {@link WorkerPool#insights()}; {@code inStartHook} includes the time
     * the factory took, and {@code restarts} counts instances rebuilt on a replacement worker.
     *
     * @return a snapshot
     */
    Insights insights();

    /**
     * Graceful shutdown, as {@link WorkerPool#close()}: calls already made finish, then each worker runs its exit
     * hook, closes its instance if it is {@link AutoCloseable}, and exits. Idempotent.
     *
     * @throws IllegalStateException if called from one of this ensemble's own calls
     */
    @Override
    void close();

    /**
     * Immediate shutdown, as {@link WorkerPool#terminate()}: running calls fail with
     * {@link java.util.concurrent.CancellationException}; exit hooks do not run and instances are not closed.
     * Idempotent.
     */
    void terminate();

    /**
     * Sets an ensemble's options once each and builds it: the options of {@link WorkerPool.Builder}, with the
     * same meaning and defaults, except {@code maxTasksPerWorker} (recycling a worker would silently replace its
     * instance and lose its state) and {@code exitResult}. {@code workers} is the number of instances, one per
     * worker; {@code onWorkerStart} runs before the factory makes a worker's instance, {@code onWorkerExit} before
     * it is closed (if it is {@link AutoCloseable}). A worker replaced after a timeout or a death gets a new
     * instance from the factory. On a cluster, each instance is built on its member and stays there.
     *
     * @param <S> the type of the instances
     */
    final class Builder<S> extends PoolOptions<Builder<S>> {
        private final InstanceFactory<S> factory;

        Builder(InstanceFactory<S> factory) {
            this.factory = factory;
        }

        /**
         * Checks the options, starts the workers and builds every instance. Returns when all are built.
         *
         * @return the running ensemble
         * @throws IllegalStateException if the factory (or the start hook) failed on a worker, with the
         *     factory's exception as the cause; or if this builder already built an ensemble
         * @throws IllegalArgumentException if the options contradict each other
         */
        public Ensemble<S> build() {
            return EnsembleImpl.start(freeze(), factory);
        }

        /** The options, checked together (tests build ensembles on their own backends from them). */
        PoolConfig freeze() {
            return draft.freeze();
        }

        /** The factory (for the same tests). */
        InstanceFactory<S> factory() {
            return factory;
        }
    }
}
