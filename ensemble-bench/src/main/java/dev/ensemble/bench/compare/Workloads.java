package dev.ensemble.bench.compare;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.io.Serializable;

/**
 * The work every contestant of the side-by-side comparison does, defined once for the Java contestants;
 * {@code ensemble-bench/python/peers.py} implements the same definitions, and {@link SideBySide} checks that
 * every contestant reports the same model checksum and word-count digest, so a contestant that does less work
 * cannot look fast.
 *
 * <p>Everything is integer arithmetic on a 64-bit linear congruential generator, so Java and Python produce
 * the same numbers: the model's weights, the documents and their counts.
 */
public final class Workloads {
    private static final long LCG_MUL = 6364136223846793005L;
    private static final long LCG_ADD = 1442695040888963407L;
    private static final long DIGEST_MODULUS = 1_000_000_007L;
    private static final int MODEL_SIZE = 4096;

    private Workloads() {
    }

    static long lcg(long x) {
        return x * LCG_MUL + LCG_ADD;
    }

    /**
     * Spins on the CPU until {@code nanos} of wall-clock time have passed (the row measures the pool's overhead
     * and balance, so a task takes the same time whatever else the machine runs).
     *
     * @param nanos how long
     * @return a value computed by the spin, so it is not optimized away
     */
    static long spin(long nanos) {
        long end = System.nanoTime() + nanos;
        long x = nanos;
        while (System.nanoTime() < end) {
            x = lcg(x);
        }
        return x;
    }

    /**
     * One CPU-bound task of the speedup row.
     *
     * @param seed the input
     * @param nanos how long to spin
     * @return {@code seed}, checked by the caller
     */
    static int burn(int seed, long nanos) {
        return spin(nanos) == 42 ? -1 : seed;
    }

    /** The weights of the "model": 4096 numbers from the generator seeded with 42. */
    static int[] weights() {
        int[] w = new int[MODEL_SIZE];
        long x = 42;
        for (int i = 0; i < w.length; i++) {
            x = lcg(x);
            w[i] = (int) ((x >>> 40) & 0xFFFF);
        }
        return w;
    }

    /**
     * The model of the expensive-initialisation row: built once per worker by spinning for the configured time
     * (standing in for loading a large model), then cheap to call.
     */
    public static final class Model {
        private final int[] weights;

        /**
         * Builds the model, taking {@code initMillis} of CPU.
         *
         * @param initMillis how long the build spins
         */
        public Model(long initMillis) {
            spin(initMillis * 1_000_000L);
            weights = weights();
        }

        private Model(int[] weights) {
            this.weights = weights;
        }

        /**
         * One small call.
         *
         * @param input the input
         * @return a deterministic score
         */
        public long predict(int input) {
            return Workloads.predict(weights, input);
        }
    }

    static long predict(int[] w, int input) {
        long s = 0;
        for (int k = 0; k < 16; k++) {
            s += (long) w[(input * 31 + k * 977) & (MODEL_SIZE - 1)] * (k + 1);
        }
        return s;
    }

    /**
     * What the predictions of inputs {@code 0..calls-1} add up to, computed here without any pool.
     *
     * @param calls the number of calls
     * @return the expected checksum
     */
    static long expectedModelChecksum(int calls) {
        Model model = new Model(weights());
        long sum = 0;
        for (int i = 0; i < calls; i++) {
            sum += model.predict(i);
        }
        return sum;
    }

    static long checksum(List<Long> predictions, int calls) {
        if (predictions.size() != calls) {
            throw new IllegalStateException(predictions.size() + " predictions for " + calls + " calls");
        }
        long sum = 0;
        for (long p : predictions) {
            sum += p;
        }
        long expected = expectedModelChecksum(calls);
        if (sum != expected) {
            throw new IllegalStateException("model checksum " + sum + ", expected " + expected);
        }
        return sum;
    }

    /**
     * Word {@code k} of the vocabulary: the base-26 letters of {@code k * 7919 + 100000}, distinct for every k.
     */
    static String word(int k) {
        long n = k * 7919L + 100_000L;
        StringBuilder s = new StringBuilder();
        while (n > 0) {
            s.append((char) ('a' + n % 26));
            n /= 26;
        }
        return s.reverse().toString();
    }

    /**
     * The documents of the word-count row: each 100 to 499 words, the word index skewed towards the small ones
     * (the product of two uniform indexes, divided by the vocabulary size), words separated by one space.
     *
     * @param count how many documents
     * @param vocabulary the number of distinct words to draw from
     * @param seed the generator's seed
     * @return the documents, the same for every contestant
     */
    static List<String> documents(int count, int vocabulary, long seed) {
        String[] words = new String[vocabulary];
        for (int k = 0; k < vocabulary; k++) {
            words[k] = word(k);
        }
        List<String> docs = new ArrayList<>(count);
        long x = seed;
        for (int d = 0; d < count; d++) {
            x = lcg(x);
            int length = 100 + (int) ((x >>> 33) % 400);
            StringBuilder doc = new StringBuilder(length * 6);
            for (int w = 0; w < length; w++) {
                x = lcg(x);
                long a = (x >>> 33) % vocabulary;
                x = lcg(x);
                long b = (x >>> 33) % vocabulary;
                if (w > 0) {
                    doc.append(' ');
                }
                doc.append(words[(int) (a * b / vocabulary)]);
            }
            docs.add(doc.toString());
        }
        return docs;
    }

