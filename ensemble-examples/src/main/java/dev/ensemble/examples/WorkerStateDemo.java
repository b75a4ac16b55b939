package dev.ensemble.examples;

import dev.ensemble.CallOptions;
import dev.ensemble.Ensemble;
import dev.ensemble.Insights;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * MPIRE's worker-state scenario: a model that is expensive to load is loaded once per worker (here, in each of
 * two worker JVMs), then 10,000 inputs are mapped over the loaded models with a progress bar. The insights table
 * shows where the time went: load time (start hook) against work time.
 */
final class WorkerStateDemo {
    private WorkerStateDemo() {
    }

    /** A stand-in for a model whose loading dominates: 300 ms of building weights, then cheap predictions. */
    static final class Model {
        private final double[] weights;

        Model() throws InterruptedException {
            Thread.sleep(300); // reading a file, warming a cache, ...
            weights = new Random(42).doubles(64).toArray();
        }

        double predict(int input) {
            double x = input;
            double y = 0;
            for (double w : weights) {
                y = Math.tanh(y + w * x / 10_000);
            }
            return y;
        }
    }

    static void run() {
        List<Integer> inputs = IntStream.range(0, 10_000).boxed().toList();
        long t0 = System.nanoTime();
        try (Ensemble<Model> models = Ensemble.builder(Model::new).workers(2).processes().name("worker-state")
                .build()) {
            System.out.printf("2 models loaded, one per worker JVM, in %.0f ms%n", (System.nanoTime() - t0) / 1e6);
            List<Double> predictions = models.map(inputs, Model::predict,
                    CallOptions.defaults().name("predict").progressBar(true));
            double mean = predictions.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            System.out.printf("%,d predictions, mean %.6f (the same on every run: the models are seeded)%n",
                    predictions.size(), mean);
            Insights insights = models.insights();
            System.out.println();
            System.out.print(insights.toTable());
            System.out.printf("tasks completed: %,d; each model was loaded once per worker, not per task%n",
                    insights.tasksCompleted());
        }
    }
}
