package dev.ensemble.bench;

import dev.ensemble.CallOptions;
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
 * What a progress bar costs a map of 1,000,000 trivial tasks ({@code x -> x + 1}) on two worker threads: the
 * same call with {@code progressBar} off and on. The bar is drawn by a separate ticker that reads the call's
 * counter five times a second, so the difference should be within noise (the goal is under 5%).
 *
 * <p>Run: {@code ./ensemble bench ProgressBarOverhead}. Under JMH the output is not a terminal, so each call
 * prints its plain last line ({@code bench: 1000000/1000000 (100%) | ...}); those lines are part of the cost.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
public class ProgressBarOverhead {
    @Param({"false", "true"})
    public boolean progressBar;

    private List<Integer> inputs;
    private WorkerPool pool;
    private CallOptions options;

    /** Makes the inputs and the pool. */
    @Setup
    public void setUp() {
        inputs = IntStream.range(0, 1_000_000).boxed().toList();
        pool = WorkerPool.builder().workers(2).name("progress-bench").build();
        options = CallOptions.defaults().progressBar(progressBar).name("bench");
    }

    /**
     * One map of a million trivial tasks.
     *
     * @return the results, so that nothing is optimized away
     */
    @Benchmark
    public List<Integer> map() {
        return pool.map(inputs, x -> x + 1, options);
    }

    /** Closes the pool. */
    @TearDown
    public void tearDown() {
        pool.close();
    }
}
