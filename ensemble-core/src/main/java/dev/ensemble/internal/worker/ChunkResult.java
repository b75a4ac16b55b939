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
 * @param resultBytes the size of the values as they travelled from another JVM, serialized; 0 when they did not
 *     (threads), which stream back-pressure by bytes then does not count
 */
public record ChunkResult(Object[] values, Throwable[] errors, int processed, long waitNanos, long workNanos,
        long slowestNanos, int slowestOffset, long resultBytes) {

    /**
     * Nothing run: a chunk skipped because its call was cancelled.
     *
     * @param waitNanos how long the worker waited for it
     * @return a result of no inputs
     */
    public static ChunkResult skipped(long waitNanos) {
        return new ChunkResult(new Object[0], null, 0, waitNanos, 0, 0, 0, 0);
    }

    /**
     * The first input failed before it could run (its chunk could not be sent or decoded); the rest of the chunk
     * runs again.
     *
     * @param error why
     * @param waitNanos how long the worker waited for the chunk
     * @return a result of one failed input
     */
    public static ChunkResult firstInputFailed(Throwable error, long waitNanos) {
        return new ChunkResult(new Object[1], new Throwable[] {error}, 1, waitNanos, 0, 0, 0, 0);
    }

    /**
     * The results of a chunk's first inputs, without timings: what a worker had sent of a chunk it did not finish.
     *
     * @param values results by offset
     * @param errors errors by offset, or null
     * @param upTo how many inputs they cover
     * @return the partial result
     */
    public static ChunkResult prefix(Object[] values, Throwable[] errors, int upTo) {
        return new ChunkResult(values, errors, upTo, 0, 0, 0, 0, 0);
    }

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
