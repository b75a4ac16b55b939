package dev.ensemble.micrometer;

import dev.ensemble.Ensemble;
import dev.ensemble.Insights;
import dev.ensemble.WorkerPool;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Binds a pool's figures ({@link Insights}) to a Micrometer {@link MeterRegistry}, tagged {@code pool=<name>}:
 * <pre>{@code
 * WorkerPool pool = EnsembleMetrics.monitor(registry, WorkerPool.processes(4), "app", "scoring");
 * }</pre>
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>what</th></tr>
 * <tr><td>{@code ensemble.tasks.completed}</td><td>function counter</td><td>tasks that returned or threw</td></tr>
 * <tr><td>{@code ensemble.tasks.failed}</td><td>function counter</td><td>tasks that threw, timed out, or were
 *     running when their worker died and did not run again</td></tr>
 * <tr><td>{@code ensemble.tasks.retried}</td><td>function counter</td><td>tasks that ran again because their
 *     worker died ({@code retries})</td></tr>
 * <tr><td>{@code ensemble.tasks.pending}</td><td>gauge</td><td>tasks of open calls not finished: the queue
 *     depth, running tasks included</td></tr>
 * <tr><td>{@code ensemble.task.time}</td><td>function timer</td><td>count and total time of completed
 *     tasks</td></tr>
 * <tr><td>{@code ensemble.workers}</td><td>gauge</td><td>worker slots</td></tr>
 * <tr><td>{@code ensemble.workers.restarts}</td><td>function counter</td><td>workers replaced (died, timed
 *     out, recycled)</td></tr>
 * <tr><td>{@code ensemble.workers.utilization}</td><td>gauge</td><td>share of the workers' time spent running
 *     tasks, from 0 to 1</td></tr>
 * </table>
 *
 * <p>The meters hold the pool weakly, as Micrometer's function meters do: a pool the application no longer
 * references reports nothing (NaN) rather than being kept alive. Each reading takes a snapshot of the pool's
 * insights (a copy of its counters); a closed pool keeps its last figures.
 */
public final class EnsembleMetrics implements MeterBinder {
    private final Object pool;
    private final Function<Object, Insights> insights;
    private final String poolName;
    private final Iterable<Tag> tags;

    /**
     * Metrics of a pool.
     *
     * @param pool the pool
     * @param tags more tags for every meter (the pool's name is added as {@code pool})
     */
    public EnsembleMetrics(WorkerPool pool, Iterable<Tag> tags) {
        this(Objects.requireNonNull(pool, "pool"), p -> ((WorkerPool) p).insights(), tags);
    }

    /**
     * Metrics of an instance pool.
     *
     * @param ensemble the instance pool
     * @param tags more tags for every meter (the pool's name is added as {@code pool})
     */
    public EnsembleMetrics(Ensemble<?> ensemble, Iterable<Tag> tags) {
        this(Objects.requireNonNull(ensemble, "ensemble"), e -> ((Ensemble<?>) e).insights(), tags);
    }

    private EnsembleMetrics(Object pool, Function<Object, Insights> insights, Iterable<Tag> tags) {
        this.pool = pool;
        this.insights = insights;
        this.poolName = insights.apply(pool).poolName();
        this.tags = Tags.concat(Objects.requireNonNull(tags, "tags"), "pool", poolName);
    }

    /**
     * Binds a pool's metrics to a registry.
     *
     * @param registry the registry
     * @param pool the pool
     * @param tags more tags, as key-value pairs
     * @return the pool, for chaining at creation
     */
    public static WorkerPool monitor(MeterRegistry registry, WorkerPool pool, String... tags) {
        return monitor(registry, pool, Tags.of(tags));
    }

    /**
     * Binds a pool's metrics to a registry.
     *
     * @param registry the registry
     * @param pool the pool
     * @param tags more tags
     * @return the pool, for chaining at creation
     */
    public static WorkerPool monitor(MeterRegistry registry, WorkerPool pool, Iterable<Tag> tags) {
        new EnsembleMetrics(pool, tags).bindTo(registry);
        return pool;
    }

    /**
     * Binds an instance pool's metrics to a registry.
     *
     * @param <S> the instances' type
     * @param registry the registry
     * @param ensemble the instance pool
     * @param tags more tags, as key-value pairs
     * @return the instance pool, for chaining at creation
     */
    public static <S> Ensemble<S> monitor(MeterRegistry registry, Ensemble<S> ensemble, String... tags) {
        new EnsembleMetrics(ensemble, Tags.of(tags)).bindTo(registry);
        return ensemble;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, "ensemble.tasks.completed", "tasks that returned or threw", Insights::tasksCompleted);
        counter(registry, "ensemble.tasks.failed", "tasks that threw, timed out, or died with their worker",
                Insights::tasksFailed);
        counter(registry, "ensemble.tasks.retried", "tasks that ran again because their worker died",
                Insights::tasksRetried);
        gauge(registry, "ensemble.tasks.pending", "tasks of open calls not finished, waiting or running",
                Insights::tasksPending);
        FunctionTimer.builder("ensemble.task.time", pool, p -> insights.apply(p).tasksCompleted(),
                        p -> insights.apply(p).total(Insights.Phase.WORKING).toNanos(), TimeUnit.NANOSECONDS)
                .tags(tags).description("time of completed tasks").register(registry);
        gauge(registry, "ensemble.workers", "worker slots", i -> i.workers().size());
        counter(registry, "ensemble.workers.restarts", "workers replaced: died, timed out or recycled",
                Insights::restarts);
        gauge(registry, "ensemble.workers.utilization", "share of the workers' time spent running tasks",
                i -> i.share(Insights.Phase.WORKING));
    }

    private void counter(MeterRegistry registry, String name, String description, ToDoubleFunction<Insights> f) {
        FunctionCounter.builder(name, pool, p -> f.applyAsDouble(insights.apply(p))).tags(tags)
                .description(description).register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<Insights> f) {
        Gauge.builder(name, pool, p -> f.applyAsDouble(insights.apply(p))).tags(tags).description(description)
                .register(registry);
    }

    @Override
    public String toString() {
        return "EnsembleMetrics[" + poolName + "]";
    }
}
