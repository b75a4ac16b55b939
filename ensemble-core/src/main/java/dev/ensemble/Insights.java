package dev.ensemble;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What a pool's workers have done since it started (MPIRE's worker insights): per worker, tasks completed and
 * where the time went ({@link Phase}); totals, means per worker and shares of all worker time; the slowest tasks
 * with a short rendering of their inputs. {@link #toTable()} renders it for a terminal:
 *
 * <pre>
 * Insights of pool observed: 2 workers, 200 tasks, mean task time 7.0 ms
 * worker      tasks   starting start hook    waiting    working  exit hook   util restarts
 * 0              95    23.9 ms    20.2 ms    31.8 ms   706.2 ms       0 ns    90%        0
 * 1             105     3.6 ms    20.1 ms    37.2 ms   693.2 ms       0 ns    92%        0
 * total         200    27.6 ms    40.3 ms    69.0 ms     1.40 s       0 ns    91%        0
 * mean          100    13.8 ms    20.1 ms    34.5 ms   699.7 ms       0 ns
 * share                   1.8%       2.6%       4.5%      91.1%       0.0%
 * slowest tasks:
 *      45.4 ms  worker 0  index 7  input 7
 * </pre>
 *
 * <p>Always on: a worker reads the clock around each task (or, for chunks of tasks known to be cheap, around the
 * whole chunk, whose mean task then stands in for its slowest) and reports its sums once per chunk. Figures of
 * chunks still running are not included yet. Immutable.
 *
 * @param poolName the pool's name
 * @param workers one entry per worker slot, in worker order
 * @param slowestTasks the slowest tasks seen so far, slowest first (at most five; each chunk offers its slowest)
 * @param tasksFailed tasks that failed over the pool's life: threw, timed out, or were running when their worker
 *     died and did not run again
 * @param tasksRetried tasks that ran again because their worker died ({@code retries})
 * @param tasksPending tasks of the calls still open that have not finished: waiting for a worker, or running
 */
public record Insights(String poolName, List<WorkerStats> workers, List<SlowTask> slowestTasks, long tasksFailed,
        long tasksRetried, long tasksPending) {

    /** Where a worker's time goes, in the order a worker lives through them. */
    public enum Phase {
        /** From asking for the worker until it runs (a thread starting, a JVM booting). */
        STARTING("starting"),
        /** In {@code onWorkerStart}. */
        START_HOOK("start hook"),
        /** Ready, without work. */
        WAITING("waiting"),
        /** Running tasks. */
        WORKING("working"),
        /** In {@code onWorkerExit}. */
        EXIT_HOOK("exit hook");

        private final String label;

        Phase(String label) {
            this.label = label;
        }

        /**
         * A short lower-case label, as in the table's header.
         *
         * @return the label
         */
        public String label() {
            return label;
        }
    }

    /**
     * Copies the lists.
     *
     * @param poolName the pool's name
     * @param workers per worker figures
     * @param slowestTasks slowest tasks, slowest first
     * @param tasksFailed tasks that threw, timed out or were running when their worker died (and did not run
     *     again), over the pool's life
     * @param tasksRetried tasks that ran again because their worker died ({@code retries})
     * @param tasksPending tasks of the calls still open that have not finished: waiting for a worker or running
     * @throws IllegalArgumentException if an argument is null
     */
    public Insights {
        if (poolName == null || workers == null || slowestTasks == null) {
            throw new IllegalArgumentException("poolName, workers and slowestTasks must not be null (got "
                    + poolName + ", " + workers + ", " + slowestTasks + ")");
        }
        workers = List.copyOf(workers);
        slowestTasks = List.copyOf(slowestTasks);
    }

    /**
     * Figures without failure, retry or pending counts (all zero).
     *
     * @param poolName the pool's name
     * @param workers per worker figures
     * @param slowestTasks slowest tasks, slowest first
     * @throws IllegalArgumentException if an argument is null
     */
    public Insights(String poolName, List<WorkerStats> workers, List<SlowTask> slowestTasks) {
        this(poolName, workers, slowestTasks, 0, 0, 0);
    }

    /**
     * One worker slot's figures; a replaced worker's figures add up with its replacement's.
     *
     * @param workerId the slot
     * @param tasksCompleted tasks that returned or threw
     * @param starting time from asking for the worker to it being ready
     * @param inStartHook time in {@code onWorkerStart}
     * @param waiting time ready but without work
     * @param working time running tasks
     * @param inExitHook time in {@code onWorkerExit}
     * @param restarts how many times the slot's worker was replaced
     */
    public record WorkerStats(int workerId, long tasksCompleted, Duration starting, Duration inStartHook,
            Duration waiting, Duration working, Duration inExitHook, int restarts) {

        /**
         * The time spent in one phase.
         *
         * @param phase the phase
         * @return the time
         */
        public Duration time(Phase phase) {
            return switch (phase) {
                case STARTING -> starting;
                case START_HOOK -> inStartHook;
                case WAITING -> waiting;
                case WORKING -> working;
                case EXIT_HOOK -> inExitHook;
            };
        }

        /**
         * The time accounted for in all phases.
         *
         * @return the sum of the phases
         */
        public Duration lifetime() {
            return starting.plus(inStartHook).plus(waiting).plus(working).plus(inExitHook);
        }

        /**
         * The share of this worker's accounted time spent in one phase.
         *
         * @param phase the phase
         * @return a number from 0 to 1 (0 if no time was accounted yet)
         */
        public double share(Phase phase) {
            long total = lifetime().toNanos();
            return total == 0 ? 0 : (double) time(phase).toNanos() / total;
        }

        /**
         * The share of this worker's lifetime spent running tasks.
         *
         * @return a number from 0 to 1
         */
        public double utilization() {
            return share(Phase.WORKING);
        }

        /**
         * The mean duration of this worker's tasks.
         *
         * @return the mean, or zero if it completed none
         */
        public Duration meanTaskTime() {
            return tasksCompleted == 0 ? Duration.ZERO : working.dividedBy(tasksCompleted);
        }
    }

    /**
     * One of the slowest tasks.
     *
     * @param workerId the worker that ran it
     * @param index the input's index in its call
     * @param input a short rendering of the input
     * @param duration how long the task ran
     */
    public record SlowTask(int workerId, long index, String input, Duration duration) {
    }

    /**
     * Tasks completed by all workers.
     *
     * @return the total
     */
    public long tasksCompleted() {
        return workers.stream().mapToLong(WorkerStats::tasksCompleted).sum();
    }

    /**
     * Workers replaced (died, timed out, recycled), over all slots.
     *
     * @return the total
     */
    public int restarts() {
        return workers.stream().mapToInt(WorkerStats::restarts).sum();
    }

    /**
     * Time spent in one phase, summed over workers.
     *
     * @param phase the phase
     * @return the total
     */
    public Duration total(Phase phase) {
        return workers.stream().map(w -> w.time(phase)).reduce(Duration.ZERO, Duration::plus);
    }

    /**
     * Time spent in one phase, on average per worker.
     *
     * @param phase the phase
     * @return the mean, or zero for a pool without workers
     */
    public Duration meanPerWorker(Phase phase) {
        return workers.isEmpty() ? Duration.ZERO : total(phase).dividedBy(workers.size());
    }

    /**
     * All accounted worker time, summed over workers and phases.
     *
     * @return the total
     */
    public Duration totalTime() {
        return workers.stream().map(WorkerStats::lifetime).reduce(Duration.ZERO, Duration::plus);
    }

    /**
     * The share of all accounted worker time spent in one phase.
     *
     * @param phase the phase
     * @return a number from 0 to 1 (0 if no time was accounted yet)
     */
    public double share(Phase phase) {
        long total = totalTime().toNanos();
        return total == 0 ? 0 : (double) total(phase).toNanos() / total;
    }

    /**
     * Time spent running tasks, summed over workers.
     *
     * @return the total
     */
    public Duration working() {
        return total(Phase.WORKING);
    }

    /**
     * Time workers were ready without work, summed over workers.
     *
     * @return the total
     */
    public Duration waiting() {
        return total(Phase.WAITING);
    }

    /**
     * Mean task duration over all workers.
     *
     * @return the mean, or zero if no task completed
     */
    public Duration meanTaskTime() {
        long tasks = tasksCompleted();
        return tasks == 0 ? Duration.ZERO : working().dividedBy(tasks);
    }

    /**
     * A fixed-width table of these figures: a summary line, one row per worker, then totals, means per worker and
     * each phase's share of all worker time, then the slowest tasks.
     *
     * @return the table, lines separated by {@code \n}
     */
    public String toTable() {
        StringBuilder out = new StringBuilder();
        String format = "%-8s %8s %10s %10s %10s %10s %10s %6s %8s\n";
        out.append(String.format(Locale.ROOT, "Insights of pool %s: %d workers, %d tasks, mean task time %s\n",
                poolName, workers.size(), tasksCompleted(), human(meanTaskTime())));
        Object[] header = {"worker", "tasks", "", "", "", "", "", "util", "restarts"};
        for (Phase p : Phase.values()) {
            header[2 + p.ordinal()] = p.label();
        }
        out.append(String.format(Locale.ROOT, format, header));
        for (WorkerStats w : workers) {
            out.append(row(format, Integer.toString(w.workerId()), Long.toString(w.tasksCompleted()), w::time,
                    percent(w.utilization()), Integer.toString(w.restarts())));
        }
        out.append(row(format, "total", Long.toString(tasksCompleted()), this::total,
                percent(share(Phase.WORKING)), Integer.toString(restarts())));
        if (!workers.isEmpty()) {
            out.append(row(format, "mean", Long.toString(tasksCompleted() / workers.size()), this::meanPerWorker,
                    "", ""));
        }
        Object[] shares = {"share", "", "", "", "", "", "", "", ""};
        for (Phase p : Phase.values()) {
            shares[2 + p.ordinal()] = String.format(Locale.ROOT, "%.1f%%", share(p) * 100);
        }
        out.append(String.format(Locale.ROOT, format, shares));
        if (!slowestTasks.isEmpty()) {
            out.append("slowest tasks:\n");
            for (SlowTask t : slowestTasks) {
                out.append(String.format(Locale.ROOT, "  %10s  worker %d  index %d  input %s\n",
                        human(t.duration()), t.workerId(), t.index(), t.input()));
            }
        }
        return out.toString().lines().map(String::stripTrailing)
                .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
    }

    private static String row(String format, String first, String tasks,
            java.util.function.Function<Phase, Duration> time, String util, String restarts) {
        Object[] cells = new Object[9];
        cells[0] = first;
        cells[1] = tasks;
        for (Phase p : Phase.values()) {
            cells[2 + p.ordinal()] = human(time.apply(p));
        }
        cells[7] = util;
        cells[8] = restarts;
        return String.format(Locale.ROOT, format, cells);
    }

    @Override
    public String toString() {
        return toTable();
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, "%.0f%%", share * 100);
    }

    static String human(Duration d) {
        long nanos = d.toNanos();
        if (nanos < 1_000) {
            return nanos + " ns";
        } else if (nanos < 1_000_000) {
            return String.format(Locale.ROOT, "%.1f µs", nanos / 1e3);
        } else if (nanos < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }
}
