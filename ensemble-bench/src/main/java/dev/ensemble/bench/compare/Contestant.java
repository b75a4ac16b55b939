package dev.ensemble.bench.compare;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * One Java contestant of the side-by-side comparison, run in a fresh JVM by {@link SideBySide}: the rows in a
 * fixed order, each timed and its results checked here, printed on standard output as lines of the protocol
 * {@link Report} reads:
 * <pre>
 * value ROW NUMBER    one run's measure of a row (the median of this run's samples where there are several)
 * skip ROW REASON     this contestant cannot do the row (the table shows "-" and the reason as a note)
 * failed ROW REASON   the row failed, or its results were wrong (the table says so)
 * check NAME VALUE    a checksum every contestant must agree on
 * kill TEXT           what happened when a worker was killed during a map
 * </pre>
 * Subclasses say how to make a pool of their kind and run each row's calls on it; a row they cannot do throws
 * {@link Unsupported}. Rows are independent: a failure is reported and the next row runs.
 *
 * <p>Run (normally by {@code ./ensemble bench}):
 * {@code java -cp ... dev.ensemble.bench.compare.Contestant ensemble-processes run SIZES}, where SIZES is
 * {@link Sizes#encode()}; the mode {@code kill} runs the kill -9 test only, {@code prepare} makes one pool
 * (so one-off set-up, such as the AOT cache of worker JVMs, is not timed).
 */
public abstract class Contestant {
    /** Thrown by a row this contestant cannot do; its message is the note shown in the table. */
    static final class Unsupported extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unsupported(String reason) {
            super(reason);
        }
    }

    /** A measured call: how long it took and what it returned. */
    record Measured<R>(long nanos, R value) {
        double millis() {
            return nanos / 1e6;
        }
    }

    /** A running pool of one size, for the rows that reuse one. */
    interface Pool extends AutoCloseable {
        int roundTrip(int x) throws Exception;

        List<Integer> plusOne(List<Integer> inputs) throws Exception;

        List<Integer> burn(List<Integer> inputs, long nanos) throws Exception;

        double[] echo(double[] array) throws Exception;

        InPlace inPlace(double[] initial) throws Exception;

        @Override
        void close() throws Exception;
    }

    /** An array the workers update in place, each adding 1 to every element of its half. */
    interface InPlace extends AutoCloseable {
        void bump() throws Exception;

        double get(int index);

        @Override
        void close() throws Exception;
    }

    /** An instance pool, or the nearest a contestant has. */
    interface Broadcaster extends AutoCloseable {
        List<Long> broadcast() throws Exception;

        @Override
        void close() throws Exception;
    }

    /** Workers that each keep word counts, merged by the caller. */
    interface WordCounting extends AutoCloseable {
        /**
         * Counts the documents, each worker into its own state, then collects and merges every worker's state.
         *
         * @param docs the documents
         * @return the merged counts
         * @throws Exception if a call failed
         */
        Map<String, Integer> count(List<String> docs) throws Exception;

        @Override
        void close() throws Exception;
    }

    protected final Sizes sizes;
    private final PrintStream out;

    protected Contestant(Sizes sizes, PrintStream out) {
        this.sizes = sizes;
        this.out = out;
    }

    /**
     * Creates a pool of 2 workers, runs {@code () -> 1} on it and closes it.
     *
     * @return the time from the start of the pool's creation to the result (the close is not counted)
     * @throws Exception if it failed
     */
    abstract Measured<Integer> firstResult() throws Exception;

    abstract Pool pool(int workers) throws Exception;

    abstract Broadcaster broadcaster() throws Exception;

    /**
     * Creates a pool of 2 whose workers each build a {@link Workloads.Model} once, maps {@code inputs} to their
     * predictions and closes the pool.
     *
     * @return the time from the start of the pool's creation to the last prediction
     */
    abstract Measured<List<Long>> model(int initMillis, List<Integer> inputs) throws Exception;

    /**
     * {@link #model} for a pool that follows another of the same configuration: a contestant that can keep worker
     * processes for the next pool (Ensemble's {@code keepWarm}) does so here; the others run {@link #model}.
     *
     * @return the time from the start of the pool's creation to the last prediction
     */
    Measured<List<Long>> modelAgain(int initMillis, List<Integer> inputs) throws Exception {
        return model(initMillis, inputs);
    }

    abstract WordCounting wordCounting() throws Exception;

    /**
     * Maps 1,000 inputs on a pool of 2 workers (with one retry where the contestant has retries) while one
     * worker is killed with SIGKILL.
     *
     * @return what the caller got, in a few words
     */
    abstract String kill() throws Exception;

    /**
     * Runs the contestant named by {@code args[0]} in the mode {@code args[1]} with the sizes {@code args[2]}.
     *
     * @param args {@code ensemble-threads|ensemble-processes|executor|pp4j|floor},
     *     {@code run|kill|prepare|cold-large|cold-aot}, sizes
     * @throws Exception if the mode failed as a whole (a failing row is reported, not thrown)
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: Contestant NAME run|kill|prepare|cold-large|cold-aot SIZES");
        }
        Sizes sizes = Sizes.decode(args[2]);
        PrintStream out = System.out;
        Contestant c = switch (args[0]) {
            case "ensemble-threads" -> new EnsembleContestant(false, sizes, out);
            case "ensemble-processes" -> new EnsembleContestant(true, sizes, out);
            case "executor" -> new ExecutorContestant(false, sizes, out);
            case "pp4j" -> new ExecutorContestant(true, sizes, out);
            case "floor" -> new FloorContestant(sizes, out);
            default -> throw new IllegalArgumentException("unknown contestant " + args[0]);
        };
        switch (args[1]) {
            case "run" -> c.runRows();
            case "kill" -> c.row("kill", () -> c.print("kill " + c.kill()));
            case "prepare" -> c.firstResult();
            // Launched with many more jars on the class path (SideBySide's padding): the cold row only.
            case "cold-large" -> c.row("start_cold_large", () -> c.value("start_cold_large",
                    c.firstResult().millis()));
            // Launched with the AOT cache that a "prepare" run of this contestant made (SideBySide).
            case "cold-aot" -> c.row("start_cold_aot", () -> c.value("start_cold_aot", c.firstResult().millis()));
            default -> throw new IllegalArgumentException("unknown mode " + args[1]);
        }
        out.flush();
        // Executors and PP4J leave non-daemon threads; the rows are done.
        System.exit(0);
    }

    interface Row {
        void run() throws Exception;
    }

    /** Prints {@code note ROW TEXT} lines: how this contestant does a row differently from the others. */
    void notes() {
    }

    /** The start-up rows: a fresh JVM's first pool, then more pools of the same configuration. */
    void startRows() {
        row("start_cold", () -> value("start_cold", firstResult().millis()));
        row("start_warm", () -> {
            double[] ms = new double[sizes.warmPools()];
            for (int i = 0; i < ms.length; i++) {
                ms[i] = firstResult().millis();
            }
            value("start_warm", median(ms));
        });
    }

    void runRows() {
        notes();
        startRows();
        List<Integer> inputs = IntStream.range(0, sizes.mapInputs()).boxed().toList();
        double[] array = new double[sizes.arrayLength()];
        Arrays.setAll(array, i -> i);
        try (Pool pool = pool(Sizes.WORKERS)) {
            row(List.of("rt_median", "rt_p99"), () -> roundTrips(pool));
            row("map", () -> value("map", map(pool, inputs)));
            row("array", () -> value("array", arrayTrips(pool, array)));
            row("shared", () -> value("shared", inPlace(pool, array)));
            row(List.of("cpu1", "cpu2", "speedup"), () -> {
                double two = cpu(pool);
                double one;
                try (Pool single = pool(1)) {
                    one = cpu(single);
                }
                value("cpu1", one);
                value("cpu2", two);
                value("speedup", one / two);
            });
        } catch (Exception e) {
            e.printStackTrace();
            for (String name : List.of("rt_median", "rt_p99", "map", "array", "shared", "cpu1", "cpu2", "speedup")) {
                failed(name, e);
            }
        }
        row("broadcast", this::broadcasts);
        row("model", () -> print("check model " + modelRow("model", 0, this::model)));
        // One untimed pool first: it leaves its workers for the next pool, where the contestant can keep them.
        row("model_warm", () -> modelRow("model_warm", 1, this::modelAgain));
        row("words", () -> {
            List<String> docs = Workloads.documents(sizes.documents(), sizes.vocabulary(), sizes.seed());
            try (WordCounting counting = wordCounting()) {
                Workloads.checkWords(counting.count(docs), docs); // untimed: the first round warms the workers
                double[] ms = new double[sizes.wordRuns()];
                String digest = null;
                for (int i = 0; i < ms.length; i++) {
                    long t0 = System.nanoTime();
                    Map<String, Integer> counts = counting.count(docs);
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                    digest = Workloads.checkWords(counts, docs);
                }
                value("words", median(ms));
                print("check words " + digest);
            }
        });
    }

    /** {@link #model} or {@link #modelAgain}. */
    interface ModelRun {
        Measured<List<Long>> run(int initMillis, List<Integer> inputs) throws Exception;
    }

    /**
     * Runs {@code untimed} pools, then the timed ones, each checked against the model's checksum; records the
     * median time as {@code name}.
     *
     * @return the checksum
     */
    private long modelRow(String name, int untimed, ModelRun model) throws Exception {
        List<Integer> calls = IntStream.range(0, sizes.modelCalls()).boxed().toList();
        double[] ms = new double[sizes.modelRuns()];
        long checksum = 0;
        for (int i = -untimed; i < ms.length; i++) {
            Measured<List<Long>> run = model.run(sizes.modelInitMillis(), calls);
            checksum = Workloads.checksum(run.value(), sizes.modelCalls());
            if (i >= 0) {
                ms[i] = run.millis();
            }
        }
        value(name, median(ms));
        return checksum;
    }

    private void roundTrips(Pool pool) throws Exception {
        for (int i = 0; i < sizes.roundTripWarmup(); i++) {
            expect(pool.roundTrip(i), i, "round trip");
        }
        double[] us = new double[sizes.roundTrips()];
        for (int i = 0; i < us.length; i++) {
            long t0 = System.nanoTime();
            int r = pool.roundTrip(i);
            us[i] = (System.nanoTime() - t0) / 1e3;
            expect(r, i, "round trip");
        }
        value("rt_median", median(us));
        value("rt_p99", percentile(us, 0.99));
    }

    private double map(Pool pool, List<Integer> inputs) throws Exception {
        double[] rates = new double[sizes.maps()];
        for (int i = -sizes.mapWarmup(); i < rates.length; i++) {
            long t0 = System.nanoTime();
            List<Integer> results = pool.plusOne(inputs);
            long took = System.nanoTime() - t0;
            expect(results.size(), inputs.size(), "number of map results");
            for (int k = 0; k < results.size(); k++) {
                if (results.get(k) != k + 1) {
                    throw new IllegalStateException("map result " + k + " is " + results.get(k));
                }
            }
            if (i >= 0) {
                rates[i] = inputs.size() / (took / 1e9);
            }
        }
        return median(rates);
    }

    private double arrayTrips(Pool pool, double[] array) throws Exception {
        double[] ms = new double[sizes.arrayTrips()];
        for (int i = -sizes.arrayWarmup(); i < ms.length; i++) {
            long t0 = System.nanoTime();
            double[] back = pool.echo(array);
            long took = System.nanoTime() - t0;
            if (!Arrays.equals(back, array)) {
                throw new IllegalStateException("the array came back different");
            }
            if (i >= 0) {
                ms[i] = took / 1e6;
            }
        }
        return median(ms);
    }

    private double inPlace(Pool pool, double[] initial) throws Exception {
        try (InPlace shared = pool.inPlace(initial)) {
            double[] ms = new double[sizes.arrayTrips()];
            int passes = 0;
            for (int i = -sizes.arrayWarmup(); i < ms.length; i++) {
                long t0 = System.nanoTime();
                shared.bump();
                long took = System.nanoTime() - t0;
                passes++;
                if (i >= 0) {
                    ms[i] = took / 1e6;
                }
            }
            for (int k = 0; k < initial.length; k++) {
                if (shared.get(k) != initial[k] + passes) {
                    throw new IllegalStateException("shared element " + k + " is " + shared.get(k) + " after "
                            + passes + " passes, expected " + (initial[k] + passes));
                }
            }
            return median(ms);
        }
    }

    /** The CPU-bound tasks on a pool (of 2 workers: the pool of the rows before; of 1: a pool of its own). */
    private double cpu(Pool pool) throws Exception {
        List<Integer> inputs = IntStream.range(0, sizes.cpuTasks()).boxed().toList();
        long nanos = sizes.taskMillis() * 1_000_000L;
        pool.burn(inputs.subList(0, 10), nanos); // the workers' first such tasks load and compile the code
        double[] ms = new double[sizes.cpuRuns()];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            List<Integer> results = pool.burn(inputs, nanos);
            ms[i] = (System.nanoTime() - t0) / 1e6;
            if (!results.equals(inputs)) {
                throw new IllegalStateException("CPU tasks returned wrong results");
            }
        }
        return median(ms);
    }

    private void broadcasts() throws Exception {
        try (Broadcaster b = broadcaster()) {
            for (int i = 0; i < sizes.broadcastWarmup(); i++) {
                expect(b.broadcast().size(), Sizes.WORKERS, "broadcast results");
            }
            double[] us = new double[sizes.broadcasts()];
            for (int i = 0; i < us.length; i++) {
                long t0 = System.nanoTime();
                List<Long> r = b.broadcast();
                us[i] = (System.nanoTime() - t0) / 1e3;
                expect(r.size(), Sizes.WORKERS, "broadcast results");
            }
            value("broadcast", median(us));
        }
    }

    void row(String name, Row row) {
        row(List.of(name), row);
    }

    /** Runs a row that reports the measures {@code names}; a skip or failure applies to all of them. */
    private void row(List<String> names, Row row) {
        long t0 = System.nanoTime();
        try {
            row.run();
        } catch (Unsupported e) {
            names.forEach(name -> print("skip " + name + " " + e.getMessage()));
        } catch (Exception | Error e) {
            e.printStackTrace();
            names.forEach(name -> failed(name, e));
        }
        out.flush();
        // Where a run's time goes, in its log (ensemble-bench/target/side-by-side/).
        System.err.printf(Locale.ROOT, "%s: %.0f ms%n", names.getFirst(), (System.nanoTime() - t0) / 1e6);
    }

    private void failed(String name, Throwable e) {
        String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        print("failed " + name + " " + e.getClass().getSimpleName() + ": " + message);
    }

    void value(String row, double v) {
        print(String.format(Locale.ROOT, "value %s %.6g", row, v));
    }

    void print(String line) {
        out.println(line);
    }

    static void expect(long actual, long expected, String what) {
        if (actual != expected) {
            throw new IllegalStateException(what + ": " + actual + ", expected " + expected);
        }
    }

    static double median(double[] values) {
        return percentile(values, 0.5);
    }

    /**
     * The value at quantile {@code q} by the nearest-rank method (the median of an even count is the upper
     * middle value, as in Python's {@code statistics.median_high}).
     */
    static double percentile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.length);
        if (q == 0.5) {
            rank = sorted.length / 2 + 1;
        }
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }
}
