package dev.ensemble.bench;

import dev.ensemble.SharedArray;
import dev.ensemble.WorkerPool;
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
 * Summing 1 GiB of doubles on one thread of this JVM: {@code SharedArray.OfDouble.sum()} over a {@code /dev/shm}
 * mapping ({@code ensemble}), against the same four-accumulator loop over a plain {@code double[]} on the heap
 * ({@code heapArray}: the memory-bandwidth baseline), and against the loop a user writes first,
 * {@code s += a.get(i)} over the shared array ({@code getLoop}: one chain of dependent adds), and against
 * {@code a.sum()} run by a worker process on the same memory ({@code workerProcess}: one {@code pool.apply} per
 * pass, the worker mapping the file once). One operation is one pass over 1 GiB, so the score in ops/s is GiB/s.
 *
 * <p>Run: {@code ./ensemble bench SharedArraySum}. Needs 1 GiB free in {@code /dev/shm} and 1 GiB of heap.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1200m", "-Xmx1200m"})
public class SharedArraySumBenchmark {
    /** 1 GiB of doubles. */
    static final int LENGTH = 1 << 27;

    @Param({"ensemble", "heapArray", "getLoop", "workerProcess"})
    public String runner;

    private SharedArray.OfDouble shared;
    private double[] heap;
    private WorkerPool worker;

    @Setup(Level.Trial)
    public void setUp() {
        if (runner.equals("heapArray")) {
            heap = new double[LENGTH];
            for (int i = 0; i < LENGTH; i++) {
                heap[i] = i & 1023;
            }
        } else {
            shared = filled(LENGTH);
        }
        if (runner.equals("workerProcess")) {
            worker = WorkerPool.processes(1);
        }
    }

    /** A shared array of {@code length} doubles, every page written (so tmpfs has allocated it). */
    static SharedArray.OfDouble filled(long length) {
        SharedArray.OfDouble array = SharedArray.ofDoubles(length);
        for (long i = 0; i < length; i++) {
            array.set(i, i & 1023);
        }
        return array;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (worker != null) {
            worker.close();
        }
        if (shared != null) {
            shared.close();
        }
    }

    @Benchmark
    public double sum() {
        return switch (runner) {
            case "ensemble" -> shared.sum();
            case "heapArray" -> heapSum(heap);
            case "workerProcess" -> inWorker(worker, shared);
            default -> getLoop(shared);
        };
    }

    /** The worker maps the file on its first call and reuses the mapping; the job carries only a handle. */
    private static double inWorker(WorkerPool worker, SharedArray.OfDouble a) {
        return worker.apply(() -> a.sum());
    }

    private static double heapSum(double[] a) {
        double a0 = 0;
        double a1 = 0;
        double a2 = 0;
        double a3 = 0;
        int i = 0;
        for (; i + 3 < a.length; i += 4) {
            a0 += a[i];
            a1 += a[i + 1];
            a2 += a[i + 2];
            a3 += a[i + 3];
        }
        for (; i < a.length; i++) {
            a0 += a[i];
        }
        return (a0 + a1) + (a2 + a3);
    }

    private static double getLoop(SharedArray.OfDouble a) {
        double s = 0;
        for (long i = 0, n = a.length(); i < n; i++) {
            s += a.get(i);
        }
        return s;
    }
}
