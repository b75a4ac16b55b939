package dev.ensemble.internal;

import dev.ensemble.internal.backend.Backend;
import dev.ensemble.internal.backend.Jobs;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.CallOptions;
import dev.ensemble.Insights;
import dev.ensemble.Job;
import dev.ensemble.Outcome;
import dev.ensemble.Task;
import dev.ensemble.WorkerPool;
import dev.ensemble.internal.monitor.PoolMonitor;
import dev.ensemble.internal.schedule.Call;
import dev.ensemble.internal.schedule.CallObserver;
import dev.ensemble.internal.schedule.Scheduler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Gatherer;
import java.util.stream.Stream;

/** The one {@link WorkerPool}: argument checks and call shapes over a {@link Scheduler} and a {@link Backend}. */
public final class PoolImpl implements WorkerPool {
    private final PoolConfig config;
    private final Scheduler scheduler;
    private final Backend backend;
    private final PoolMonitor monitor;
    private final CallWaits waits;
    private final Object lifecycle = new Object();
    private boolean stopped;

    /** close() or terminate() has returned: the workers' exit values are all in. */
    private volatile boolean ended;
    /** Set by an instance pool (Ensemble) before its first call: its workers must not be recycled. */
    private volatile boolean hostsInstances;

    PoolImpl(PoolConfig config, Backend backend) {
        this.config = config;
        this.backend = backend;
        this.scheduler = new Scheduler(config.name(), config.workers(), config.taskTimeout(), config.retries());
        this.waits = new CallWaits(scheduler, backend, toString());
        BackendSignals signals = new BackendSignals(backend);
        scheduler.onDeadlinePassed(signals);
        scheduler.addObserver(signals);
        dev.ensemble.internal.jfr.Jfr jfr = new dev.ensemble.internal.jfr.Jfr(config.name());
        scheduler.setWorkerEvents(jfr);
        scheduler.addObserver(jfr);
        backend.start(scheduler);
        this.monitor = PoolMonitor.attach(config, scheduler);
    }

    /** @return the pool's options */
    public PoolConfig config() {
        return config;
    }

    /** @return the pool's backend */
    Backend backend() {
        return backend;
    }

    /** @return the pool's scheduler, for features layered on it (instance pools, progress) */
    public Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public <T, R> List<R> map(Iterable<? extends T> inputs, Task<? super T, ? extends R> task, CallOptions options) {
        if (options != null && options.isOrderTasks()) {
            if (options.taskTimeout() != null) {
                throw new IllegalArgumentException("orderTasks cannot be combined with a call's taskTimeout; set "
                        + "taskTimeout on the pool, or drop one of them");
            }
            if (options.maxTasksPerWorker() > 0) {
                throw new IllegalArgumentException("orderTasks cannot be combined with a call's maxTasksPerWorker; "
                        + "set maxTasksPerWorker on the pool, or drop one of them");
            }
            return mapInWorkerOrder(inputs, task);
        }
        return await(open("map", inputs, task, options, Call.Order.ORDERED, Call.Shape.COLLECT, Call.OnFailure.FAIL_FAST));
    }

    /** Marks this pool as an instance pool's: calls then refuse a worker lifespan (it would replace instances). */
    void hostsInstances() {
        hostsInstances = true;
    }

    /** Refuses the call options this pool's backend cannot honour, before anything is sent. */
    private void requireSupported(String what, CallOptions options) {
        if (options.taskTimeout() != null && config.kind() == PoolConfig.Kind.CLUSTER) {
            throw new IllegalArgumentException("a call's taskTimeout applies to threads, virtual threads and "
                    + "processes; this " + what + " is on a cluster pool, whose members time tasks by the pool's "
                    + "taskTimeout: set it on the pool, or drop it from the call");
        }
        if (options.maxTasksPerWorker() > 0 && hostsInstances) {
            throw new IllegalArgumentException("a call's maxTasksPerWorker would replace the instances of this "
                    + "Ensemble's workers, which live as long as their workers; drop it from the " + what + " call");
        }
        if (options.maxTasksPerWorker() > 0 && config.kind() == PoolConfig.Kind.CLUSTER) {
            throw new IllegalArgumentException("a call's maxTasksPerWorker applies to threads, virtual threads and "
                    + "processes; this " + what + " is on a cluster pool: set maxTasksPerWorker on the pool, or drop "
                    + "it from the call");
        }
    }

