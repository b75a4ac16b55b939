package dev.ensemble.examples;

import dev.ensemble.SharedArray;
import dev.ensemble.WorkerContext;
import dev.ensemble.WorkerPool;
import java.util.List;
import java.util.stream.IntStream;

/**
 * MPIRE's shared-objects scenario: a large read-only dataset reaches each worker process once (not with every
 * task), and the workers write their results by index straight into a shared array the caller reads.
 */
final class SharedObjectsDemo {
    private SharedObjectsDemo() {
    }

    static void run() {
        int rows = 2_000_000;
        double[] dataset = IntStream.range(0, rows).mapToDouble(i -> i % 1_000).toArray(); // 16 MB, read-only
        int queries = 1_000;
        try (SharedArray.OfDouble results = SharedArray.ofDoubles(queries);
                WorkerPool pool = WorkerPool.builder().workers(2).processes().name("shared-objects")
                        .sharedObjects(dataset).build()) {
            long t0 = System.nanoTime();
            // Each query sums a window of the dataset; the task captures only the array's small handle.
            pool.map(IntStream.range(0, queries).boxed().toList(), q -> {
                double[] data = WorkerContext.current().shared();
                int from = q * (data.length / 1_000);
                double sum = 0;
                for (int i = from; i < from + data.length / 1_000; i++) {
                    sum += data[i];
                }
                results.set(q, sum);
                return null;
            });
            double total = 0;
            for (long i = 0; i < results.length(); i++) {
                total += results.get(i);
            }
            double expected = 0;
            for (double d : dataset) {
                expected += d;
            }
            System.out.printf("%,d queries over a %,d-row dataset sent once per worker, in %.0f ms%n", queries, rows,
                    (System.nanoTime() - t0) / 1e6);
            System.out.printf("results written by index into shared memory: total %,.0f (expected %,.0f)%n", total,
                    expected);
            List<Integer> sizes = pool.broadcast(() -> WorkerContext.current().<double[]>shared().length);
            System.out.println("each worker holds its own copy of the dataset, received once: " + sizes + " rows");
        }
    }
}
