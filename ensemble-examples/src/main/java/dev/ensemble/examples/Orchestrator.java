package dev.ensemble.examples;

import dev.ensemble.SharedArray;
import dev.ensemble.WorkerPool;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * The mpaio orchestrator: two large arrays in shared memory (numbers and the bytes of a text), two different
 * kinds of chunk work on them (statistics of the numbers, letter frequencies of the text) running at the same
 * time on one pool of worker processes, asynchronously, joined with {@code CompletableFuture.allOf} and gathered.
 * Each worker JVM maps the arrays once and reads them in place: nothing but small handles and small results
 * crosses between caller and workers.
 */
final class Orchestrator {
    static final int NUMBERS = 8_000_000;
    static final int TEXT_BYTES = 4_000_000;

    private Orchestrator() {
    }

    /** Statistics of one chunk of numbers; merged into the statistics of them all. */
    record Stats(long count, double sum, double min, double max) implements Serializable {
        static Stats of(SharedArray.OfDouble part) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (long i = 0; i < part.length(); i++) {
                double x = part.get(i);
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
            return new Stats(part.length(), part.sum(), min, max);
        }

        Stats merge(Stats other) {
            return new Stats(count + other.count, sum + other.sum, Math.min(min, other.min),
                    Math.max(max, other.max));
        }

        double mean() {
            return sum / count;
        }
    }

    static void run() {
        try (WorkerPool pool = WorkerPool.builder().workers(2).processes().name("orchestrator").build();
                SharedArray.OfDouble numbers = SharedArray.ofDoubles(NUMBERS);
                SharedArray.OfByte text = SharedArray.copyOf(text(TEXT_BYTES))) {
            long t0 = System.nanoTime();
            // The workers fill the numbers in place, each its own chunks: the caller never holds a copy.
            pool.mapChunks(numbers, 1 << 20, chunk -> {
                SharedArray.OfDouble part = chunk.view();
                for (long i = 0; i < part.length(); i++) {
                    part.set(i, (chunk.from() + i) % 1000);
                }
                return null;
            });
            System.out.printf("filled %,d shared doubles (%s) in %.0f ms%n", numbers.length(), numbers.file(),
                    (System.nanoTime() - t0) / 1e6);

            long t1 = System.nanoTime();
            CompletableFuture<List<Stats>> stats = pool.mapChunksAsync(numbers, 1 << 19,
                    chunk -> Stats.of(chunk.view()));
            CompletableFuture<List<long[]>> letters = pool.mapChunksAsync(text, 1 << 18,
                    chunk -> letterCounts(chunk.view()));
            CompletableFuture.allOf(stats, letters).join();
            System.out.printf("two kinds of work, %d + %d chunks, ran at once in %.0f ms%n", stats.join().size(),
                    letters.join().size(), (System.nanoTime() - t1) / 1e6);

            Stats all = stats.join().stream().reduce(Stats::merge).orElseThrow();
            System.out.printf("numbers: count %,d, sum %,.0f, mean %.1f, min %.0f, max %.0f%n", all.count(),
                    all.sum(), all.mean(), all.min(), all.max());
            long[] counts = new long[26];
            for (long[] part : letters.join()) {
                for (int i = 0; i < 26; i++) {
                    counts[i] += part[i];
                }
            }
            System.out.println("text: " + TEXT_BYTES / 1_000_000 + " MB, most common letters " + top(counts, 5));
            boolean same = java.util.Arrays.equals(counts, letterCounts(text))
                    && all.sum() == numbers.sum();
            System.out.println("gathered results match a single pass over the whole arrays: " + same);
        }
    }

    /** Letter frequencies (a to z, case folded) of one chunk of text. */
    static long[] letterCounts(SharedArray.OfByte part) {
        long[] counts = new long[26];
        for (long i = 0; i < part.length(); i++) {
            int c = part.get(i) | 0x20;
            if (c >= 'a' && c <= 'z') {
                counts[c - 'a']++;
            }
        }
        return counts;
    }

    static String top(long[] counts, int n) {
        StringBuilder out = new StringBuilder();
        boolean[] used = new boolean[26];
        for (int k = 0; k < n; k++) {
            int best = -1;
            for (int i = 0; i < 26; i++) {
                if (!used[i] && (best < 0 || counts[i] > counts[best])) {
                    best = i;
                }
            }
            used[best] = true;
            out.append(k == 0 ? "" : ", ").append((char) ('a' + best)).append('=').append(counts[best]);
        }
        return out.toString();
    }

    /** Deterministic English-like text: words drawn with a fixed seed. */
    static byte[] text(int bytes) {
        String[] words = ("the of and to in is that it was for on are with as his they be at one have this from "
                + "or had by hot word but what some we can out other were all there when up use your how said an "
                + "each she which do their time if will way about many then them write would like so these her "
                + "long make thing see him two has look more day could go come did number sound no most people")
                .split(" ");
        Random random = new Random(42);
        StringBuilder out = new StringBuilder(bytes + 16);
        while (out.length() < bytes) {
            out.append(words[random.nextInt(words.length)]).append(random.nextInt(12) == 0 ? ".\n" : " ");
        }
        out.setLength(bytes);
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
