package dev.ensemble.examples;

import dev.ensemble.CallOptions;
import dev.ensemble.Reductions;
import dev.ensemble.WorkerPool;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * workercontext's use case: a function that takes a whole list, run on one slice per worker at once, and the
 * slices' results reduced into one.
 */
final class BatchedDemo {
    private BatchedDemo() {
    }

    /** workercontext's example function: it takes the whole list. */
    static List<Integer> myFunc(List<Integer> arr) {
        return arr.stream().map(x -> x * 2).toList();
    }

    /** Word counts of some lines: one batch's histogram. */
    static Map<String, Integer> countWords(List<String> lines) {
        Map<String, Integer> counts = new HashMap<>();
        for (String line : lines) {
            for (String word : line.toLowerCase().split("\\W+")) {
                if (!word.isEmpty()) {
                    counts.merge(word, 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    /** Squared distances from each point of {@code points} to the nearest of {@code centres}. */
    static List<Double> nearest(List<double[]> centres, List<double[]> points) {
        return points.stream().map(p -> centres.stream()
                .mapToDouble(c -> (p[0] - c[0]) * (p[0] - c[0]) + (p[1] - c[1]) * (p[1] - c[1]))
                .min().orElseThrow()).toList();
    }

    static void run() {
        List<Integer> arr = IntStream.range(0, 100).boxed().toList();
        List<String> lines = List.of("the quick brown fox", "jumps over the lazy dog", "the dog sleeps",
                "a fox is quick", "over and over", "the end");
        try (WorkerPool pool = WorkerPool.threads(4)) {
            List<List<Integer>> perBatch = pool.batched(arr, BatchedDemo::myFunc);
            System.out.println("batched, one batch per worker: " + perBatch.size() + " results of sizes "
                    + perBatch.stream().map(List::size).toList());

            List<Integer> doubled = pool.batched(arr, BatchedDemo::myFunc, Reductions.flatten());
            System.out.println("with flatten: " + doubled.size() + " values, " + doubled.subList(0, 5) + " ...");

            double mean = pool.batched(arr, BatchedDemo::myFunc, Reductions.flatten().andThen(Reductions.average()));
            System.out.println("flatten then average: " + mean);

            long sumOfSquares = pool.batched(arr, b -> b.stream().mapToLong(x -> (long) x * x).sum(),
                    Reductions.sum(0L));
            System.out.println("sum of squares, each batch sums its own: " + sumOfSquares);

            Map<String, Long> words = pool.batched(lines, BatchedDemo::countWords, Reductions.histogram());
            System.out.println("word histogram, merged from per-batch counts: " + words);

            Set<String> vocabulary = pool.batched(lines, b -> countWords(b).keySet(), Reductions.setUnion());
            System.out.println("vocabulary (setUnion): " + vocabulary.size() + " words");

            boolean anyFox = pool.batched(lines, b -> b.stream().anyMatch(l -> l.contains("fox")), Reductions.or());
            System.out.println("any line mentions a fox (or): " + anyFox);

            // Which argument is batched is the lambda's business: the centres go whole to every batch.
            List<double[]> centres = List.of(new double[] {0, 0}, new double[] {10, 10});
            List<double[]> points = IntStream.range(0, 1000).mapToObj(i -> new double[] {i % 13, i % 7}).toList();
            double farthest = pool.batched(points, batch -> nearest(centres, batch),
                    Reductions.flatten().andThen(Reductions.<Double>max()), CallOptions.defaults().batches(8));
            System.out.println("8 batches of points, largest squared distance to the nearest centre: " + farthest);
        }
    }
}
