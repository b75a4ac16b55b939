package dev.ensemble.bench.compare;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How much work each row does, the one source of these numbers: {@link SideBySide} passes them to every
 * contestant on its command line as {@code key=value,...}, the Java ones and the Python script alike.
 *
 * @param runs runs of every contestant (each a fresh JVM or interpreter); the table gives median and min–max
 * @param warmPools pools created after the first, for the warm pool-creation row
 * @param roundTripWarmup calls before the round trips are timed: enough for a JVM's JIT to compile the whole call
 *     path (after 1,000, a JVM's median was still 2 to 2.5 times its steady state: code compiled for profiling)
 * @param roundTrips timed round trips (median and p99 of these)
 * @param mapInputs inputs of the map row
 * @param mapWarmup untimed maps before the timed ones
 * @param maps timed maps (their median)
 * @param cpuTasks tasks of the speedup row
 * @param taskMillis CPU time of each of those tasks
 * @param cpuRuns timed maps of those tasks per pool size
 * @param arrayLength doubles of the array row (2^20 = 8 MiB)
 * @param arrayWarmup untimed round trips of the array: a JVM's first ten or so each allocate their result on heap
 *     memory its collector has not touched yet (25-45 ms of page faults per 8 MiB here), as the round-trip
 *     row's warm-up lets the JIT compile
 * @param arrayTrips timed round trips of the array
 * @param broadcastWarmup untimed broadcasts (see roundTripWarmup)
 * @param broadcasts timed broadcasts
 * @param modelInitMillis CPU time of building the model once per worker
 * @param modelCalls small calls to the model after it is built
 * @param modelRuns timed runs of the model row
 * @param documents documents of the word-count row
 * @param vocabulary distinct words the documents draw from
 * @param seed the documents' generator seed
 * @param wordRuns timed word counts (after one untimed)
 * @param killWaitSeconds how long a peer is given to deliver every result after its worker is killed
 */
public record Sizes(int runs, int warmPools, int roundTripWarmup, int roundTrips, int mapInputs, int mapWarmup,
        int maps, int cpuTasks, int taskMillis, int cpuRuns, int arrayLength, int arrayWarmup, int arrayTrips,
        int broadcastWarmup, int broadcasts, int modelInitMillis, int modelCalls, int modelRuns, int documents,
        int vocabulary, int seed, int wordRuns, int killWaitSeconds) {

    /** Workers of every pool, except the one-worker pool of the speedup row. */
    public static final int WORKERS = 2;

    /**
     * The quick mode of {@code ./ensemble bench}: three runs of each contestant, under five minutes here.
     *
     * @return the sizes
     */
    public static Sizes quick() {
        // Four untimed maps and five timed, as in full mode: a fresh JVM's first maps of a million boxed inputs
        // vary several-fold while its heap grows, and three samples after two left the row's median to chance.
        return new Sizes(3, 1, 20_000, 2_000, 1_000_000, 4, 5, 200, 10, 1, 1 << 20, 12, 6, 3_000, 1_000, 150,
                10_000, 1, 2_000, 5_000, 2024, 1, 5);
    }

    /**
     * {@code ./ensemble bench --full}: ten runs of each contestant and more samples in each.
     *
     * @return the sizes
     */
    public static Sizes full() {
        return new Sizes(10, 3, 30_000, 10_000, 1_000_000, 4, 5, 200, 10, 3, 1 << 20, 20, 20, 5_000, 5_000, 150,
                10_000, 3, 2_000, 5_000, 2024, 3, 5);
    }

    /**
     * The command-line form, {@code runs=3,warmPools=2,...}.
     *
     * @return the sizes as {@code key=value} pairs separated by commas
     */
    public String encode() {
        StringBuilder out = new StringBuilder();
        for (var e : asMap().entrySet()) {
            out.append(out.isEmpty() ? "" : ",").append(e.getKey()).append('=').append(e.getValue());
        }
        return out.toString();
    }

    /**
     * Reads the form {@link #encode()} writes.
     *
     * @param text {@code key=value} pairs separated by commas, every component present
     * @return the sizes
     * @throws IllegalArgumentException if a component is missing or not a number
     */
    public static Sizes decode(String text) {
        Map<String, Integer> values = new LinkedHashMap<>();
        for (String pair : text.split(",")) {
            String[] kv = pair.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("'" + pair + "' in sizes is not key=value");
            }
            values.put(kv[0].strip(), Integer.parseInt(kv[1].strip()));
        }
        var components = Sizes.class.getRecordComponents();
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            Integer v = values.get(components[i].getName());
            if (v == null) {
                throw new IllegalArgumentException("sizes lack " + components[i].getName() + ": " + text);
            }
            args[i] = v;
        }
        try {
            return (Sizes) Sizes.class.getDeclaredConstructors()[0].newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, Integer> asMap() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (var c : Sizes.class.getRecordComponents()) {
            try {
                out.put(c.getName(), (Integer) c.getAccessor().invoke(this));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }
}