    /** {@code map} with input {@code i} placed on worker {@code i % size()} (CallOptions.orderTasks). */
    @SuppressWarnings("unchecked")
    private <T, R> List<R> mapInWorkerOrder(Iterable<? extends T> inputs, Task<? super T, ? extends R> task) {
        requireArgument(inputs, "inputs");
        requireArgument(task, "task");
        backend.validate(task, "the task");
        List<Object> all = new ArrayList<>();
        inputs.forEach(all::add); // the caller's thread, before the call opens
        int[] slots = new int[all.size()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = i % config.workers();
        }
        return await(openPlaced("map", (Task<Object, Object>) task, all, slots, Call.Kind.INPUTS));
    }

    @Override
    public <T, R> List<R> mapUnordered(Iterable<? extends T> inputs, Task<? super T, ? extends R> task,
            CallOptions options) {
        return await(open("mapUnordered", inputs, task, options, Call.Order.UNORDERED, Call.Shape.COLLECT, Call.OnFailure.FAIL_FAST));
    }

    @Override
    public <T, R> List<Outcome<R>> mapOutcomes(Iterable<? extends T> inputs, Task<? super T, ? extends R> task,
            CallOptions options) {
        return await(open("mapOutcomes", inputs, task, options, Call.Order.ORDERED, Call.Shape.COLLECT, Call.OnFailure.KEEP_GOING));
    }

    @Override
    public <T, R> Stream<R> stream(Iterable<? extends T> inputs, Task<? super T, ? extends R> task,
            CallOptions options) {
        return waits.stream(open("stream", inputs, task, options, Call.Order.ORDERED, Call.Shape.STREAM, Call.OnFailure.FAIL_FAST));
    }

    @Override
    public <T, R> Stream<R> streamUnordered(Iterable<? extends T> inputs, Task<? super T, ? extends R> task,
            CallOptions options) {
        return waits.stream(open("streamUnordered", inputs, task, options, Call.Order.UNORDERED, Call.Shape.STREAM,
                Call.OnFailure.FAIL_FAST));
    }

    @Override
    public <T, R> CompletableFuture<List<R>> mapAsync(Iterable<? extends T> inputs,
            Task<? super T, ? extends R> task, CallOptions options) {
        return detached(open("mapAsync", inputs, task, options, Call.Order.ORDERED, Call.Shape.COLLECT, Call.OnFailure.FAIL_FAST));
    }

    @Override
    public <R> CompletableFuture<R> submit(Job<? extends R> job) {
        requireArgument(job, "job");
        backend.validate(job, "the job");
        Call<R> call = openJob("submit", job);
        return detached(call, new FirstResult<>()); // cancelling it cancels the job
    }

    /** A job's one result. A named class, not a lambda: see Scheduler (linking). */
    private static final class FirstResult<R> implements Function<List<R>, R> {
        @Override
        public R apply(List<R> results) {
            return results.get(0);
        }
    }

    @Override
    public <R> R apply(Job<? extends R> job) {
        requireArgument(job, "job");
        backend.validate(job, "the job");
        Call<R> call = openJob("apply", job);
        return await(call).get(0);
    }

    private <R> Call<R> openJob(String name, Job<? extends R> job) {
        return openPlaced(name, asTask(job), Collections.singletonList(null), new int[] {-1}, Call.Kind.JOBS);
    }

