package dev.ensemble.bench;

import dev.ensemble.WorkerPool;
import dev.ensemble.hazelcast.HazelcastBackend;
import dev.ensemble.hazelcast.MemberWorkers;
import dev.ensemble.hazelcast.internal.LoopbackCluster;
import java.util.List;
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
 * A CPU-bound map of 200 tasks of about 10 ms each over two single-worker Hazelcast members
 * ({@code runner=ensemble}) against the same map on one ({@code oneMember}). The members are JVMs on 127.0.0.1
 * started per trial; this JVM is a client. Both members share this 2-core machine, so 2x is the ceiling.
 * {@code members=threads} runs each worker as a thread of its member, {@code members=processes} as a worker JVM
 * that its member starts ({@code memberWorkers(MemberWorkers.processes())}).
 *
 * <p>Two kinds of task: {@code task=work} is a fixed amount of arithmetic calibrated once to 10 ms, so a task
 * whose member is descheduled (by anything else running on the machine) takes longer: it measures how much of
 * two cores the members actually got. {@code task=spin} spins until 10 ms of wall-clock time have passed, as the
 * process backend's benchmark does: it measures the pool's own overhead and balance, whatever else runs.
 *
 * <p>Run: {@code ./ensemble bench ClusterScaling}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m", "--sun-misc-unsafe-memory-access=allow"})
public class ClusterScalingBenchmark {
    static final long TASK_NANOS = 10_000_000;

    @Param({"ensemble", "oneMember"})
    public String runner;

    @Param({"work", "spin"})
    public String task;

    @Param({"threads", "processes"})
    public String members;

    private LoopbackCluster cluster;
    private WorkerPool pool;
    private long iterationsPerTask;
    private final List<Integer> inputs = IntStream.range(0, 200).boxed().toList();

    @Setup(Level.Trial)
    public void setUp() {
        iterationsPerTask = calibrate();
        cluster = LoopbackCluster.start(2, 0, List.of("-Xmx512m", "--sun-misc-unsafe-memory-access=allow"));
        MemberWorkers kind = members.equals("processes") ? MemberWorkers.processes() : MemberWorkers.threads();
        pool = WorkerPool.builder().cluster(HazelcastBackend.of(cluster.client()).memberWorkers(kind))
                .workers(runner.equals("ensemble") ? 2 : 1).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        cluster.close();
    }

    @Benchmark
    public List<Long> map() {
        long n = iterationsPerTask;
        if (task.equals("spin")) {
            return pool.map(inputs, x -> spinFor(TASK_NANOS));
        }
        return pool.map(inputs, x -> spin(n));
    }

    /** Spins until {@code nanos} of wall-clock time have passed. */
    static long spinFor(long nanos) {
        long end = System.nanoTime() + nanos;
        long x = 0x9E3779B97F4A7C15L;
        while (System.nanoTime() < end) {
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
        return x;
    }

    /** A fixed amount of arithmetic; the result keeps the JIT from removing it. */
    static long spin(long iterations) {
        long x = 0x9E3779B97F4A7C15L;
        for (long i = 0; i < iterations; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
        }
        return x;
    }

    /** How many iterations of {@link #spin} take {@link #TASK_NANOS} here, once warm. */
    static long calibrate() {
        long n = 100_000;
        for (int round = 0; round < 10; round++) {
            long t0 = System.nanoTime();
            spin(n);
            long took = Math.max(1, System.nanoTime() - t0);
            n = Math.max(1_000, n * TASK_NANOS / took);
        }
        return n;
    }
}
