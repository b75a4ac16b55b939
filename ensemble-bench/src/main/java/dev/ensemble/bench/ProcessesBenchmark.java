package dev.ensemble.bench;

import dev.ensemble.CallOptions;
import dev.ensemble.Task;
import dev.ensemble.WorkerPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
 * The process backend with 2 worker JVMs, on the measures of issue 3:
 * <ul>
 *   <li>{@code startToFirstResult}: {@code WorkerPool.processes(2)} to the first {@code apply} result (the pool's
 *   close is outside the measured time);</li>
 *   <li>{@code submitRoundTrip}: one trivial {@code submit(...).get()} (see JMH's p0.50 for the median);</li>
 *   <li>{@code mapMillionTrivial}: {@code map} of 1,000,000 trivial tasks, automatic chunking (×10⁶ = tasks/s);</li>
 *   <li>{@code cpuTasks}: 200 tasks of 10 ms CPU on 1 and 2 workers (speedup = time(1) / time(2));</li>
 *   <li>{@code doubleArrayRoundTrip}: an 8 MiB {@code double[]} sent as the input and returned as the result;</li>
 *   <li>{@code killDuringMap}: a 1,000-task map with {@code retries(1)} during which one worker is killed with
 *   SIGKILL; fails unless all results arrive in order and the pool is back at full size.</li>
 * </ul>
 * Run: {@code ./ensemble bench Processes}. Side by side with Python and PP4J: {@code ./ensemble bench} (no name).
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--sun-misc-unsafe-memory-access=allow"})
public class ProcessesBenchmark {

    /** A pool per measured invocation, for the start-up measure. */
    @State(Scope.Thread)
    public static class Fresh {
        WorkerPool pool;

        @TearDown(Level.Invocation)
        public void close() {
            if (pool != null) {
                pool.close();
                pool = null;
            }
        }
    }

    /** A running pool of two workers, with the data the measures need. */
    @State(Scope.Benchmark)
    public static class Running {
        WorkerPool pool;
        List<Integer> million;
        double[] eightMiB;

        @Setup(Level.Trial)
        public void start() {
            pool = WorkerPool.builder().workers(2).processes().retries(1).build();
            million = IntStream.range(0, 1_000_000).boxed().toList();
            eightMiB = new double[1 << 20];
        }

        @TearDown(Level.Trial)
        public void close() {
            pool.close();
        }
    }

    /** A pool of 1 or 2 workers for the speedup measure. */
    @State(Scope.Benchmark)
    public static class Sized {
        @Param({"1", "2"})
        public int workers;
        WorkerPool pool;

        @Setup(Level.Trial)
        public void start() {
            pool = WorkerPool.processes(workers);
        }

        @TearDown(Level.Trial)
        public void close() {
            pool.close();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2)
    @Measurement(iterations = 8)
    public Integer startToFirstResult(Fresh fresh) {
        fresh.pool = WorkerPool.processes(2);
        return fresh.pool.apply(() -> 1);
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    public Integer submitRoundTrip(Running running) throws Exception {
        return running.pool.<Integer>submit(() -> 1).get();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 4, time = 2)
    @Measurement(iterations = 5, time = 2)
    public List<Integer> mapMillionTrivial(Running running) {
        return running.pool.map(running.million, x -> x + 1);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2, time = 2)
    @Measurement(iterations = 4, time = 3)
    public List<Long> cpuTasks(Sized sized) {
        return sized.pool.map(IntStream.range(0, 200).boxed().toList(), ProcessesBenchmark::burnTenMillis);
    }

    /** Spins on the CPU for 10 ms (no sleeping: the measure is about using both cores). */
    static long burnTenMillis(int seed) {
        long end = System.nanoTime() + 10_000_000;
        long x = seed;
        while (System.nanoTime() < end) {
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
        return x;
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    public double[] doubleArrayRoundTrip(Running running) {
        return running.pool.map(List.of(running.eightMiB), a -> a).get(0);
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 1)
    @Measurement(iterations = 5)
    public List<Integer> killDuringMap(Running running) throws Exception {
        return killOneWorkerDuringMap(running.pool);
    }

    /**
     * Maps 1,000 inputs while one worker is killed with SIGKILL (from outside, when it reaches input 300).
     *
     * @param pool a pool of 2 workers with {@code retries(1)}
     * @return the results, checked
     * @throws Exception if a result is missing, out of order, or the pool is not at full size after
     */
    public static List<Integer> killOneWorkerDuringMap(WorkerPool pool) throws Exception {
        Path dir = Files.createTempDirectory("ensemble-bench-kill");
        String pidFile = dir.resolve("victim").toString();
        Task<Integer, Integer> task = x -> {
            if (x == 300 && claim(pidFile + ".claimed")) {
                Files.writeString(Path.of(pidFile + ".tmp"), Long.toString(ProcessHandle.current().pid()));
                Files.move(Path.of(pidFile + ".tmp"), Path.of(pidFile));
                Thread.sleep(60_000); // until killed
            }
            return x;
        };
        CompletableFuture<List<Integer>> results = pool.mapAsync(IntStream.range(0, 1_000).boxed().toList(), task,
                CallOptions.defaults().chunkSize(10));
        Path victim = Path.of(pidFile);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(victim)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no worker reached input 300");
            }
            LockSupport.parkNanos(200_000);
        }
        long pid = Long.parseLong(Files.readString(victim).strip());
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        List<Integer> out = results.get(60, TimeUnit.SECONDS);
        for (int i = 0; i < 1_000; i++) {
            if (out.get(i) != i) {
                throw new IllegalStateException("result " + i + " is " + out.get(i));
            }
        }
        if (new HashSet<>(pool.broadcast(() -> ProcessHandle.current().pid())).size() != pool.size()) {
            throw new IllegalStateException("the pool is not at full size after the kill");
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
        return out;
    }

    static boolean claim(String marker) {
        try {
            Files.createFile(Path.of(marker));
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
