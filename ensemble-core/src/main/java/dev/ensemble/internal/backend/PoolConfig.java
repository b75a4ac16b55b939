package dev.ensemble.internal.backend;

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
 * @param extensions options of other modules (such as the cluster backend), by name
 */
public record PoolConfig(String name, Kind kind, int workers, Object sharedObjects, WorkerHook onWorkerStart,
        WorkerHook onWorkerExit, WorkerExitFunction<?> exitResult, Duration taskTimeout, long maxTasksPerWorker, int retries, boolean progressBar,
        List<String> jvmArgs, Duration keepWarm, Duration exitGracePeriod, Duration startHookTimeout,
        Duration exitHookTimeout,
        List<java.util.Set<Integer>> cpus, Map<String, Object> extensions) {

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
     * @throws IllegalArgumentException if an option is null or blank
     */
    public static List<String> checkedJvmArgs(String... args) {
        for (String arg : args) {
            if (arg == null || arg.isBlank()) {
                throw new IllegalArgumentException("jvmArgs must not contain null or blank options, got "
                        + java.util.Arrays.toString(args));
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
                progressBar, jvmArgs, keepWarm, exitGracePeriod, startHookTimeout, exitHookTimeout, cpus, extensions);
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
     * Options as they are set, each at most once: the second {@code set} of a name throws
     * {@code IllegalStateException("workers was already set to 4")}.
     */
    public static final class Draft {
        private final Map<String, Object> values = new LinkedHashMap<>();
        private boolean frozen;

        /**
         * Records an option.
         *
         * @param option the option's builder name
         * @param value its value
         */
        public synchronized void set(String option, Object value) {
            if (frozen) {
                throw new IllegalStateException("this builder already built a pool; make a new builder");
            }
            Object previous = values.putIfAbsent(option, value);
            if (previous != null) {
                String shown = previous instanceof Kind k ? k.builderName() : String.valueOf(previous);
                String what = option.equals("backend") ? "the kind of worker" : option;
                throw new IllegalStateException(what + " was already set to " + shown);
            }
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
            Kind kind = (Kind) values.getOrDefault("backend", Kind.THREADS);
            @SuppressWarnings("unchecked")
            List<String> jvmArgs = (List<String>) values.getOrDefault("jvmArgs", List.of());
            if (!jvmArgs.isEmpty() && kind != Kind.PROCESSES) {
                throw new IllegalArgumentException("jvmArgs apply only to process workers, but this pool uses "
                        + kind.builderName() + "; call processes() or drop jvmArgs");
            }
            Duration keepWarm = (Duration) values.getOrDefault("keepWarm", Duration.ZERO);
            if (!keepWarm.isZero() && kind != Kind.PROCESSES) {
                throw new IllegalArgumentException("keepWarm applies only to process workers, but this pool uses "
                        + kind.builderName() + "; call processes() or drop keepWarm");
            }
            @SuppressWarnings("unchecked")
            List<java.util.Set<Integer>> cpus = (List<java.util.Set<Integer>>) values.getOrDefault("cpus", List.of());
            if (!cpus.isEmpty() && kind != Kind.PROCESSES) {
                throw new IllegalArgumentException("cpus applies only to process workers (threads cannot be pinned "
                        + "from Java), but this pool uses " + kind.builderName() + "; call processes() or drop cpus");
            }
            if (!cpus.isEmpty() && !keepWarm.isZero()) {
                throw new IllegalArgumentException("cpus and keepWarm cannot be combined: a warm worker keeps the "
                        + "pinning of the pool that started it; drop one of them");
            }
            if (values.containsKey("startHookTimeout") && kind != Kind.PROCESSES) {
                throw new IllegalArgumentException("startHookTimeout applies only to process workers (a thread "
                        + "cannot be stopped), but this pool uses " + kind.builderName()
                        + "; call processes() or drop startHookTimeout");
            }
            if (values.containsKey("exitHookTimeout") && kind != Kind.PROCESSES) {
                throw new IllegalArgumentException("exitHookTimeout applies only to process workers (a thread "
                        + "cannot be stopped), but this pool uses " + kind.builderName()
                        + "; call processes() or drop exitHookTimeout");
            }
            if (values.containsKey("exitResult") && kind == Kind.CLUSTER) {
                throw new IllegalArgumentException("exitResult applies to threads, virtual threads and processes; a "
                        + "cluster pool cannot collect its members' values yet: drop exitResult, or broadcast a call "
                        + "that returns them before close()");
            }
            if (values.containsKey("exitGracePeriod") && kind != Kind.PROCESSES) {
                throw new IllegalArgumentException("exitGracePeriod applies only to process workers, but this pool "
                        + "uses " + kind.builderName() + "; call processes() or drop exitGracePeriod");
            }
            Map<String, Object> extensions = new LinkedHashMap<>();
            values.forEach((k, v) -> {
                if (k.startsWith("ext.")) {
                    extensions.put(k.substring(4), v);
                }
            });
            // A cluster pool's default size depends on its members, which only the cluster backend knows: 0 here.
            int workers = (Integer) values.getOrDefault("workers",
                    kind == Kind.CLUSTER ? 0 : Runtime.getRuntime().availableProcessors());
            String name = (String) values.getOrDefault("name", "ensemble-" + POOL_NUMBER.incrementAndGet());
            return new PoolConfig(name, kind, workers, values.get("sharedObjects"),
                    (WorkerHook) values.get("onWorkerStart"), (WorkerHook) values.get("onWorkerExit"),
                    (WorkerExitFunction<?>) values.get("exitResult"), (Duration) values.get("taskTimeout"), (Long) values.getOrDefault("maxTasksPerWorker", 0L),
                    (Integer) values.getOrDefault("retries", 0), (Boolean) values.getOrDefault("progressBar", false),
                    jvmArgs, keepWarm, (Duration) values.getOrDefault("exitGracePeriod", DEFAULT_EXIT_GRACE_PERIOD),
                    (Duration) values.get("startHookTimeout"),
                    (Duration) values.getOrDefault("exitHookTimeout", DEFAULT_EXIT_HOOK_TIMEOUT), cpus,
                    Map.copyOf(extensions));
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
                exitHookTimeout, cpus,
                extensions);
    }
}
