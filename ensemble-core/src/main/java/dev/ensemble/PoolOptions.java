package dev.ensemble;

import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.internal.backend.PoolConfig.Option;
import java.time.Duration;
import java.util.List;

/**
 * The options {@link WorkerPool.Builder} and {@link Ensemble.Builder} share, each set once, with the same meaning
 * and defaults for both: written once here, so that the two builders cannot drift apart.
 *
 * @param <B> the builder's own type, which every option returns
 */
abstract sealed class PoolOptions<B extends PoolOptions<B>> permits WorkerPool.Builder, Ensemble.Builder {
    final PoolConfig.Draft draft = new PoolConfig.Draft();

    PoolOptions() {
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }


    /**
     * The number of workers (default: the number of available processors).
     *
     * @param count at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code count} is less than 1
     * @throws IllegalStateException if already set
     */
    public B workers(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + count);
        }
        draft.set(Option.WORKERS, count);
        return self();
    }

    /**
     * Workers are platform threads of this JVM (the default).
     *
     * @return this builder
     * @throws IllegalStateException if a kind of worker was already chosen
     */
    public B threads() {
        draft.set(Option.BACKEND, PoolConfig.Kind.THREADS);
        return self();
    }

    /**
     * Workers are virtual threads: for tasks that mostly wait on I/O, where many more workers than cores pay.
     *
     * @return this builder
     * @throws IllegalStateException if a kind of worker was already chosen
     */
    public B virtualThreads() {
        draft.set(Option.BACKEND, PoolConfig.Kind.VIRTUAL_THREADS);
        return self();
    }

    /**
     * Workers run on the members of a cluster, such as {@code HazelcastBackend.of(hazelcastInstance)} from
     * {@code ensemble-hazelcast}. Tasks, inputs, results and shared objects travel serialized, as to worker
     * processes, so they must be data of classes that every member has on its class path. Without
     * {@link #workers(int)} the pool's size is the cluster module's default (for Hazelcast: each member's
     * processor count, or its {@code workersPerMember}).
     *
     * @param cluster the cluster; not null
     * @return this builder
     * @throws IllegalArgumentException if {@code cluster} is null
     * @throws IllegalStateException if a kind of worker was already chosen
     */
    public B cluster(ClusterBackend cluster) {
        requireArgument(cluster, "cluster");
        draft.set(Option.BACKEND, PoolConfig.Kind.CLUSTER);
        draft.set(Option.CLUSTER, cluster);
        return self();
    }

    /**
     * Workers are separate JVMs on this machine (see {@link WorkerPool#processes(int)}): isolated, killable,
     * replaced when they die. Worker JVMs exit by themselves when this JVM ends, however it ends.
     *
     * @return this builder
     * @throws IllegalStateException if a kind of worker was already chosen
     */
    public B processes() {
        draft.set(Option.BACKEND, PoolConfig.Kind.PROCESSES);
        return self();
    }

    /**
     * An object every worker can read through {@link WorkerContext#shared()}: sent once per worker, not
     * with every task.
     *
     * @param shared the object; not null
     * @return this builder
     * @throws IllegalArgumentException if {@code shared} is null
     * @throws IllegalStateException if already set
     */
    public B sharedObjects(Object shared) {
        draft.set(Option.SHARED_OBJECTS, requireArgument(shared, "sharedObjects"));
        return self();
    }

    /**
     * Code each worker runs when it starts, before its first task.
     *
     * @param hook the hook; not null
     * @return this builder
     * @throws IllegalArgumentException if {@code hook} is null
     * @throws IllegalStateException if already set
     */
    public B onWorkerStart(WorkerHook hook) {
        draft.set(Option.ON_WORKER_START, requireArgument(hook, "onWorkerStart"));
        return self();
    }

    /**
     * Code each worker runs when it exits normally (pool closed, or the worker recycled); in an {@link Ensemble},
     * before its instance is closed (if it is {@link AutoCloseable}).
     *
     * @param hook the hook; not null
     * @return this builder
     * @throws IllegalArgumentException if {@code hook} is null
     * @throws IllegalStateException if already set
     */
    public B onWorkerExit(WorkerHook hook) {
        draft.set(Option.ON_WORKER_EXIT, requireArgument(hook, "onWorkerExit"));
        return self();
    }

    /**
     * The longest one task may run. Over it, the task fails with {@link TaskTimeoutException}; a worker
     * process running it is killed and replaced, a thread is interrupted (and replaced if it goes on).
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is null, zero or negative
     * @throws IllegalStateException if already set
     */
    public B taskTimeout(Duration timeout) {
        draft.set(Option.TASK_TIMEOUT, positive(timeout, "taskTimeout"));
        return self();
    }

    /**
     * How many times a chunk whose worker died is run again on another worker before the call fails with
     * {@link WorkerDiedException} (default 0). A task that threw is never retried.
     *
     * @param times 0 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code times} is negative
     * @throws IllegalStateException if already set
     */
    public B retries(int times) {
        if (times < 0) {
            throw new IllegalArgumentException("retries must be 0 or more, got " + times);
        }
        draft.set(Option.RETRIES, times);
        return self();
    }

    /**
     * Draws a progress bar for every {@code map}/{@code stream} call unless the call says otherwise (default:
     * off): count, percentage, rate, elapsed time and ETA, named after the call. On a terminal it is redrawn
     * in place on standard error; elsewhere (CI logs, files) a plain line is printed every 5 seconds and when
     * the call ends. A separate ticker reads the call's counter five times a second, so the bar costs the
     * tasks nothing. The system property {@code ensemble.progress=terminal|lines} overrides the detection.
     *
     * @param show whether to draw it
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public B progressBar(boolean show) {
        draft.set(Option.PROGRESS_BAR, show);
        return self();
    }

    /**
     * Names the pool in insights, thread names, JMX and the dashboard (default: {@code ensemble-N}).
     *
     * @param poolName a short non-blank name
     * @return this builder
     * @throws IllegalArgumentException if {@code poolName} is null or blank
     * @throws IllegalStateException if already set
     */
    public B name(String poolName) {
        if (poolName == null || poolName.isBlank()) {
            throw new IllegalArgumentException("a pool name must be a non-blank string, got " + poolName);
        }
        draft.set(Option.NAME, poolName.strip());
        return self();
    }

    /**
     * Keeps the worker JVMs of this pool alive for up to {@code idle} after {@link WorkerPool#close()}, to be
     * taken by the next pool built in this JVM with the same {@code jvmArgs} (loky's reusable executor
     * does this for Python). That pool is then ready in milliseconds instead of the few hundred a cold JVM needs. A reused
     * worker gets the new pool's shared objects, hooks and fresh worker state (the exit hook ran at close);
     * what tasks left in static fields stays, as it would in a long-lived worker. Idle workers still exit
     * when this JVM ends, however it ends. Default: {@link Duration#ZERO}, the workers exit with their pool.
     * Only for process workers.
     *
     * @param idle how long an idle worker waits for the next pool; zero to turn this off
     * @return this builder
     * @throws IllegalArgumentException if {@code idle} is null or negative
     * @throws IllegalStateException if already set
     */
    public B keepWarm(Duration idle) {
        draft.set(Option.KEEP_WARM, notNegative(idle, "keepWarm"));
        return self();
    }

    /**
     * How long a worker process's {@link #onWorkerStart} hook (an {@code Ensemble}'s instance factory included)
     * may take (MPIRE's {@code worker_init_timeout}): a worker whose hook has not finished by then is killed and
     * the start fails, saying so ({@code build()} for the first workers; a replacement's failure ends its slot
     * as a start failure that repeats would). Default: no limit. Only for process workers.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is null, zero or negative
     * @throws IllegalStateException if already set
     */
    public B startHookTimeout(Duration timeout) {
        draft.set(Option.START_HOOK_TIMEOUT, positive(timeout, "startHookTimeout"));
        return self();
    }

    /**
     * How long {@link WorkerPool#close()} waits for the workers' exit hooks (MPIRE's
     * {@code worker_exit_timeout}): a worker process whose hook has not finished by then is killed, with a
     * warning, so that a hook that hangs cannot hold {@code close()} for good. Default: 60 seconds. Only for
     * process workers.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is null, zero or negative
     * @throws IllegalStateException if already set
     */
    public B exitHookTimeout(Duration timeout) {
        draft.set(Option.EXIT_HOOK_TIMEOUT, positive(timeout, "exitHookTimeout"));
        return self();
    }

    /**
     * Pins each worker process to a CPU (Linux, MPIRE's {@code cpu_ids}): worker {@code i} runs on CPU
     * {@code cpus[i % cpus.length]}, so {@code cpus(0, 1, 2, 3)} gives each of four workers its own CPU. Workers
     * are started through {@code taskset}; a CPU the machine lacks fails {@code build()} with its message.
     * Default: not pinned. Only for process workers, and not with {@link #keepWarm}.
     *
     * @param cpus CPU numbers, at least one, none negative
     * @return this builder
     * @throws IllegalArgumentException if {@code cpus} is empty or holds a negative number
     * @throws IllegalStateException if already set
     */
    public B cpus(int... cpus) {
        requireArgument(cpus, "cpus");
        List<java.util.Set<Integer>> each = new java.util.ArrayList<>();
        for (int cpu : cpus) {
            each.add(java.util.Set.of(cpu));
        }
        return cpuSets(each);
    }

    /**
     * Pins each worker process to a set of CPUs: worker {@code i} to {@code sets.get(i % sets.size())}, so
     * {@code cpuSets(List.of(Set.of(0, 1)))} keeps every worker on CPUs 0 and 1. Default: not pinned. Only for
     * process workers (Linux, through {@code taskset}), and not with {@link #keepWarm}.
     *
     * @param sets CPU sets, at least one, none empty, no negative CPU
     * @return this builder
     * @throws IllegalArgumentException if {@code sets} is empty or holds an empty set or a negative number
     * @throws IllegalStateException if already set (also by {@link #cpus(int...)})
     */
    public B cpuSets(List<? extends java.util.Set<Integer>> sets) {
        requireArgument(sets, "cpuSets");
        if (sets.isEmpty() || sets.stream().anyMatch(set -> set == null || set.isEmpty()
                || set.stream().anyMatch(cpu -> cpu == null || cpu < 0))) {
            throw new IllegalArgumentException("cpus must be one or more non-empty sets of CPU numbers (0 or "
                    + "more), got " + sets);
        }
        List<java.util.Set<Integer>> copy = new java.util.ArrayList<>();
        for (java.util.Set<Integer> set : sets) {
            copy.add(java.util.Set.copyOf(set));
        }
        draft.set(Option.CPUS, List.copyOf(copy));
        return self();
    }

    /**
     * How long {@link WorkerPool#close()} waits for a worker process to end after its exit hook has run. A
     * worker JVM still running then (a shutdown hook that never returns, a non-daemon thread stuck in native
     * code) is killed, with the processes its tasks started, and a warning is logged. Default: 5 seconds.
     * Only for process workers.
     *
     * @param grace zero or positive
     * @return this builder
     * @throws IllegalArgumentException if {@code grace} is null or negative
     * @throws IllegalStateException if already set
     */
    public B exitGracePeriod(Duration grace) {
        draft.set(Option.EXIT_GRACE_PERIOD, notNegative(grace, "exitGracePeriod"));
        return self();
    }

    /**
     * Extra JVM options of each worker process, such as {@code "-Xmx512m"}. Only for process workers.
     *
     * @param args the options; none null
     * @return this builder
     * @throws IllegalArgumentException if an option is null or blank
     * @throws IllegalStateException if already set
     */
    public B jvmArgs(String... args) {
        requireArgument(args, "jvmArgs");
        draft.set(Option.JVM_ARGS, PoolConfig.checkedJvmArgs(args));
        return self();
    }

    static Duration positive(Duration value, String option) {
        requireArgument(value, option);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(option + " must be positive, got " + value);
        }
        return value;
    }

    static Duration notNegative(Duration value, String option) {
        requireArgument(value, option);
        if (value.isNegative()) {
            throw new IllegalArgumentException(option + " must be zero or positive, got " + value);
        }
        return value;
    }

    static <V> V requireArgument(V value, String option) {
        if (value == null) {
            throw new IllegalArgumentException(option + " must not be null");
        }
        return value;
    }
}
