package dev.ensemble.bench;

import dev.ensemble.WorkerPool;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Ensemble's side of {@code compare/compare.sh}: the measures of issue 3 with 2 worker processes, taken the same
 * way as the Python and PP4J peers take theirs, printed as {@code ensemble METRIC VALUE} lines.
 */
public final class ProcessComparison {
    private ProcessComparison() {
    }

    /**
     * Runs every measure.
     *
     * @param args unused
     * @throws Exception if a measure fails
     */
    public static void main(String[] args) throws Exception {
        double[] starts = new double[5];
        for (int i = 0; i < starts.length + 1; i++) {
            long t0 = System.nanoTime();
            WorkerPool pool = WorkerPool.processes(2);
            pool.apply(() -> 1);
            long took = System.nanoTime() - t0;
            pool.close();
            if (i > 0) {
                starts[i - 1] = took / 1e6; // the first pool of a JVM also loads the library: not counted
            }
        }
        report("start_ms", median(starts));
        try (WorkerPool pool = WorkerPool.builder().workers(2).processes().retries(1).build()) {
            for (int i = 0; i < 3_000; i++) {
                pool.apply(() -> 1);
            }
            double[] trips = new double[5_000];
            for (int i = 0; i < trips.length; i++) {
                long t0 = System.nanoTime();
                pool.submit(() -> 1).get();
                trips[i] = (System.nanoTime() - t0) / 1e3;
            }
            report("submit_us", median(trips));

            List<Integer> million = IntStream.range(0, 1_000_000).boxed().toList();
            double[] rates = new double[5];
            for (int i = -6; i < rates.length; i++) {
                long t0 = System.nanoTime();
                pool.map(million, x -> x + 1);
                if (i >= 0) {
                    rates[i] = 1_000_000 / ((System.nanoTime() - t0) / 1e9);
                }
            }
            report("map_per_s", median(rates));

            double[] array = new double[1 << 20];
            double[] trips8 = new double[10];
            for (int i = -3; i < trips8.length; i++) {
                long t0 = System.nanoTime();
                pool.map(List.of(array), a -> a);
                if (i >= 0) {
                    trips8[i] = (System.nanoTime() - t0) / 1e6;
                }
            }
            report("array_ms", median(trips8));

            long t0 = System.nanoTime();
            ProcessesBenchmark.killOneWorkerDuringMap(pool);
            System.out.printf(Locale.ROOT, "ensemble kill ok: all 1000 results in order, pool at full size (%.0f ms)%n",
                    (System.nanoTime() - t0) / 1e6);
        }
        double[] cpu = new double[2];
        for (int workers = 1; workers <= 2; workers++) {
            try (WorkerPool pool = WorkerPool.processes(workers)) {
                List<Integer> inputs = IntStream.range(0, 200).boxed().toList();
                pool.map(inputs.subList(0, 20), ProcessesBenchmark::burnTenMillis);
                double[] times = new double[3];
                for (int i = 0; i < times.length; i++) {
                    long t0 = System.nanoTime();
                    pool.map(inputs, ProcessesBenchmark::burnTenMillis);
                    times[i] = (System.nanoTime() - t0) / 1e6;
                }
                cpu[workers - 1] = median(times);
            }
        }
        report("speedup", cpu[0] / cpu[1]);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static void report(String metric, double value) {
        System.out.printf(Locale.ROOT, "ensemble %s %.4g%n", metric, value);
    }
}