    /** Per-worker state of the word-count row: the counts of every document this worker was given. */
    public static final class WordCounter {
        private Map<String, Integer> counts = new HashMap<>();

        /**
         * Counts the words of one document into this worker's state.
         *
         * @param doc the document
         * @return its number of words
         */
        public int add(String doc) {
            return count(doc, counts);
        }

        /**
         * Takes this worker's counts, leaving it empty for the next round.
         *
         * @return the counts so far
         */
        public Map<String, Integer> drain() {
            Map<String, Integer> out = counts;
            counts = new HashMap<>();
            return out;
        }
    }

    static int count(String doc, Map<String, Integer> into) {
        int n = 0;
        int from = 0;
        while (from <= doc.length()) {
            int space = doc.indexOf(' ', from);
            int end = space < 0 ? doc.length() : space;
            into.merge(doc.substring(from, end), 1, Integer::sum);
            n++;
            from = end + 1;
        }
        return n;
    }

    static Map<String, Integer> merge(List<Map<String, Integer>> parts) {
        Map<String, Integer> all = new HashMap<>();
        for (Map<String, Integer> part : parts) {
            part.forEach((w, c) -> all.merge(w, c, Integer::sum));
        }
        return all;
    }

    /**
     * A digest of word counts that Python computes the same way: {@code total:distinct:sum(count * hash(word))}
     * modulo 1,000,000,007, with a polynomial hash of the word's characters.
     *
     * @param counts the counts
     * @return the digest
     */
    static String digest(Map<String, Integer> counts) {
        long total = 0;
        long sum = 0;
        for (var e : counts.entrySet()) {
            long h = 0;
            for (int i = 0; i < e.getKey().length(); i++) {
                h = (h * 131 + e.getKey().charAt(i)) % DIGEST_MODULUS;
            }
            total += e.getValue();
            sum = (sum + e.getValue() * h) % DIGEST_MODULUS;
        }
        return total + ":" + counts.size() + ":" + sum;
    }

    /**
     * Checks the merged counts of a contestant against a sequential count of the same documents.
     *
     * @param merged what the contestant counted
     * @param docs the documents
     * @return the digest, for the cross-contestant check
     */
    static String checkWords(Map<String, Integer> merged, List<String> docs) {
        Map<String, Integer> expected = new HashMap<>();
        for (String doc : docs) {
            count(doc, expected);
        }
        if (!merged.equals(expected)) {
            throw new IllegalStateException("word counts differ from a sequential count: " + digest(merged)
                    + " instead of " + digest(expected));
        }
        return digest(merged);
    }

    /** A serializable {@link Callable}, as PP4J requires of its tasks (harmless for a plain executor). */
    interface Job<T> extends Callable<T>, Serializable {
    }

    /** A serializable function applied to each element of a chunk. */
    interface Step<T, R> extends Function<T, R>, Serializable {
    }

    /**
     * The {@code map} a careful user writes by hand over an {@link ExecutorService} that has none (as in
     * {@code MapThroughputBenchmark}): the inputs cut into four chunks per worker, each chunk one task, the
     * results joined in input order.
     *
     * @param executor the executor
     * @param workers its size
     * @param inputs the inputs
     * @param step the function
     * @param copyChunks whether each chunk's inputs are copied into an {@link ArrayList} (needed when the task is
     *     serialized to another process: a sublist view is not serializable)
     * @return the results in input order
     * @throws Exception if a task failed
     */
    static <T, R> List<R> chunkedMap(ExecutorService executor, int workers, List<T> inputs, Step<T, R> step,
            boolean copyChunks) throws Exception {
        int chunks = 4 * workers;
        int size = Math.max(1, (inputs.size() + chunks - 1) / chunks);
        List<Future<Object[]>> parts = new ArrayList<>(chunks);
        for (int from = 0; from < inputs.size(); from += size) {
            List<T> view = inputs.subList(from, Math.min(inputs.size(), from + size));
            List<T> slice = copyChunks ? new ArrayList<>(view) : view;
            parts.add(executor.submit((Job<Object[]>) () -> {
                Object[] out = new Object[slice.size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = step.apply(slice.get(i));
                }
                return out;
            }));
        }
        Object[] all = new Object[inputs.size()];
        int at = 0;
        for (Future<Object[]> part : parts) {
            Object[] values = part.get();
            System.arraycopy(values, 0, all, at, values.length);
            at += values.length;
        }
        @SuppressWarnings("unchecked")
        List<R> out = (List<R>) Arrays.asList(all);
        return out;
    }
}
