package dev.ensemble.bench;

import dev.ensemble.WorkerPool;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
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
 * {@code WorkerPool.threads(2).map(inputs, x -> x * x)} over 1,000,000 integers with automatic chunking,
 * against the baseline a careful user would write by hand: a fixed {@link ExecutorService} of the same size,
 * the inputs cut into the same number of chunks (four per worker), each chunk mapped into an array, the
 * arrays joined in order. Both produce the same {@code List<Integer>}. The score is maps per second; the
 * ratio ensemble/executor is what matters (this machine is shared, so absolute numbers drift).
 *
 * <p>Run: {@code ./ensemble bench MapThroughput}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class MapThroughputBenchmark {
    static final int WORKERS = 2;

    @Param({"ensemble", "executor"})
    public String runner;

    @Param({"1000000"})
    public int inputs;

    private List<Integer> data;
    private WorkerPool pool;
    private ExecutorService executor;

    @Setup(Level.Trial)
    public void setUp() {
        data = IntStream.range(0, inputs).boxed().toList();
        if (runner.equals("ensemble")) {
            pool = WorkerPool.threads(WORKERS);
        } else {
            executor = Executors.newFixedThreadPool(WORKERS);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (pool != null) {
            pool.close();
        }
        if (executor != null) {
            executor.shutdown();
        }
    }

    @Benchmark
    public List<Integer> map() throws Exception {
        return runner.equals("ensemble") ? pool.map(data, x -> x * x) : handWritten(data);
    }

    private List<Integer> handWritten(List<Integer> in) throws Exception {
        int chunks = 4 * WORKERS;
        int size = (in.size() + chunks - 1) / chunks;
        List<Future<Integer[]>> parts = new ArrayList<>(chunks);
        for (int from = 0; from < in.size(); from += size) {
            List<Integer> slice = in.subList(from, Math.min(in.size(), from + size));
            parts.add(executor.submit(() -> {
                Integer[] out = new Integer[slice.size()];
                for (int i = 0; i < out.length; i++) {
                    int x = slice.get(i);
                    out[i] = x * x;
                }
                return out;
            }));
        }
        Integer[] all = new Integer[in.size()];
        int at = 0;
        for (Future<Integer[]> part : parts) {
            Integer[] values = part.get();
            System.arraycopy(values, 0, all, at, values.length);
            at += values.length;
        }
        return Arrays.asList(all);
    }
}
