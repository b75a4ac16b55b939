package dev.ensemble.internal.backend;

import dev.ensemble.ClusterBackend;
import dev.ensemble.WorkerExitFunction;
import dev.ensemble.WorkerHook;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every option of a pool, checked together. Built by {@link Draft}, which enforces that each option is set at
 * most once.
 *
 * @param name the pool's name
 * @param kind what the workers are
 * @param workers how many
 * @param sharedObjects the object behind {@code WorkerContext.shared()}, or null
 * @param onWorkerStart start hook, or null
 * @param onWorkerExit exit hook, or null
 * @param exitResult the function whose value each worker returns as it exits, collected by the pool; or null
 * @param taskTimeout per-task limit, or null
 * @param maxTasksPerWorker recycling threshold, or 0 for never
 * @param retries re-runs of a chunk whose worker died
 * @param progressBar the default for calls
 * @param jvmArgs extra options of worker processes
 * @param keepWarm how long the idle worker JVMs of a closed pool wait to be taken by the next pool of the same JVM
 *     options ({@link Duration#ZERO}: they exit with the pool)
 * @param exitGracePeriod how long a closing pool waits for a worker process to end after its exit hook ran,
 *     before it kills it
 * @param startHookTimeout how long a worker process's start hook may take before the worker is killed, or null
 * @param exitHookTimeout how long a closing pool waits for a worker process's exit hook before it kills the worker
 * @param cpus the CPUs each worker process is pinned to, worker {@code i} to entry {@code i % size()}; empty for
 *     none
 * @param cluster the cluster the workers run on (a pool of kind {@link Kind#CLUSTER}), else null
 */
public record PoolConfig(String name, Kind kind, int workers, Object sharedObjects, WorkerHook onWorkerStart,
        WorkerHook onWorkerExit, WorkerExitFunction<?> exitResult, Duration taskTimeout, long maxTasksPerWorker, int retries, boolean progressBar,
        List<String> jvmArgs, Duration keepWarm, Duration exitGracePeriod, Duration startHookTimeout,
        Duration exitHookTimeout,
        List<java.util.Set<Integer>> cpus, ClusterBackend cluster) {

    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();

    /** Enough for a JVM's own shutdown (hooks that flush and close); short enough that close() stays prompt. */
    public static final Duration DEFAULT_EXIT_GRACE_PERIOD = Duration.ofSeconds(5);

    /** Long enough for an exit hook that saves state; a hook that hangs still cannot hold close() for good. */
    public static final Duration DEFAULT_EXIT_HOOK_TIMEOUT = Duration.ofSeconds(60);

    /**
     * Checks worker JVM options as a builder receives them (the pool's {@code jvmArgs}, and the cluster's
     * member-side worker JVMs').
     *
     * @param args the options, not null
     * @return them as an unmodifiable list
     * @throws IllegalArgumentException if an option is null or blank, or says what the worker JVM runs or where
     *     its classes come from, which the library decides
     */
    public static List<String> checkedJvmArgs(String... args) {
        for (String arg : args) {
            if (arg == null || arg.isBlank()) {
                throw new IllegalArgumentException("jvmArgs must not contain null or blank options, got "
                        + java.util.Arrays.toString(args));
            }
            String option = arg.strip();
            int equals = option.indexOf('=');
            String name = option.startsWith("--") && equals > 0 ? option.substring(0, equals) : option;
            String why = switch (name) {
                case "-cp", "-classpath", "--class-path", "-p", "--module-path" -> "worker JVMs get this JVM's class "
                        + "path and module path; put the jars the tasks need on this JVM's class path instead";
                case "-jar", "-m", "--module", "--source" -> "the library decides what a worker JVM runs";
                default -> null;
            };
            if (why != null) {
                throw new IllegalArgumentException("jvmArgs must not contain " + name + ": " + why);
            }
        }
        return List.of(args);
    }

    /**
     * The same options with other worker hooks, for features that run their own code as workers start and exit
     * (instance pools build their instances in the start hook).
     *
     * @param start the start hook, or null
     * @param exit the exit hook, or null
     * @return the new configuration
     */
    public PoolConfig withHooks(WorkerHook start, WorkerHook exit) {
        return new PoolConfig(name, kind, workers, sharedObjects, start, exit, exitResult, taskTimeout,
                maxTasksPerWorker, retries,
                progressBar, jvmArgs, keepWarm, exitGracePeriod, startHookTimeout, exitHookTimeout, cpus, cluster);
    }

    /**
     * The user's objects that a pool sends its workers, each under the name the user knows it by (a composed hook's
     * parts under theirs): for naming the one that cannot be sent, once the whole setup could not be.
     *
     * @return name to object, in the builder's order; no nulls
     */
    public Map<String, Object> sentParts() {
        String[] roles = {"sharedObjects", "onWorkerStart", "onWorkerExit", "exitResult"};
        Object[] given = {sharedObjects, onWorkerStart, onWorkerExit, exitResult};
        Map<String, Object> parts = new LinkedHashMap<>();
        for (int i = 0; i < given.length; i++) {
            if (given[i] instanceof ComposedHook composed) {
                parts.putAll(composed.parts());
            } else if (given[i] != null) {
                parts.put("the pool's " + roles[i], given[i]);
            }
        }
        return parts;
    }

    /** What a pool's workers are. */
    public enum Kind {
        /** Platform threads of this JVM. */
        THREADS,
        /** Virtual threads of this JVM. */
        VIRTUAL_THREADS,
        /** Worker JVMs on this machine. */
        PROCESSES,
        /** Members of a cluster. */
        CLUSTER;

        /** @return the name users write in the builder */
        public String builderName() {
            return switch (this) {
                case THREADS -> "threads";
                case VIRTUAL_THREADS -> "virtualThreads";
                case PROCESSES -> "processes";
                case CLUSTER -> "cluster";
            };
        }
    }

    /**
     * An option a builder sets: its name (in messages) and, as a type parameter, the type of its value, so that a
     * {@link Draft} hands each value back as what it is. The constants below are the only instances, compared by
     * identity. A class, not a record: a record's {@code hashCode} bootstraps through {@code invokedynamic}, about
     * 10 ms on the first builder of a JVM.
     *
     * @param <T> the value's type
     */
    public static final class Option<T> {
        private final String name;

        private Option(String name) {
            this.name = name;
        }

        /** @return the option's builder name */
        public String name() {
            return name;
        }

        @Override
        public String toString() {
            return name;
        }

        /** The kind of worker: {@code threads()}, {@code virtualThreads()}, {@code processes()}, {@code cluster()}. */
        public static final Option<Kind> BACKEND = new Option<>("backend");
        /** {@code workers}. */
        public static final Option<Integer> WORKERS = new Option<>("workers");
        /** {@code cluster}: the cluster module's backend object. */
        public static final Option<dev.ensemble.ClusterBackend> CLUSTER = new Option<>("cluster");
        /** {@code sharedObjects}. */
        public static final Option<Object> SHARED_OBJECTS = new Option<>("sharedObjects");
        /** {@code onWorkerStart}. */
        public static final Option<WorkerHook> ON_WORKER_START = new Option<>("onWorkerStart");
        /** {@code onWorkerExit}. */
        public static final Option<WorkerHook> ON_WORKER_EXIT = new Option<>("onWorkerExit");
        /** {@code exitResult}. */
        public static final Option<WorkerExitFunction<?>> EXIT_RESULT = new Option<>("exitResult");
        /** {@code taskTimeout}. */
        public static final Option<Duration> TASK_TIMEOUT = new Option<>("taskTimeout");
        /** {@code maxTasksPerWorker}. */
        public static final Option<Long> MAX_TASKS_PER_WORKER = new Option<>("maxTasksPerWorker");
        /** {@code retries}. */
        public static final Option<Integer> RETRIES = new Option<>("retries");
        /** {@code progressBar}. */
        public static final Option<Boolean> PROGRESS_BAR = new Option<>("progressBar");
        /** {@code name}. */
        public static final Option<String> NAME = new Option<>("name");
        /** {@code jvmArgs}. */
        public static final Option<List<String>> JVM_ARGS = new Option<>("jvmArgs");
        /** {@code keepWarm}. */
        public static final Option<Duration> KEEP_WARM = new Option<>("keepWarm");
        /** {@code startHookTimeout}. */
        public static final Option<Duration> START_HOOK_TIMEOUT = new Option<>("startHookTimeout");
        /** {@code exitHookTimeout}. */
        public static final Option<Duration> EXIT_HOOK_TIMEOUT = new Option<>("exitHookTimeout");
        /** {@code exitGracePeriod}. */
        public static final Option<Duration> EXIT_GRACE_PERIOD = new Option<>("exitGracePeriod");
        /** {@code cpus} and {@code cpuSets}. */
        public static final Option<List<java.util.Set<Integer>>> CPUS = new Option<>("cpus");
    }

    /**
     * Options as they are set, each at most once: the second {@code set} of an option throws
     * {@code IllegalStateException("workers was already set to 4")}.
     */
    public static final class Draft {
        private final Map<Option<?>, Object> values = new LinkedHashMap<>();
        private boolean frozen;

        /**
         * Records an option.
         *
         * @param <T> the value's type
         * @param option the option
         * @param value its value
         * @throws IllegalStateException if the option was set already, or the builder built its pool
         */
        public synchronized <T> void set(Option<T> option, T value) {
            if (frozen) {
                throw new IllegalStateException("this builder already built a pool; make a new builder");
            }
            Object previous = values.putIfAbsent(option, value);
            if (previous != null) {
                String shown = previous instanceof Kind k ? k.builderName() : String.valueOf(previous);
                String what = option == Option.BACKEND ? "the kind of worker" : option.name();
                throw new IllegalStateException(what + " was already set to " + shown);
            }
        }

        /** The value of an option, or {@code otherwise} if it was not set. The one cast of the draft. */
        @SuppressWarnings("unchecked")
        private <T> T get(Option<T> option, T otherwise) {
            Object value = values.get(option);
            return value == null ? otherwise : (T) value;
        }

        private boolean isSet(Option<?> option) {
            return values.containsKey(option);
        }

        /**
         * Checks the options together and returns them with defaults filled in.
         *
         * @return the configuration
         */
        public synchronized PoolConfig freeze() {
            if (frozen) {
                throw new IllegalStateException("this builder already built a pool; make a new builder");
            }
            frozen = true;
            Kind kind = get(Option.BACKEND, Kind.THREADS);
            List<String> jvmArgs = get(Option.JVM_ARGS, List.of());
            if (!jvmArgs.isEmpty() && kind != Kind.PROCESSES) {
                throw new IllegalArgumentException("jvmArgs apply only to process workers, but this pool uses "
                        + kind.builderName() + "; call processes() or drop jvmArgs");
            }
            Duration keepWarm = get(Option.KEEP_WARM, Duration.ZERO);
            if (!keepWarm.isZero() && kind != Kind.PROCESSES) {
                throw new IllegalArgumentException("keepWarm applies only to process workers, but this pool uses "
                        + kind.builderName() + "; call processes() or drop keepWarm");
            }
            List<java.util.Set<Integer>> cpus = get(Option.CPUS, List.of());
            if (!cpus.isEmpty() && kind != Kind.PROCESSES) {
                throw new IllegalArgumentException("cpus applies only to process workers (threads cannot be pinned "
                        + "from Java), but this pool uses " + kind.builderName() + "; call processes() or drop cpus");
            }
            if (!cpus.isEmpty() && !keepWarm.isZero()) {
                throw new IllegalArgumentException("cpus and keepWarm cannot be combined: a warm worker keeps the "
                        + "pinning of the pool that started it; drop one of them");
            }
            if (isSet(Option.START_HOOK_TIMEOUT) && kind != Kind.PROCESSES) {
                throw new IllegalArgumentException("startHookTimeout applies only to process workers (a thread "
                        + "cannot be stopped), but this pool uses " + kind.builderName()
                        + "; call processes() or drop startHookTimeout");
            }
            if (isSet(Option.EXIT_HOOK_TIMEOUT) && kind != Kind.PROCESSES) {
                throw new IllegalArgumentException("exitHookTimeout applies only to process workers (a thread "
                        + "cannot be stopped), but this pool uses " + kind.builderName()
                        + "; call processes() or drop exitHookTimeout");
            }
            if (isSet(Option.EXIT_RESULT) && kind == Kind.CLUSTER) {
                throw new IllegalArgumentException("exitResult applies to threads, virtual threads and processes; a "
                        + "cluster pool cannot collect its members' values yet: drop exitResult, or broadcast a call "
                        + "that returns them before close()");
            }
            if (isSet(Option.EXIT_GRACE_PERIOD) && kind != Kind.PROCESSES) {
                throw new IllegalArgumentException("exitGracePeriod applies only to process workers, but this pool "
                        + "uses " + kind.builderName() + "; call processes() or drop exitGracePeriod");
            }
            // A cluster pool's default size depends on its members, which only the cluster backend knows: 0 here.
            int workers = get(Option.WORKERS, kind == Kind.CLUSTER ? 0 : Runtime.getRuntime().availableProcessors());
            String name = get(Option.NAME, null);
            if (name == null) {
                name = "ensemble-" + POOL_NUMBER.incrementAndGet();
            }
            return new PoolConfig(name, kind, workers, get(Option.SHARED_OBJECTS, null),
                    get(Option.ON_WORKER_START, null), get(Option.ON_WORKER_EXIT, null), get(Option.EXIT_RESULT, null),
                    get(Option.TASK_TIMEOUT, null), get(Option.MAX_TASKS_PER_WORKER, 0L), get(Option.RETRIES, 0),
                    get(Option.PROGRESS_BAR, false), jvmArgs, keepWarm,
                    get(Option.EXIT_GRACE_PERIOD, DEFAULT_EXIT_GRACE_PERIOD), get(Option.START_HOOK_TIMEOUT, null),
                    get(Option.EXIT_HOOK_TIMEOUT, DEFAULT_EXIT_HOOK_TIMEOUT), cpus, get(Option.CLUSTER, null));
        }
    }

    /**
     * The same options with another number of workers, for backends that settle the size themselves (a cluster
     * pool sized by its members).
     *
     * @param count the number of workers
     * @return the new configuration
     */
    public PoolConfig withWorkers(int count) {
        return new PoolConfig(name, kind, count, sharedObjects, onWorkerStart, onWorkerExit, exitResult, taskTimeout,
                maxTasksPerWorker, retries, progressBar, jvmArgs, keepWarm, exitGracePeriod, startHookTimeout,
                exitHookTimeout, cpus, cluster);
    }
}
