package dev.ensemble.internal.schedule;

import dev.ensemble.Outcome;
import dev.ensemble.TaskFailedException;
import dev.ensemble.internal.worker.ChunkResult;

/**
 * The outcomes of a call that keeps going ({@code mapOutcomes}). A class of its own so that the outcome types load
 * with the first such call, not with every pool's first call.
 */
final class KeptOutcomes {
    private KeptOutcomes() {
    }

    /**
     * The outcomes of a chunk's first {@code processed} tasks.
     *
     * @param chunk the chunk
     * @param result what its worker reported
     * @param failures its failures as the call renders them, or null if none failed
     * @return one outcome per processed task
     */
    static Object[] of(Chunk chunk, ChunkResult result, TaskFailedException[] failures) {
        int count = result.processed();
        Object[] out = new Object[count];
        for (int i = 0; i < count; i++) {
            long index = chunk.firstIndex() + i;
            TaskFailedException failure = failures == null ? null : failures[i];
            out[i] = failure == null ? new Outcome.Success<>(index, result.values()[i])
                    : new Outcome.Failure<>(index, failure);
        }
        return out;
    }
}