    /**
     * Opens a placed call (see {@link Scheduler#openPlaced}) and lets the backend hand its chunks to idle workers
     * from this thread; the workers' threads are woken only if it could not, so a ping-pong of small calls does
     * not wake threads that would find nothing to do (and, on a small machine, take the CPU the answer needs).
     *
     * @param name for messages
     * @param task the task
     * @param inputs one input per entry of {@code slots}
     * @param slots the slot of each input, or -1 for any
     * @param kind whether failures name the input (inputs) or not (jobs)
     * @param <R> delivered element type
     * @return the call
     */
    public <R> Call<R> openPlaced(String name, Task<Object, Object> task, List<?> inputs, int[] slots,
            Call.Kind kind) {
        Call<R> call = scheduler.openPlaced(name, task, inputs, slots, kind, Scheduler.Wake.NONE);
        if (!backend.callOpened(call.id())) {
            scheduler.wakeWorkers();
        }
        return call;
    }

    /**
     * Checks that a function can reach the workers before a call is opened with it (see {@link Backend#validate}).
     *
     * @param function the task or job as it will be sent
     * @param role what it is to the user, for the message
     * @param <F> its type
     * @return the function
     * @throws IllegalArgumentException naming what cannot be sent
     */
    public <F> F validated(F function, String role) {
        backend.validate(function, role);
        return function;
    }

    @Override
    public <R> List<R> broadcast(Job<? extends R> job) {
        requireArgument(job, "job");
        backend.validate(job, "the job");
        int[] slots = new int[config.workers()];
        List<Object> inputs = new ArrayList<>(slots.length);
        for (int i = 0; i < slots.length; i++) {
            slots[i] = i;
            inputs.add(null);
        }
        return await(openPlaced("broadcast", asTask(job), inputs, slots, Call.Kind.JOBS));
    }

    /** A job as a task: the form a worker process can be sent the job alone in, or a plain one for threads. */
    private Task<Object, Object> asTask(Job<?> job) {
        return config.kind() == PoolConfig.Kind.THREADS || config.kind() == PoolConfig.Kind.VIRTUAL_THREADS
                ? Jobs.asLocalTask(job) : Jobs.asTask(job);
    }

    @Override
    public int size() {
        return config.workers();
    }

    @Override
    public Insights insights() {
        return scheduler.insights();
    }

    @SuppressWarnings("unchecked")
    private <R> Call<R> open(String what, Iterable<?> inputs, Task<?, ?> task, CallOptions options,
            Call.Order order, Call.Shape shape, Call.OnFailure onFailure) {
        requireArgument(inputs, "inputs");
        requireArgument(task, "task");
        requireArgument(options, "options");
        if (options.isOrderTasks()) {
            throw new IllegalArgumentException("orderTasks applies to map only, not to " + what
                    + "; use map, or drop orderTasks");
        }
        requireSupported(what, options);
        backend.validate(task, "the task");
        return scheduler.open(what, (Task<Object, Object>) task, inputs, order, shape, onFailure, options);
    }

    /**
     * Waits for a call; an interrupted caller cancels it.
     *
     * @param call a call of this pool
     * @param <R> element type
     * @return its results
     */
    public <R> List<R> await(Call<R> call) {
        return waits.await(call);
    }

    /** Why a task may not wait for a call on its own pool (see {@link CallWaits}). */
    IllegalStateException nestedCall(String what) {
        return waits.nestedCall(what);
    }

    /**
     * A future the caller may cancel (cancelling the call) but not complete in the pool's place.
     *
     * @param call a call of this pool
     * @param <R> element type
     * @return the future of its results
     */
    public <R> CompletableFuture<List<R>> detached(Call<R> call) {
        return waits.detached(call, results -> results);
    }

