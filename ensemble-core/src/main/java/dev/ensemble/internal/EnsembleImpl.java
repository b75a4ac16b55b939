package dev.ensemble.internal;

import dev.ensemble.internal.backend.ComposedHook;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.CallOptions;
import dev.ensemble.Ensemble;
import dev.ensemble.Insights;
import dev.ensemble.InstanceFactory;
import dev.ensemble.InstanceJob;
import dev.ensemble.InstanceTask;
import dev.ensemble.Outcome;
import dev.ensemble.Task;
import dev.ensemble.WorkerContext;
import dev.ensemble.WorkerHook;
import dev.ensemble.WorkerPool;
import dev.ensemble.internal.schedule.Call;
import dev.ensemble.internal.worker.WorkerState;
import java.io.Serial;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The one {@link Ensemble}: a {@link PoolImpl} whose workers each hold an instance.
 *
 * <p><b>How instances live.</b> The pool's start hook is wrapped: it runs the user's hook, then the factory, and
 * puts the instance in the worker's {@link WorkerState#attachments()}. Every backend runs start hooks in the
 * worker (a thread, a worker process, a cluster member) and again on a replacement worker, so an instance lost
 * with its worker is rebuilt there with no code here; the call that was running on it fails with the backend's
 * {@code WorkerDiedException} unless {@code retries} re-runs it, which is the scheduler's business. The exit hook
 * is wrapped to close an {@link AutoCloseable} instance after the user's hook.
 *
 * <p><b>How calls reach them.</b> Each call wraps the user's function into a {@link Task} that fetches the
 * instance from the current worker's context. {@code map} and its variants are the pool's own calls, so they are
 * load-balanced over the instances; {@code broadcast}, {@code scatter} and {@code on} are placed calls
 * ({@link dev.ensemble.internal.schedule.Scheduler#openPlaced}) whose input {@code i} is bound to a worker slot.
 *
 * <p><b>Factory failure at start</b> is recognised by a marker exception ({@link FactoryFailed}) thrown from the
 * hook, found in the cause chain of the backend's start failure, and turned into an
 * {@code IllegalStateException} whose cause is the factory's own exception. A factory that fails on a
 * replacement worker leaves a note in the worker's attachments, so calls there say why the instance is missing.
 *
 * @param <S> the type of the instances
 */
public final class EnsembleImpl<S> implements Ensemble<S> {
    static final String INSTANCE = "dev.ensemble.instance";
    static final String FACTORY_FAILURE = "dev.ensemble.instance.factoryFailure";

    private final PoolImpl pool;

    private EnsembleImpl(PoolImpl pool) {
        this.pool = pool;
        pool.hostsInstances();
    }

    /**
     * Starts the workers of {@code config} and builds an instance on each.
     *
     * @param config the pool's options, with the user's hooks
     * @param factory makes one instance
     * @param <S> the type of the instances
     * @return the running ensemble
     */
    public static <S> Ensemble<S> start(PoolConfig config, InstanceFactory<S> factory) {
        return start(config, factory, c -> {
            WorkerPool started = Pools.start(c);
            if (started instanceof PoolImpl impl) {
                return impl;
            }
            started.terminate();
            throw new IllegalStateException("instance pools need the standard pool engine, but "
                    + c.kind().builderName() + " workers come from " + started.getClass().getName());
        });
    }

    /** As {@link #start(PoolConfig, InstanceFactory)}, on a pool made by {@code starter} (tests use own backends). */
    static <S> Ensemble<S> start(PoolConfig config, InstanceFactory<S> factory, Function<PoolConfig, PoolImpl> starter) {
        PoolConfig withInstances = config.withHooks(startHook(config.name(), config.onWorkerStart(), factory),
                exitHook(config.onWorkerExit()));
        try {
            return new EnsembleImpl<>(starter.apply(withInstances));
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof FactoryFailed failed) {
                    throw new IllegalStateException(failed.getMessage(), failed.getCause());
                }
            }
            throw e;
        }
    }

    /** Thrown by the start hook when the factory fails, so that {@link #start} can tell it from other failures. */
    static final class FactoryFailed extends Exception {
        @Serial
        private static final long serialVersionUID = 1L;

        FactoryFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static WorkerHook startHook(String poolName, WorkerHook userHook, InstanceFactory<?> factory) {
        return new InstanceStartHook(poolName, userHook, factory);
    }

    /**
     * The start hook of an instance pool: the user's start hook, if any, then the factory, whose instance is kept in
     * the worker's state.
     *
     * @param poolName the pool's name, for messages
     * @param userHook the user's start hook, or null
     * @param factory the instance factory
     */
    private record InstanceStartHook(String poolName, WorkerHook userHook, InstanceFactory<?> factory)
            implements ComposedHook {
        @Override
        public Map<String, Object> parts() {
            Map<String, Object> parts = new LinkedHashMap<>();
            if (userHook != null) {
                parts.put("the pool's onWorkerStart", userHook);
            }
            parts.put("the instance factory of ensemble " + poolName, factory);
            return parts;
        }

        @Override
        public WorkerHook sent() {
            String name = poolName;
            WorkerHook hook = userHook;
            InstanceFactory<?> make = factory;
            return context -> buildInstance(name, hook, make, context);
        }

        @Override
        public void run(WorkerContext context) throws Exception {
            buildInstance(poolName, userHook, factory, context);
        }
    }

    /** The start hook's work: the user's start hook, then the factory, its instance kept in the worker's state. */
    private static void buildInstance(String poolName, WorkerHook userHook, InstanceFactory<?> factory,
            WorkerContext context) throws Exception {
        if (userHook != null) {
            userHook.run(context);
        }
        WorkerState state = stateOf(context);
        Object instance;
        try {
            instance = factory.create();
        } catch (Exception | LinkageError e) {
            // LinkageError: a class whose static initializer threw, typical of legacy code with static state.
            state.attachments().put(FACTORY_FAILURE, e);
            throw new FactoryFailed("the instance factory of ensemble " + poolName + " failed on worker "
                    + context.workerId() + ": " + e, e);
        }
        if (instance == null) {
            NullPointerException none = new NullPointerException("the factory returned null");
            state.attachments().put(FACTORY_FAILURE, none);
            throw new FactoryFailed("the instance factory of ensemble " + poolName + " returned null on worker "
                    + context.workerId() + "; a factory must return an instance", none);
        }
        state.attachments().put(INSTANCE, instance);
    }

    private static WorkerHook exitHook(WorkerHook userHook) {
        return context -> {
            Object instance = stateOf(context).attachments().remove(INSTANCE);
            try {
                if (userHook != null) {
                    userHook.run(context);
                }
            } finally {
                if (instance instanceof AutoCloseable closeable) {
                    closeable.close();
                }
            }
        };
    }

    private static WorkerState stateOf(WorkerContext context) {
        if (context instanceof WorkerState state) {
            return state;
        }
        throw new IllegalStateException("instance pools need the standard worker runtime, but this worker's context "
                + "is a " + context.getClass().getName());
    }

    /** The instance of the worker running the calling task. */
    private static Object instance() {
        WorkerContext context = WorkerContext.current();
        WorkerState state = stateOf(context);
        Object instance = state.attachments().get(INSTANCE);
        if (instance == null) {
            Object failure = state.attachments().get(FACTORY_FAILURE);
            throw new IllegalStateException("worker " + context.workerId() + " has no instance: "
                    + (failure != null ? "the factory failed when this worker was started as a replacement: "
                            + failure : "the worker is exiting"), failure instanceof Throwable t ? t : null);
        }
        return instance;
    }

    @SuppressWarnings("unchecked")
    private static Task<Object, Object> jobTask(InstanceJob<?, ?> job) {
        InstanceJob<Object, Object> j = (InstanceJob<Object, Object>) job;
        return ignored -> j.call(instance());
    }

    @SuppressWarnings("unchecked")
    private static Task<Object, Object> argumentTask(InstanceTask<?, ?, ?> task) {
        InstanceTask<Object, Object, Object> t = (InstanceTask<Object, Object, Object>) task;
        return argument -> t.apply(instance(), argument);
    }

    // ---- placed calls ----

    private <R> Call<R> openOnEvery(String name, InstanceJob<?, ?> job) {
        requireArgument(job, "job");
        int[] slots = everySlot();
        Task<Object, Object> task = pool.validated(jobTask(job), "the job");
        return pool.openPlaced(name, task, Collections.nCopies(slots.length, null), slots, Call.Kind.JOBS);
    }

    private <R> Call<R> openScatter(String name, List<?> args, InstanceTask<?, ?, ?> task) {
        requireArgument(args, "args");
        requireArgument(task, "task");
        if (args.size() != size()) {
            throw new IllegalArgumentException(name + " needs one argument per instance: this ensemble has " + size()
                    + " instances, but " + args.size() + " arguments were given; use map(...) to spread any number"
                    + " of arguments over the instances");
        }
        return pool.openPlaced(name, pool.validated(argumentTask(task), "the task"), new ArrayList<>(args),
                everySlot(), Call.Kind.INPUTS);
    }

    private <R> Call<R> openOn(int worker, InstanceJob<?, ?> job) {
        if (worker < 0 || worker >= size()) {
            throw new IllegalArgumentException("worker must be from 0 to " + (size() - 1) + " (this ensemble has "
                    + size() + " instances), got " + worker);
        }
        requireArgument(job, "job");
        return pool.openPlaced("on(" + worker + ")", pool.validated(jobTask(job), "the job"),
                Collections.singletonList(null),
                new int[] {worker}, Call.Kind.JOBS);
    }

    private int[] everySlot() {
        int[] slots = new int[size()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = i;
        }
        return slots;
    }

    @Override
    public <R> List<R> broadcast(InstanceJob<? super S, ? extends R> job) {
        return pool.await(openOnEvery("broadcast", job));
    }

    @Override
    public <R> CompletableFuture<List<R>> broadcastAsync(InstanceJob<? super S, ? extends R> job) {
        return pool.detached(openOnEvery("broadcastAsync", job));
    }

    @Override
    public <A, R> List<R> scatter(List<? extends A> args, InstanceTask<? super S, ? super A, ? extends R> task) {
        return pool.await(openScatter("scatter", args, task));
    }

    @Override
    public <A, R> CompletableFuture<List<R>> scatterAsync(List<? extends A> args,
            InstanceTask<? super S, ? super A, ? extends R> task) {
        return pool.detached(openScatter("scatterAsync", args, task));
    }

    @Override
    public <R> R on(int worker, InstanceJob<? super S, ? extends R> job) {
        Call<R> call = openOn(worker, job);
        return pool.await(call).get(0);
    }

    @Override
    public <R> CompletableFuture<R> onAsync(int worker, InstanceJob<? super S, ? extends R> job) {
        Call<R> call = openOn(worker, job);
        return pool.detached(call, results -> results.get(0));
    }

    // ---- load-balanced calls: the pool's own ----

    @Override
    @SuppressWarnings("unchecked")
    public <A, R> List<R> map(Iterable<? extends A> args, InstanceTask<? super S, ? super A, ? extends R> task,
            CallOptions options) {
        requireArgument(task, "task");
        return (List<R>) pool.map(args, argumentTask(task), options);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <A, R> List<R> mapUnordered(Iterable<? extends A> args,
            InstanceTask<? super S, ? super A, ? extends R> task, CallOptions options) {
        requireArgument(task, "task");
        return (List<R>) pool.mapUnordered(args, argumentTask(task), options);
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <A, R> List<Outcome<R>> mapOutcomes(Iterable<? extends A> args,
            InstanceTask<? super S, ? super A, ? extends R> task, CallOptions options) {
        requireArgument(task, "task");
        return (List) pool.mapOutcomes(args, argumentTask(task), options);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <A, R> Stream<R> stream(Iterable<? extends A> args, InstanceTask<? super S, ? super A, ? extends R> task,
            CallOptions options) {
        requireArgument(task, "task");
        return (Stream<R>) pool.stream(args, argumentTask(task), options);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <A, R> java.util.stream.Gatherer<A, ?, R> mapping(InstanceTask<? super S, ? super A, ? extends R> task,
            CallOptions options) {
        requireArgument(task, "task");
        return (java.util.stream.Gatherer<A, ?, R>) (java.util.stream.Gatherer<?, ?, ?>) pool.gatherer("mapping",
                argumentTask(task), options, dev.ensemble.internal.schedule.Call.Order.ORDERED);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <A, R> Stream<R> streamUnordered(Iterable<? extends A> args,
            InstanceTask<? super S, ? super A, ? extends R> task, CallOptions options) {
        requireArgument(task, "task");
        return (Stream<R>) pool.streamUnordered(args, argumentTask(task), options);
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <A, R> CompletableFuture<List<R>> mapAsync(Iterable<? extends A> args,
            InstanceTask<? super S, ? super A, ? extends R> task, CallOptions options) {
        requireArgument(task, "task");
        return (CompletableFuture) pool.mapAsync(args, argumentTask(task), options);
    }

    // ---- the rest ----

    @Override
    public int size() {
        return pool.size();
    }

    @Override
    public Insights insights() {
        return pool.insights();
    }

    @Override
    public void close() {
        pool.close();
    }

    @Override
    public void terminate() {
        pool.terminate();
    }

    private static void requireArgument(Object value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
    }

    @Override
    public String toString() {
        PoolConfig config = pool.config();
        return "Ensemble[" + config.name() + ", " + config.workers() + " instances on "
                + config.kind().builderName() + "]";
    }
}
