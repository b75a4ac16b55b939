package dev.ensemble.examples;

import dev.ensemble.Ensemble;
import dev.ensemble.WorkerContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * objectproxypool's use case: a simulation model that is expensive to build, keeps state, and is not
 * serializable, built once per worker and then called many times, all instances together or load-balanced.
 */
final class EnsembleDemo {
    private EnsembleDemo() {
    }

    /**
     * An epidemic on a random contact network (susceptible, infected, recovered). Building the network is the
     * expensive part; the model keeps its random generator and a log of its runs between calls. Deliberately not
     * {@code Serializable}: it never leaves its worker.
     */
    static final class Epidemic {
        private final int[][] contacts;
        private final int worker = WorkerContext.current().workerId();
        private final List<String> log = new ArrayList<>();
        private Random random = new Random(0);

        Epidemic() {
            this(20_000, 8);
        }

        Epidemic(int people, int contactsEach) {
            Random network = new Random(42);   // every instance has the same network, so runs are comparable
            contacts = new int[people][contactsEach];
            for (int[] row : contacts) {
                for (int j = 0; j < contactsEach; j++) {
                    row[j] = network.nextInt(people);
                }
            }
        }

        int reseed(long seed) {
            random = new Random(seed);
            log.add("reseeded with " + seed);
            return worker;
        }

        /** Runs an outbreak with infection probability {@code beta} per contact and day; returns the peak. */
        int peakInfected(double beta, int days) {
            int n = contacts.length;
            byte[] state = new byte[n];   // 0 susceptible, 1 infected, 2 recovered
            for (int i = 0; i < 10; i++) {
                state[random.nextInt(n)] = 1;
            }
            int peak = 10;
            for (int day = 0; day < days; day++) {
                byte[] next = state.clone();
                int infected = 0;
                for (int p = 0; p < n; p++) {
                    if (state[p] != 1) {
                        continue;
                    }
                    for (int q : contacts[p]) {
                        if (state[q] == 0 && random.nextDouble() < beta) {
                            next[q] = 1;
                        }
                    }
                    next[p] = random.nextDouble() < 0.2 ? (byte) 2 : (byte) 1;
                }
                state = next;
                for (byte s : state) {
                    infected += s == 1 ? 1 : 0;
                }
                peak = Math.max(peak, infected);
            }
            log.add(String.format("beta %.2f -> peak %d", beta, peak));
            return peak;
        }

        String summary() {
            return "instance " + worker + ": " + log.size() + " log entries, last: " + log.getLast();
        }
    }

    static void run() {
        long t0 = System.nanoTime();
        try (Ensemble<Epidemic> models = Ensemble.threads(4, Epidemic::new)) {
            System.out.printf("4 instances built (one per worker) in %.0f ms%n", (System.nanoTime() - t0) / 1e6);

            List<Integer> seeded = models.scatter(List.of(11L, 22L, 33L, 44L), Epidemic::reseed);
            System.out.println("scatter, seed i to instance i, answered by workers " + seeded);

            List<Integer> peaks = models.broadcast(m -> m.peakInfected(0.05, 60));
            System.out.println("broadcast, one run per instance (same network, own seeds): peaks " + peaks);

            List<Double> betas = IntStream.rangeClosed(1, 12).mapToObj(i -> i * 0.01).toList();
            long t1 = System.nanoTime();
            List<Integer> sweep = models.map(betas, (m, beta) -> m.peakInfected(beta, 60));
            System.out.printf("map, a sweep of %d betas load-balanced over the instances in %.0f ms:%n", betas.size(),
                    (System.nanoTime() - t1) / 1e6);
            for (int i = 0; i < betas.size(); i++) {
                System.out.printf("  beta %.2f -> peak %,6d infected%n", betas.get(i), sweep.get(i));
            }

            System.out.println("on(2), one chosen instance: " + models.on(2, Epidemic::summary));
            System.out.println("state kept across calls, per instance:");
            models.broadcast(Epidemic::summary).forEach(s -> System.out.println("  " + s));
            System.out.println();
            System.out.print(models.insights().toTable());
        }
    }
}
