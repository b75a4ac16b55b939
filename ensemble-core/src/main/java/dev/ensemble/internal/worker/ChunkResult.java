package dev.ensemble.internal.worker;

/**
 * What a worker reports for a chunk it ran: a value or an error for each of the first {@code processed}
 * inputs, and timings. Plain data, so that a worker process can send it back.
 *
 * @param values results by offset in the chunk; null where the task failed
 * @param errors errors by offset, or null if no task failed
 * @param processed how many inputs, from the chunk's start, these arrays cover (fewer than the chunk's size only
 *     when the chunk stopped at a failure or was cancelled)
 * @param waitNanos how long the worker waited for this chunk after finishing its previous one
 * @param workNanos how long it ran this chunk's tasks
 * @param slowestNanos the duration of the chunk's slowest task
 * @param slowestOffset its offset in the chunk
 */
public record ChunkResult(Object[] values, Throwable[] errors, int processed, long waitNanos, long workNanos,
        long slowestNanos, int slowestOffset) {

    /**
     * The first failed offset.
     *
     * @return the offset of the first error, or -1 if there is none
     */
    public int firstErrorOffset() {
        if (errors == null) {
            return -1;
        }
        for (int i = 0; i < processed; i++) {
            if (errors[i] != null) {
                return i;
            }
        }
        return -1;
    }
}
