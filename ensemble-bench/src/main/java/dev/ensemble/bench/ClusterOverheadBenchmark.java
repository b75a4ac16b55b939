package dev.ensemble.bench;

import dev.ensemble.CallOptions;
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
 * What the cluster costs per task, against worker processes and threads on this machine, measured the same way
 * in the same run: trivial tasks ({@code x -> x + 1}), either 20,000 of them on 2 workers with automatic chunks
 * ({@code shape=auto}: the cost per task when chunks are large) or 200 with one task per chunk on 1 worker
 * ({@code shape=chunk1}: the round trip of one chunk). {@code ensemble} is the cluster (two member JVMs on
 * 127.0.0.1, this JVM a client, workers are threads of the members), {@code memberProcesses} the same cluster
 * with each worker in a worker JVM of its member ({@code memberWorkers(MemberWorkers.processes())}),
 * {@code processes} a pool of worker JVMs of this JVM ({@code WorkerPool.processes(n)}), {@code threads} a pool of
 * threads. Divide the score by the number of tasks for the cost per task.
 *
 * <p>Run: {@code ./ensemble bench ClusterOverhead}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m", "--sun-misc-unsafe-memory-access=allow"})
public class ClusterOverheadBenchmark {
    @Param({"ensemble", "memberProcesses", "processes", "threads"})
    public String runner;

    @Param({"auto", "chunk1"})
    public String shape;

    private LoopbackCluster cluster;
    private WorkerPool pool;
    private List<Integer> inputs;
    private CallOptions options;

    @Setup(Level.Trial)
    public void setUp() {
        int workers = shape.equals("auto") ? 2 : 1;
        inputs = IntStream.range(0, shape.equals("auto") ? 20_000 : 200).boxed().toList();
        options = shape.equals("auto") ? CallOptions.defaults() : CallOptions.defaults().chunkSize(1);
        switch (runner) {
            case "ensemble", "memberProcesses" -> {
                cluster = LoopbackCluster.start(2, 0, List.of("-Xmx512m", "--sun-misc-unsafe-memory-access=allow"));
                MemberWorkers kind = runner.equals("ensemble") ? MemberWorkers.threads() : MemberWorkers.processes();
                pool = WorkerPool.builder().cluster(HazelcastBackend.of(cluster.client()).memberWorkers(kind))
                        .workers(workers).build();
            }
            case "processes" -> pool = WorkerPool.processes(workers);
            default -> pool = WorkerPool.threads(workers);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        if (cluster != null) {
            cluster.close();
        }
    }

    @Benchmark
    public List<Integer> map() {
        return pool.map(inputs, x -> x + 1, options);
    }
}
