package dev.ensemble;

import dev.ensemble.internal.Batches;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.internal.backend.PoolConfig.Option;
import dev.ensemble.internal.Pools;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * A pool of workers that run {@link Task}s and {@link Job}s in parallel: the MPIRE {@code WorkerPool} of Java.
 *
 * <pre>{@code
 * try (WorkerPool pool = WorkerPool.threads(4)) {
 *     List<Integer> squares = pool.map(List.of(1, 2, 3), x -> x * x);   // [1, 4, 9]
 * }
 * }</pre>
 *
 * <p><b>Work distribution.</b> A call's inputs are cut into chunks (automatic size, or
 * {@link CallOptions#chunkSize}); idle workers pull the next chunk, so fast workers do more. Several callers
 * may use one pool at once from different threads; their chunks are interleaved fairly.
 *
 * <p><b>Failures.</b> {@code map}, {@code stream} and their variants throw {@link TaskFailedException} for the
 * first failing input (naming worker, index and input, with the task's exception as cause) and cancel the
 * rest of that call; {@link #mapOutcomes} returns every result or error instead. A caller interrupted while
 * waiting gets a {@link java.util.concurrent.CancellationException} with its interrupt flag set; its call is
 * cancelled and the pool stays usable.
 *
 * <p><b>Lifecycle.</b> RUNNING → ({@link #close()}) CLOSING: calls already made finish, new calls fail →
 * TERMINATED when workers have exited. {@link #terminate()} goes to TERMINATED at once, failing calls still
 * running. Every method may be called from any thread; on a closed pool, calls throw
 * {@link IllegalStateException}.
 */
public interface WorkerPool extends AutoCloseable {

    /**
     * A pool of {@code workers} platform threads in this JVM.
     *
     * @param workers the number of worker threads, at least 1
     * @return a running pool
     * @throws IllegalArgumentException if {@code workers} is less than 1
     */
    static WorkerPool threads(int workers) {
        return builder().workers(workers).threads().build();
    }

    /**
     * A pool of {@code workers} worker processes: separate JVMs started from this JVM's {@code java}, with its
     * class path and module path. Tasks, their inputs and results travel between the JVMs serialized, so they
     * must be data of classes on the class path (lambdas are fine: {@link Task} and {@link Job} are
     * serializable). Use processes for isolation: a task that hangs can be killed ({@link Builder#taskTimeout}),
     * a crash or {@code OutOfMemoryError} costs one worker (replaced at once), and static state exists once per
     * worker. Returns when every worker is ready.
     *
     * <pre>{@code
     * try (WorkerPool pool = WorkerPool.processes(2)) {
     *     List<Integer> squares = pool.map(List.of(1, 2, 3), x -> x * x);   // computed in two other JVMs
     * }
     * }</pre>
     *
     * @param workers the number of worker processes, at least 1
     * @return a running pool
     * @throws IllegalArgumentException if {@code workers} is less than 1
     * @throws IllegalStateException if a worker could not start; the message holds the worker's own error output
     */
    static WorkerPool processes(int workers) {
        return builder().workers(workers).processes().build();
    }

    /**
     * A builder for every other configuration.
     *
     * @return a new builder; its options may each be set once
     */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Applies {@code task} to every input in parallel and returns the results in input order.
     *
     * @param inputs the inputs; any {@link Iterable}, read once, lazily, from the calling thread's side
     * @param task the function to apply
     * @param <T> input type
     * @param <R> result type
     * @return the results, one per input, in input order
     * @throws TaskFailedException for the first input whose task failed; the rest of the call is cancelled
     * @throws IllegalStateException if the pool is closed
     * @throws IllegalArgumentException if an argument is null
     */
    default <T, R> List<R> map(Iterable<? extends T> inputs, Task<? super T, ? extends R> task) {
        return map(inputs, task, CallOptions.defaults());
    }

    /**
     * {@link #map(Iterable, Task)} with options for this call.
     *
     * @param inputs the inputs
     * @param task the function to apply
     * @param options chunk size, name, progress bar
     * @param <T> input type
     * @param <R> result type
     * @return the results in input order
     * @throws TaskFailedException for the first failed input
     * @throws IllegalStateException if the pool is closed
     * @throws IllegalArgumentException if an argument is null
     */
    <T, R> List<R> map(Iterable<? extends T> inputs, Task<? super T, ? extends R> task, CallOptions options);

    /**
     * Like {@link #map(Iterable, Task)}, but the results are in the order they were computed.
     *
     * @param inputs the inputs
     * @param task the function to apply
     * @param <T> input type
     * @param <R> result type
     * @return the results, one per input, in completion order
     * @throws TaskFailedException for the first failed input
     * @throws IllegalStateException if the pool is closed
     */
    default <T, R> List<R> mapUnordered(Iterable<? extends T> inputs, Task<? super T, ? extends R> task) {
        return mapUnordered(inputs, task, CallOptions.defaults());
    }

    /**
     * {@link #mapUnordered(Iterable, Task)} with options for this call.
     *
     * @param inputs the inputs
     * @param task the function to apply
     * @param options chunk size, name, progress bar
     * @param <T> input type
     * @param <R> result type
     * @return the results in completion order
     * @throws TaskFailedException for the first failed input
     * @throws IllegalStateException if the pool is closed
     */
    <T, R> List<R> mapUnordered(Iterable<? extends T> inputs, Task<? super T, ? extends R> task,
            CallOptions options);

    /**
     * Applies {@code task} to every input and returns each input's {@link Outcome}, in input order, without
     * stopping at failures.
     *
     * @param inputs the inputs
     * @param task the function to apply
     * @param <T> input type
     * @param <R> result type
     * @return one outcome per input, in input order
     * @throws IllegalStateException if the pool is closed
     */
    default <T, R> List<Outcome<R>> mapOutcomes(Iterable<? extends T> inputs, Task<? super T, ? extends R> task) {
        return mapOutcomes(inputs, task, CallOptions.defaults());
    }

    /**
     * {@link #mapOutcomes(Iterable, Task)} with options for this call.
     *
     * @param inputs the inputs
     * @param task the function to apply
     * @param options chunk size, name, progress bar
     * @param <T> input type
     * @param <R> result type
     * @return one outcome per input, in input order
     * @throws IllegalStateException if the pool is closed
     */
    <T, R> List<Outcome<R>> mapOutcomes(Iterable<? extends T> inputs, Task<? super T, ? extends R> task,
            CallOptions options);

    /**
     * A lazy, ordered stream of results (MPIRE's {@code imap}): inputs are read and sent only as workers and
     * the consumer keep up, so an endless {@code Iterable} works. Consume it on one thread; closing it (or
     * a short-circuiting operation finishing) cancels what is left.
     *
     * @param inputs the inputs, possibly endless
     * @param task the function to apply
     * @param <T> input type
     * @param <R> result type
     * @return the results in input order
     * @throws IllegalStateException if the pool is closed
     */
    default <T, R> Stream<R> stream(Iterable<? extends T> inputs, Task<? super T, ? extends R> task) {
        return stream(inputs, task, CallOptions.defaults());
    }

    /**
     * {@link #stream(Iterable, Task)} with options for this call.
     *
     * @param inputs the inputs, possibly endless
     * @param task the function to apply
     * @param options chunk size, bound on chunks in flight, name
     * @param <T> input type
     * @param <R> result type
     * @return the results in input order; reading past a failed input throws {@link TaskFailedException}
     * @throws IllegalStateException if the pool is closed
     */
    <T, R> Stream<R> stream(Iterable<? extends T> inputs, Task<? super T, ? extends R> task, CallOptions options);

    /**
     * This pool as a {@link java.util.concurrent.ExecutorService}, for code that takes one
     * ({@code CompletableFuture.supplyAsync(supplier, executor)}, libraries). Each task is one {@link #submit}.
     * The view does not own the pool: {@code shutdown()} stops the view taking tasks and lets its own finish (then
     * {@code isTerminated()}), {@code shutdownNow()} also cancels those not done; the pool stays open, and closing
     * the pool rejects the view's later tasks. On worker processes a task must be serializable (for example a
     * {@code (Callable<T> & Serializable)} lambda); one that is not is rejected with
     * {@link java.util.concurrent.RejectedExecutionException} whose message names what cannot be sent.
     *
     * @return a new view of this pool
     */
    java.util.concurrent.ExecutorService asExecutorService();

    /**
     * A {@link java.util.stream.Gatherer} that runs {@code task} on this pool for each element of a Java stream,
     * with results in the stream's order: {@code inputs.stream().gather(pool.mapping(task))}. Work in flight is
     * bounded (about 16 elements per worker ahead of the results taken downstream), an endless stream works,
     * and a short-circuiting downstream ({@code limit}, {@code findFirst}) cancels what is still running.
     * Failures are as for {@link #stream(Iterable, Task)}: the first failed element's {@link TaskFailedException}
     * ends the stream, after the results before it. Sequential: a parallel stream runs it on one thread, the
     * pool does the parallel work.
     *
     * <pre>{@code
     * List<Double> scores = documents.stream().filter(Doc::isNew).gather(pool.mapping(Model::score)).toList();
     * }</pre>
     *
     * @param task the function to apply
     * @param <T> element type
     * @param <R> result type
     * @return the gatherer; each stream it is used in makes a call of its own
     * @throws IllegalArgumentException if {@code task} is null or (for worker processes) cannot be sent
     */
    default <T, R> java.util.stream.Gatherer<T, ?, R> mapping(Task<? super T, ? extends R> task) {
        return mapping(task, CallOptions.defaults());
    }

    /**
     * {@link #mapping(Task)} with options for the call it makes (chunk size, name, bounds).
     *
     * @param task the function to apply
     * @param options options of the call
     * @param <T> element type
     * @param <R> result type
     * @return the gatherer
     * @throws IllegalArgumentException if {@code task} or {@code options} is null, or the task cannot be sent
     */
    <T, R> java.util.stream.Gatherer<T, ?, R> mapping(Task<? super T, ? extends R> task, CallOptions options);

    /**
     * Like {@link #mapping(Task)}, with results in completion order: a slow element does not hold back the
     * results after it.
     *
     * @param task the function to apply
     * @param <T> element type
     * @param <R> result type
     * @return the gatherer
     * @throws IllegalArgumentException if {@code task} is null or cannot be sent
     */
    default <T, R> java.util.stream.Gatherer<T, ?, R> mappingUnordered(Task<? super T, ? extends R> task) {
        return mappingUnordered(task, CallOptions.defaults());
    }

    /**
     * {@link #mappingUnordered(Task)} with options for the call it makes.
     *
     * @param task the function to apply
     * @param options options of the call
     * @param <T> element type
     * @param <R> result type
     * @return the gatherer
     * @throws IllegalArgumentException if {@code task} or {@code options} is null, or the task cannot be sent
     */
    <T, R> java.util.stream.Gatherer<T, ?, R> mappingUnordered(Task<? super T, ? extends R> task,
            CallOptions options);

    /**
     * Like {@link #stream(Iterable, Task)}, with results in completion order.
     *
     * @param inputs the inputs, possibly endless
     * @param task the function to apply
     * @param <T> input type
     * @param <R> result type
     * @return the results in completion order
     * @throws IllegalStateException if the pool is closed
     */
    default <T, R> Stream<R> streamUnordered(Iterable<? extends T> inputs, Task<? super T, ? extends R> task) {
        return streamUnordered(inputs, task, CallOptions.defaults());
    }

    /**
     * {@link #streamUnordered(Iterable, Task)} with options for this call.
     *
     * @param inputs the inputs, possibly endless
     * @param task the function to apply
     * @param options chunk size, bound on chunks in flight, name
     * @param <T> input type
     * @param <R> result type
     * @return the results in completion order
     * @throws IllegalStateException if the pool is closed
     */
    <T, R> Stream<R> streamUnordered(Iterable<? extends T> inputs, Task<? super T, ? extends R> task,
            CallOptions options);

    /**
     * {@link #map(Iterable, Task)} without waiting. The inputs are read on the pool's side, so a
     * {@code Collection} must not change until the future completes.
     *
     * @param inputs the inputs
     * @param task the function to apply
     * @param <T> input type
     * @param <R> result type
     * @return a future of the results in input order, failing with {@link TaskFailedException}; cancelling it
     *     cancels the call
     * @throws IllegalStateException if the pool is closed
     */
    default <T, R> CompletableFuture<List<R>> mapAsync(Iterable<? extends T> inputs,
            Task<? super T, ? extends R> task) {
        return mapAsync(inputs, task, CallOptions.defaults());
    }

    /**
     * {@link #mapAsync(Iterable, Task)} with options for this call.
     *
     * @param inputs the inputs
     * @param task the function to apply
     * @param options chunk size, name, progress bar
     * @param <T> input type
     * @param <R> result type
     * @return a future of the results in input order
     * @throws IllegalStateException if the pool is closed
     */
    <T, R> CompletableFuture<List<R>> mapAsync(Iterable<? extends T> inputs, Task<? super T, ? extends R> task,
            CallOptions options);

    /**
     * Applies {@code task} to consecutive chunks of a shared array in parallel (mpaio): each task gets a
     * {@link SharedArray.Chunk} that knows its range and gives a view of its part, with no copy of the elements.
     * Chunks are handed out one at a time, so fast workers take more of them.
     *
     * <pre>{@code
     * List<Double> partialSums = pool.mapChunks(values, 1 << 20, chunk -> chunk.view().sum());
     * }</pre>
     *
     * @param array the array; open until this call returns
     * @param chunkSize the elements per chunk (the last may be shorter), at least 1
     * @param task the function applied to each chunk
     * @param <A> the array's type, such as {@link SharedArray.OfDouble}
     * @param <R> result type
     * @return one result per chunk, in chunk order; empty for an empty array
     * @throws IllegalArgumentException if an argument is null, {@code chunkSize} is less than 1, or it makes more
     *     than {@code Integer.MAX_VALUE} chunks; checked before anything runs
     * @throws IllegalStateException if the array or the pool is closed
     * @throws TaskFailedException for the first chunk whose task failed; the rest of the call is cancelled
     */
    default <A extends SharedArray, R> List<R> mapChunks(A array, int chunkSize,
            Task<? super SharedArray.Chunk<A>, ? extends R> task) {
        List<SharedArray.Chunk<A>> chunks = SharedArray.Chunk.split(array, chunkSize);
        if (task == null) {
            throw new IllegalArgumentException("task must not be null");
        }
        return map(chunks, task, CallOptions.defaults().chunkSize(1).name("mapChunks"));
    }

    /**
     * {@link #mapChunks} without waiting, so that work on several arrays can run at once and be joined with
     * {@link CompletableFuture#allOf}. Close the array only after the future completes.
     *
     * @param array the array; open until the future completes
     * @param chunkSize the elements per chunk, at least 1
     * @param task the function applied to each chunk
     * @param <A> the array's type
     * @param <R> result type
     * @return a future of one result per chunk in chunk order, failing with {@link TaskFailedException};
     *     cancelling it cancels the call
     * @throws IllegalArgumentException if an argument is null or {@code chunkSize} is less than 1
     * @throws IllegalStateException if the array or the pool is closed
     */
    default <A extends SharedArray, R> CompletableFuture<List<R>> mapChunksAsync(A array, int chunkSize,
            Task<? super SharedArray.Chunk<A>, ? extends R> task) {
        List<SharedArray.Chunk<A>> chunks = SharedArray.Chunk.split(array, chunkSize);
        if (task == null) {
            throw new IllegalArgumentException("task must not be null");
        }
        return mapAsync(chunks, task, CallOptions.defaults().chunkSize(1).name("mapChunksAsync"));
    }

    /**
     * Runs one job on the next idle worker without waiting (Python's {@code apply_async}).
     *
     * @param job the job
     * @param <R> result type
     * @return a future of its result, failing with {@link TaskFailedException}
     * @throws IllegalStateException if the pool is closed
     */
    <R> CompletableFuture<R> submit(Job<? extends R> job);

    /**
     * Runs one job on the next idle worker and waits for its result.
     *
     * @param job the job
     * @param <R> result type
     * @return its result
     * @throws TaskFailedException if the job failed
     * @throws IllegalStateException if the pool is closed
     */
    <R> R apply(Job<? extends R> job);

    /**
     * Runs {@code job} once on every worker and returns the results in worker order.
     *
     * @param job the job
     * @param <R> result type
     * @return one result per worker, element {@code i} from worker {@code i}
     * @throws TaskFailedException if the job failed on a worker
     * @throws IllegalStateException if the pool is closed
     */
    <R> List<R> broadcast(Job<? extends R> job);

    /**
     * Runs {@code batchTask} on slices of {@code inputs} at once (workercontext's {@code MultiWorker}): the
     * inputs are cut into one contiguous batch per worker, whose sizes differ by at most one, and the results
     * come back one per batch, in input order. Which argument of a computation is batched is the lambda's
     * business: {@code pool.batched(l2, batch -> f(l1, batch))}.
     *
     * <pre>{@code
     * List<List<Integer>> doubled = pool.batched(numbers, batch -> batch.stream().map(x -> 2 * x).toList());
     * }</pre>
     *
     * @param inputs the inputs, copied into the batches when the call starts; each batch is the task's own
     *     {@code ArrayList}
     * @param batchTask the function applied to each batch
     * @param <T> input type
     * @param <R> result type of one batch
     * @return one result per batch, in input order; no inputs give no batches, so an empty list
     * @throws TaskFailedException for the first failed batch (its index is the batch's, its input the batch)
     * @throws IllegalStateException if the pool is closed
     * @throws IllegalArgumentException if an argument is null
     */
    default <T, R> List<R> batched(List<? extends T> inputs, Task<? super List<T>, ? extends R> batchTask) {
        return batched(inputs, batchTask, CallOptions.defaults());
    }

    /**
     * {@link #batched(List, Task)} with options for this call: {@link CallOptions#batches} sets the number of
     * batches (default: one per worker; more balance uneven batches better).
     *
     * @param inputs the inputs
     * @param batchTask the function applied to each batch
     * @param options batch count, name, progress bar
     * @param <T> input type
     * @param <R> result type of one batch
     * @return one result per batch, in input order
     * @throws TaskFailedException for the first failed batch
     * @throws IllegalStateException if the pool is closed
     * @throws IllegalArgumentException if an argument is null
     */
    default <T, R> List<R> batched(List<? extends T> inputs, Task<? super List<T>, ? extends R> batchTask,
            CallOptions options) {
        requireArgument(inputs, "inputs");
        requireArgument(options, "options");
        return map(Batches.split(inputs, Batches.count(options, size())), batchTask,
                Batches.runOptions(options, "batched"));
    }

    /**
     * {@link #batched(List, Task)}, then the batches' results combined by {@code reduction} in the calling
     * thread: {@code pool.batched(numbers, batch -> sum(batch), Reductions.sum())}.
     *
     * @param inputs the inputs
     * @param batchTask the function applied to each batch
     * @param reduction combines the results, in batch order; see {@link Reductions} for what it gives for no
     *     inputs
     * @param <T> input type
     * @param <R> result type of one batch
     * @param <O> the combined result type
     * @return the combined result
     * @throws TaskFailedException for the first failed batch (the reduction does not run)
     * @throws IllegalStateException if the pool is closed
     * @throws IllegalArgumentException if an argument is null
     * @throws RuntimeException whatever the reduction throws, unchanged
     */
    default <T, R, O> O batched(List<? extends T> inputs, Task<? super List<T>, ? extends R> batchTask,
            Reduction<? super R, ? extends O> reduction) {
        return batched(inputs, batchTask, reduction, CallOptions.defaults());
    }

    /**
     * {@link #batched(List, Task, Reduction)} with options for this call.
     *
     * @param inputs the inputs
     * @param batchTask the function applied to each batch
     * @param reduction combines the results, in batch order
     * @param options batch count, name, progress bar
     * @param <T> input type
     * @param <R> result type of one batch
     * @param <O> the combined result type
     * @return the combined result
     * @throws TaskFailedException for the first failed batch
     * @throws IllegalStateException if the pool is closed
     * @throws IllegalArgumentException if an argument is null
     * @throws RuntimeException whatever the reduction throws, unchanged
     */
    default <T, R, O> O batched(List<? extends T> inputs, Task<? super List<T>, ? extends R> batchTask,
            Reduction<? super R, ? extends O> reduction, CallOptions options) {
        requireArgument(reduction, "reduction");
        List<R> parts = batched(inputs, batchTask, options);
        return reduction.reduce(parts);
    }

    /**
     * The number of workers.
     *
     * @return the pool's size
     */
    int size();

    /**
     * What the workers have been doing: per worker, tasks completed and the time spent starting, in the hooks,
     * waiting and working; totals, means and shares; the slowest tasks with their inputs. Always collected (two
     * clock readings per task). The same figures are in the pool's JMX bean,
     * {@code dev.ensemble:type=WorkerPool,name=<pool name>}.
     *
     * @return a snapshot, consistent per worker
     */
    Insights insights();

    /**
     * The values the workers returned from the pool's {@link Builder#exitResult exitResult} function as they
     * exited normally (MPIRE's {@code get_exit_results()}): one per worker after {@link #close()}, and one more for
     * each time a worker was recycled ({@link Builder#maxTasksPerWorker}) before. A worker that died or was
     * killed (a crash, a task timeout, a worker process at {@link #terminate()}) ran no exit function and has no
     * value; after {@code terminate()}, idle threads still run theirs.
     *
     * @param <R> the type the function returns
     * @return the values in worker order, a worker's oldest first; empty without an exit function
     * @throws IllegalStateException if the pool has not been closed or terminated yet, or if the function threw
     *     on some worker (the first failure as the cause, the others suppressed)
     */
    <R> List<R> exitResults();

    /**
     * Graceful shutdown: refuses new calls, lets the calls already made finish, then stops the workers (running
     * their exit hooks) and waits for them. A stream not yet read to its end is cancelled instead of waited for
     * (its reader gets a {@link java.util.concurrent.CancellationException}), so an abandoned stream cannot
     * make close hang. Idempotent.
     *
     * @throws IllegalStateException if called from one of this pool's own tasks
     */
    @Override
    void close();

    /**
     * Immediate shutdown: refuses new calls, fails the calls still running with
     * {@link java.util.concurrent.CancellationException}, stops the workers without waiting for their tasks.
     * Idempotent.
     */
    void terminate();

    private static void requireArgument(Object value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
    }

    /**
     * Sets a pool's options once each, checks them together, and builds it. An option not set takes the default
     * its method states; setting one twice throws {@link IllegalStateException}.
     *
     * <pre>{@code
     * try (WorkerPool pool = WorkerPool.builder().workers(4).processes()
     *         .taskTimeout(Duration.ofSeconds(30)).retries(1).build()) {
     *     List<Result> results = pool.map(inputs, x -> simulate(x));
     * }
     * }</pre>
     */
    final class Builder extends PoolOptions<Builder> {
        Builder() {
        }

        /**
         * A function each worker runs as it exits normally, after {@code onWorkerExit}; the values it returns are
         * collected by the pool, for {@link WorkerPool#exitResults()} after {@code close()}. On threads, virtual
         * threads and processes (a process worker sends its value back, so it must be serializable).
         *
         * @param function the function; not null
         * @return this builder
         * @throws IllegalArgumentException if {@code function} is null
         * @throws IllegalStateException if already set
         */
        public Builder exitResult(WorkerExitFunction<?> function) {
            draft.set(Option.EXIT_RESULT, requireArgument(function, "exitResult"));
            return this;
        }

        /**
         * Replaces a worker after it has run this many tasks (recycling, for leaky native code). A worker is
         * replaced between chunks, never in the middle of a task.
         *
         * @param tasks at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code tasks} is less than 1
         * @throws IllegalStateException if already set
         */
        public Builder maxTasksPerWorker(long tasks) {
            if (tasks < 1) {
                throw new IllegalArgumentException("maxTasksPerWorker must be at least 1, got " + tasks);
            }
            draft.set(Option.MAX_TASKS_PER_WORKER, tasks);
            return this;
        }

        /**
         * Checks the options together and starts the workers. Returns when every worker is ready.
         *
         * @return the running pool
         * @throws IllegalArgumentException if the options contradict each other, such as {@code jvmArgs} on
         *     threads, or (for processes) the shared objects or a hook cannot be serialized
         * @throws IllegalStateException if this builder already built a pool, or a worker process could not
         *     start (bad {@code jvmArgs}, a failing start hook): the message holds the worker's own error output
         */
        public WorkerPool build() {
            return Pools.start(freeze());
        }

        /** The options, checked together; for {@link Ensemble.Builder}, which builds on them. */
        PoolConfig freeze() {
            return draft.freeze();
        }
    }
}
