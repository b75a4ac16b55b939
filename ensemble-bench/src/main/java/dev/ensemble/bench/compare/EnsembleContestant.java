package dev.ensemble.bench.compare;

import dev.ensemble.Ensemble;
import dev.ensemble.SharedArray;
import dev.ensemble.WorkerPool;
import dev.ensemble.bench.ProcessesBenchmark;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Ensemble's pools as contestants: {@code WorkerPool.threads} / {@code processes} for the function rows,
 * {@code Ensemble<S>} for the instance rows (broadcast, the model built once per worker, the word counters), a
 * {@link SharedArray} updated in place through {@code mapChunks} for the shared-memory row. Measures every row of
 * the side-by-side table ({@link Contestant}); the kill -9 row on processes only.
 *
 * <p>Run: {@code ./ensemble bench} (all contestants), or this one alone:
 * {@code ./ensemble bench --runs 1 --only ensemble-processes} (or {@code ensemble-threads}).
 */
final class EnsembleContestant extends Contestant {
    private final boolean processes;

    EnsembleContestant(boolean processes, Sizes sizes, PrintStream out) {
        super(sizes, out);
        this.processes = processes;
    }

    private WorkerPool.Builder builder(int workers) {
        WorkerPool.Builder b = WorkerPool.builder().workers(workers);
        return processes ? b.processes() : b.threads();
    }

    private <S> Ensemble<S> instances(dev.ensemble.InstanceFactory<S> factory) {
        return instanceBuilder(factory).build();
    }

    private <S> Ensemble.Builder<S> instanceBuilder(dev.ensemble.InstanceFactory<S> factory) {
        Ensemble.Builder<S> b = Ensemble.builder(factory).workers(Sizes.WORKERS);
        return processes ? b.processes() : b.threads();
    }

    @Override
    Measured<Integer> firstResult() {
        long t0 = System.nanoTime();
        // keepWarm changes nothing in the cold row (it acts at close); it lets the warm row's pools take the
        // worker JVMs of the pool before, as a program that builds pools again and again would.
        WorkerPool.Builder builder = processes ? builder(Sizes.WORKERS).keepWarm(java.time.Duration.ofSeconds(30))
                : builder(Sizes.WORKERS);
        try (WorkerPool pool = builder.build()) {
            int one = pool.apply(() -> 1);
            return new Measured<>(System.nanoTime() - t0, one);
        }
    }

    @Override
    Pool pool(int workers) {
        WorkerPool pool = builder(workers).build();
        return new Pool() {
            @Override
            public int roundTrip(int x) throws Exception {
                return pool.submit(() -> x).get();
            }

            @Override
            public List<Integer> plusOne(List<Integer> inputs) {
                return pool.map(inputs, x -> x + 1);
            }

            @Override
            public List<Integer> burn(List<Integer> inputs, long nanos) {
                return pool.map(inputs, x -> Workloads.burn(x, nanos));
            }

            @Override
            public double[] echo(double[] array) {
                return pool.map(List.of(array), a -> a).get(0);
            }

            @Override
            public InPlace inPlace(double[] initial) {
                SharedArray.OfDouble shared = SharedArray.copyOf(initial);
                int half = (initial.length + 1) / 2;
                return new InPlace() {
                    @Override
                    public void bump() {
                        List<Long> done = pool.mapChunks(shared, half, chunk -> {
                            SharedArray.OfDouble view = chunk.view();
                            for (long i = 0, n = view.length(); i < n; i++) {
                                view.set(i, view.get(i) + 1);
                            }
                            return chunk.length();
                        });
                        expect(done.stream().mapToLong(Long::longValue).sum(), initial.length, "elements bumped");
                    }

                    @Override
                    public double get(int index) {
                        return shared.get(index);
                    }

                    @Override
                    public void close() {
                        shared.close();
                    }
                };
            }

            @Override
            public void close() {
                pool.close();
            }
        };
    }

    /** The state of each instance of the broadcast row. */
    public static final class Tally {
        private long calls;

        /**
         * Counts one call.
         *
         * @return the calls so far
         */
        public long next() {
            return ++calls;
        }
    }

    @Override
    Broadcaster broadcaster() {
        Ensemble<Tally> tallies = instances(Tally::new);
        return new Broadcaster() {
            @Override
            public List<Long> broadcast() {
                return tallies.broadcast(Tally::next);
            }

            @Override
            public void close() {
                tallies.close();
            }
        };
    }

    @Override
    Measured<List<Long>> model(int initMillis, List<Integer> inputs) {
        return model(instanceBuilder(() -> new Workloads.Model(initMillis)), inputs);
    }

    @Override
    Measured<List<Long>> modelAgain(int initMillis, List<Integer> inputs) {
        Ensemble.Builder<Workloads.Model> builder = instanceBuilder(() -> new Workloads.Model(initMillis));
        // The worker JVMs wait for the next pool; each pool builds its own instances on them.
        return model(processes ? builder.keepWarm(java.time.Duration.ofSeconds(30)) : builder, inputs);
    }

    private static Measured<List<Long>> model(Ensemble.Builder<Workloads.Model> builder, List<Integer> inputs) {
        long t0 = System.nanoTime();
        try (Ensemble<Workloads.Model> models = builder.build()) {
            List<Long> predictions = models.map(inputs, (model, x) -> model.predict(x));
            return new Measured<>(System.nanoTime() - t0, predictions);
        }
    }

    @Override
    WordCounting wordCounting() {
        Ensemble<Workloads.WordCounter> counters = instances(Workloads.WordCounter::new);
        return new WordCounting() {
            @Override
            public Map<String, Integer> count(List<String> docs) {
                List<Integer> words = counters.map(docs, Workloads.WordCounter::add);
                Map<String, Integer> merged = Workloads.merge(counters.broadcast(Workloads.WordCounter::drain));
                expect(words.stream().mapToLong(Integer::longValue).sum(),
                        merged.values().stream().mapToLong(Integer::longValue).sum(), "words counted");
                return merged;
            }

            @Override
            public void close() {
                counters.close();
            }
        };
    }

    @Override
    String kill() throws Exception {
        if (!processes) {
            throw new Unsupported("a thread cannot be killed");
        }
        try (WorkerPool pool = builder(Sizes.WORKERS).retries(1).build()) {
            long t0 = System.nanoTime();
            ProcessesBenchmark.killOneWorkerDuringMap(pool);
            return String.format(Locale.ROOT, "all 1,000 results in order, pool back at full size (%.0f ms)",
                    (System.nanoTime() - t0) / 1e6);
        }
    }
}
