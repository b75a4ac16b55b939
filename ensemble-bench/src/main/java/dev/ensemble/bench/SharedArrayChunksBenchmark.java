package dev.ensemble.bench;

import dev.ensemble.SharedArray;
import dev.ensemble.WorkerPool;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * {@code pool.mapChunks(a, 4M, chunk -> chunk.view().sum())} over 1 GiB of shared doubles (32 chunks of 32 MiB),
 * the partial sums added by the caller: with two workers ({@code ensemble}) against one worker ({@code single},
 * the baseline), so the ratio column is what the second worker adds (1.6x or more is the goal on 2 cores).
 * One operation is one pass over 1 GiB, so ops/s is GiB/s.
 *
 * <p>Run: {@code ./ensemble bench SharedArrayChunks}. Needs 1 GiB free in {@code /dev/shm}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class SharedArrayChunksBenchmark {
    static final int CHUNK = 1 << 22;

    @Param({"ensemble", "single"})
    public String runner;

    @Param({"threads", "processes"})
    public String backend;

    private SharedArray.OfDouble shared;
    private WorkerPool pool;

    @Setup(Level.Trial)
    public void setUp() {
        shared = SharedArraySumBenchmark.filled(SharedArraySumBenchmark.LENGTH);
        int workers = runner.equals("ensemble") ? 2 : 1;
        WorkerPool.Builder builder = WorkerPool.builder().workers(workers);
        pool = (backend.equals("threads") ? builder.threads() : builder.processes()).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        shared.close();
    }

    @Benchmark
    public double sum() {
        List<Double> partials = pool.mapChunks(shared, CHUNK, chunk -> chunk.view().sum());
        double total = 0;
        for (double partial : partials) {
            total += partial;
        }
        return total;
    }
}
