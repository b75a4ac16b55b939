package dev.ensemble.bench;

import dev.ensemble.Ensemble;
import dev.ensemble.WorkerPool;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What an instance pool costs over a plain pool on 4 threads: the round trip of one call on one worker
 * ({@code Ensemble.on} against {@code WorkerPool.apply}), of a call on every worker ({@code broadcast}), and of a
 * batched sum of 100,000 numbers. The baseline is the {@code api} parameter. Run:
 * {@code ./ensemble bench InstanceCalls -f 1 -wi 3 -i 5 -w 1s -r 1s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class InstanceCallsBenchmark {
    /** A trivial instance with state. */
    public static final class Counter {
        private long count;

        long next() {
            return ++count;
        }
    }

    @Param({"WorkerPool", "Ensemble"})
    public String api;

    private WorkerPool pool;
    private Ensemble<Counter> ensemble;
    private final List<Integer> numbers = IntStream.range(0, 100_000).boxed().toList();

    @Setup
    public void start() {
        if (api.equals("WorkerPool")) {
            pool = WorkerPool.threads(4);
        } else {
            ensemble = Ensemble.threads(4, Counter::new);
        }
    }

    @TearDown
    public void stop() {
        if (pool != null) {
            pool.close();
        }
        if (ensemble != null) {
            ensemble.close();
        }
    }

    @Benchmark
    public Object oneCall() {
        return pool != null ? pool.apply(() -> 1L) : ensemble.on(1, Counter::next);
    }

    @Benchmark
    public Object everyWorker() {
        return pool != null ? pool.broadcast(() -> 1L) : ensemble.broadcast(Counter::next);
    }

    @Benchmark
    public Object batchedSum() {
        return pool != null
                ? pool.batched(numbers, b -> b.stream().mapToLong(x -> x).sum(), dev.ensemble.Reductions.sum(0L))
                : ensemble.batched(numbers, (c, b) -> b.stream().mapToLong(x -> x).sum(),
                        dev.ensemble.Reductions.sum(0L));
    }
}