    /**
     * A future of a call's result as {@code result} makes it of the results list (the one result of a submit): the
     * caller may cancel it, which cancels the call, as for {@link #detached(Call)}.
     *
     * @param call a call of this pool
     * @param result what the future gives of the call's results
     * @param <R> element type
     * @param <V> the future's type
     * @return the future
     */
    public <R, V> CompletableFuture<V> detached(Call<R> call, java.util.function.Function<List<R>, V> result) {
        return waits.detached(call, result);
    }

    @Override
    public java.util.concurrent.ExecutorService asExecutorService() {
        return new PoolExecutorService(this);
    }

    @Override
    public <T, R> Gatherer<T, ?, R> mapping(Task<? super T, ? extends R> task, CallOptions options) {
        return gatherer("mapping", task, options, Call.Order.ORDERED);
    }

    @Override
    public <T, R> Gatherer<T, ?, R> mappingUnordered(Task<? super T, ? extends R> task, CallOptions options) {
        return gatherer("mappingUnordered", task, options, Call.Order.UNORDERED);
    }

    /**
     * A gatherer whose every use makes one stream call, fed element by element through a {@link Handoff}.
     *
     * @param what the call's name
     * @param task the task, checked now
     * @param options the call's options
     * @param order result order
     * @param <T> element type
     * @param <R> result type
     * @return the gatherer
     */
    @SuppressWarnings("unchecked")
    public <T, R> Gatherer<T, ?, R> gatherer(String what, Task<? super T, ? extends R> task, CallOptions options,
            Call.Order order) {
        requireArgument(task, "task");
        requireArgument(options, "options");
        requireSupported(what, options);
        backend.validate(task, "the task");
        Task<Object, Object> sent = (Task<Object, Object>) task;
        int window = GATHER_WINDOW_PER_WORKER * config.workers();
        return Gatherer.<T, Gathering<R>, R>ofSequential(
                () -> new Gathering<>(this, what, sent, options, order, window),
                Gatherer.Integrator.of((state, element, downstream) -> state.accept(element, downstream)),
                (state, downstream) -> state.finish(downstream));
    }

    /** How many elements a gatherer keeps ahead of the results it has pushed downstream, per worker. */
    private static final int GATHER_WINDOW_PER_WORKER = 16;

    private static void requireArgument(Object value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
    }

    @Override
    public void close() {
        if (backend.isWorkerThread()) {
            throw new IllegalStateException("a task cannot close the pool it runs on (it would wait for itself)");
        }
        synchronized (lifecycle) {
            if (stopped) {
                return;
            }
            stopped = true;
        }
        scheduler.close();
        backend.awaitExit();
        scheduler.closed();
        monitor.detach();
        ended = true;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R> List<R> exitResults() {
        if (!ended) {
            throw new IllegalStateException("exitResults() of pool " + config.name() + " are complete only after "
                    + "close() (or terminate()) has returned; call it then");
        }
        return (List<R>) backend.exitResults().values(config.name());
    }

    @Override
    public void terminate() {
        synchronized (lifecycle) {
            stopped = true;
        }
        scheduler.terminate();
        backend.kill();
        monitor.detach();
        ended = true;
    }

    @Override
    public String toString() {
        return "WorkerPool[" + config.name() + ", " + config.workers() + " " + config.kind().builderName() + "]";
    }

    /**
     * Tells the backend what the scheduler decided about a call: that it ended by a failure or a cancellation (after
     * the scheduler's lock), or that its deadline passed and its running tasks must stop. One named class, not two
     * and not lambdas: each is a class that a JVM's first pool loads (see the note on linking in Scheduler).
     */
    private record BackendSignals(Backend backend) implements CallObserver, java.util.function.LongConsumer {
        @Override
        public void opened(Call<?> call, CallOptions options) {
        }

        @Override
        public void finished(Call<?> call, Throwable failure) {
            if (failure != null) {
                backend.callCancelled(call.id());
            }
        }

        @Override
        public void accept(long callId) {
            backend.stopRunning(callId);
        }
    }
}
