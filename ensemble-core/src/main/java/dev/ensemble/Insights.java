package dev.ensemble;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What a pool's workers have done since it started (MPIRE's worker insights): per worker, tasks completed and
 * where the time went; the slowest tasks with their inputs. {@link #toTable()} renders it for a terminal.
 *
 * @param poolName the pool's name
 * @param workers one entry per worker slot, in worker order
 * @param slowestTasks the slowest tasks seen so far, slowest first (at most five)
 */
public record Insights(String poolName, List<WorkerStats> workers, List<SlowTask> slowestTasks) {

    /**
     * Copies the lists.
     *
     * @param poolName the pool's name
     * @param workers per worker figures
     * @param slowestTasks slowest tasks, slowest first
     */
    public Insights {
        workers = List.copyOf(workers);
        slowestTasks = List.copyOf(slowestTasks);
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
         * The share of this worker's lifetime spent running tasks.
         *
         * @return a number from 0 to 1
         */
        public double utilization() {
            long total = starting.toNanos() + inStartHook.toNanos() + waiting.toNanos() + working.toNanos()
                    + inExitHook.toNanos();
            return total == 0 ? 0 : (double) working.toNanos() / total;
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
     * Time spent running tasks, summed over workers.
     *
     * @return the total
     */
    public Duration working() {
        return workers.stream().map(WorkerStats::working).reduce(Duration.ZERO, Duration::plus);
    }

    /**
     * Time workers were ready without work, summed over workers.
     *
     * @return the total
     */
    public Duration waiting() {
        return workers.stream().map(WorkerStats::waiting).reduce(Duration.ZERO, Duration::plus);
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
     * A fixed-width table of these figures, one row per worker, totals, then the slowest tasks.
     *
     * @return the table, lines separated by {@code \n}
     */
    public String toTable() {
        StringBuilder out = new StringBuilder();
        String format = "%-8s %10s %10s %10s %10s %10s %10s %6s %8s%n";
        out.append("Insights of pool ").append(poolName).append('\n');
        out.append(String.format(Locale.ROOT, format, "worker", "tasks", "starting", "start hook", "waiting",
                "working", "exit hook", "util", "restarts"));
        for (WorkerStats w : workers) {
            out.append(String.format(Locale.ROOT, format, w.workerId(), w.tasksCompleted(), human(w.starting()),
                    human(w.inStartHook()), human(w.waiting()), human(w.working()), human(w.inExitHook()),
                    percent(w.utilization()), w.restarts()));
        }
        out.append(String.format(Locale.ROOT, format, "total", tasksCompleted(),
                human(sum(WorkerStats::starting)), human(sum(WorkerStats::inStartHook)), human(waiting()),
                human(working()), human(sum(WorkerStats::inExitHook)), "", ""));
        out.append("mean task time: ").append(human(meanTaskTime())).append('\n');
        if (!slowestTasks.isEmpty()) {
            out.append("slowest tasks:\n");
            for (SlowTask t : slowestTasks) {
                out.append(String.format(Locale.ROOT, "  %10s  worker %d  index %d  input %s%n",
                        human(t.duration()), t.workerId(), t.index(), t.input()));
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return toTable();
    }

    private Duration sum(java.util.function.Function<WorkerStats, Duration> figure) {
        return workers.stream().map(figure).reduce(Duration.ZERO, Duration::plus);
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
