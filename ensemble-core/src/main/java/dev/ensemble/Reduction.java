package dev.ensemble;

import java.util.List;

/**
 * Combines the results of a {@code batched} call, one per batch, into one value (workercontext's reductions).
 * {@link Reductions} has the common ones; any lambda {@code parts -> ...} is one too.
 *
 * <pre>{@code
 * long total = pool.batched(words, batch -> (long) batch.size(), Reductions.sum());
 * }</pre>
 *
 * <p>A reduction runs in the caller's thread once every batch has returned. An exception it throws reaches the
 * caller unchanged. A reduction of {@code Reductions} keeps no state, so one value may be used by any number of
 * calls at once.
 *
 * @param <I> the type of one part (one batch's result)
 * @param <O> the type of the combined value
 */
@FunctionalInterface
public interface Reduction<I, O> {
    /**
     * Combines the parts.
     *
     * @param parts the batches' results in batch order (so in input order); empty when the call had no inputs
     * @return the combined value
     */
    O reduce(List<? extends I> parts);
}
