package dev.ensemble.examples;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code ./ensemble demo} entry point: runs every example in sequence with a heading, or the ones named on
 * the command line ({@code ./ensemble demo basics}).
 */
public final class Demo {
    /** An example: a name for the command line, a one-line summary, and its main. */
    record Example(String name, String summary, Runnable main) {
    }

    static final Map<String, Example> EXAMPLES = new LinkedHashMap<>();

    static {
        add(new Example("basics", "map, streams, failures, context and insights on a thread pool", Basics::run));
        add(new Example("ensemble", "a pool of simulation models, one per worker: broadcast, scatter, map, on",
                EnsembleDemo::run));
        add(new Example("worker-state", "an expensive model loaded once per worker JVM, 10,000 predictions, insights",
                WorkerStateDemo::run));
        add(new Example("shared-objects", "a dataset sent once per worker, results written into shared memory",
                SharedObjectsDemo::run));
        add(new Example("batched", "one batch per worker and reductions (workercontext)", BatchedDemo::run));
        add(new Example("cluster", "a pool over two Hazelcast members on loopback (this JVM and one it starts)",
                ClusterExample::run));
        add(new Example("faults", "worker JVMs: static state per worker, crash recovery, timeouts that kill",
                ProcessesDemo::run));
        add(new Example("orchestrator", "mpaio: two shared arrays, two kinds of chunk work at once, results gathered",
                Orchestrator::run));
        add(new Example("observability", "a progress bar, the insights table, the JMX bean and the dashboard",
                Observability::run));
    }

    private Demo() {
    }

    static void add(Example example) {
        EXAMPLES.put(example.name(), example);
    }

    /**
     * Runs the examples.
     *
     * @param args names of examples to run; none runs all
     */
    public static void main(String[] args) {
        var chosen = args.length == 0 ? EXAMPLES.keySet().toArray(String[]::new) : args;
        for (String name : chosen) {
            if (!EXAMPLES.containsKey(name)) {
                System.err.println("no example named '" + name + "'; the examples are: "
                        + String.join(", ", EXAMPLES.keySet()));
                System.exit(2);
            }
        }
        long start = System.nanoTime();
        for (String name : chosen) {
            Example example = EXAMPLES.get(name);
            System.out.println();
            System.out.println("=== " + example.name() + ": " + example.summary() + " ===");
            long t0 = System.nanoTime();
            example.main().run();
            System.out.printf("--- %s done in %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
        }
        System.out.printf("%nAll %d example(s) ran in %.1f s.%n", chosen.length, (System.nanoTime() - start) / 1e9);
    }
}
