package dev.ensemble.internal;

import dev.ensemble.CallOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts the inputs of a {@code batched} call into contiguous batches whose sizes differ by at most one, and makes
 * the options of the call that runs them (one batch is one task, so one batch per chunk).
 */
public final class Batches {
    private Batches() {
    }

    /**
     * Splits {@code inputs} into {@code min(count, inputs.size())} contiguous batches, the longer ones first.
     * Each batch is a copy (an {@code ArrayList}, so it can be sent to a worker process); the caller's list is
     * read once, here.
     *
     * @param inputs the inputs
     * @param count the wanted number of batches, at least 1
     * @param <T> the input type
     * @return the batches in input order; none if {@code inputs} is empty
     */
    public static <T> List<List<T>> split(List<? extends T> inputs, int count) {
        int size = inputs.size();
        int batches = Math.min(count, size);
        List<List<T>> out = new ArrayList<>(batches);
        int base = batches == 0 ? 0 : size / batches;
        int longer = batches == 0 ? 0 : size % batches;
        int from = 0;
        for (int i = 0; i < batches; i++) {
            int to = from + base + (i < longer ? 1 : 0);
            out.add(new ArrayList<>(inputs.subList(from, to)));
            from = to;
        }
        return out;
    }

    /**
     * The batch count a call asks for.
     *
     * @param options the call's options
     * @param workers the pool's size, the default
     * @return the count
     */
    public static int count(CallOptions options, int workers) {
        return options.batches() > 0 ? options.batches() : workers;
    }

    /**
     * The options of the map call that runs the batches: one batch per chunk, named {@code what} unless the caller
     * named the call.
     *
     * @param options the caller's options
     * @param what the default name
     * @return the options to use
     */
    public static CallOptions runOptions(CallOptions options, String what) {
        CallOptions one = options.chunkSize(1);
        return options.name() == null ? one.name(what) : one;
    }
}
