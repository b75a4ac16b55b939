package dev.ensemble.internal.schedule;

/**
 * Decides how many inputs go into the next chunk of a call.
 *
 * <p>A fixed size if the caller gave one. Otherwise: when the number of inputs is known, about four chunks per
 * worker (MPIRE's rule: few enough to keep the cost per task low, enough to balance uneven tasks); and in every
 * case, once tasks have been timed, no more than fits in {@link #TARGET_CHUNK_NANOS}, so that a call of slow
 * tasks is balanced task by task and an endless stream gets results out steadily. The first chunks of a call
 * are small until the first timing arrives. Towards the end of a call whose length is known, chunks shrink with
 * what is left (guided self-scheduling: at most the rest divided by {@link #TAIL_SHARE} times the workers), down
 * to about {@link #TAIL_FLOOR_NANOS} of work, so that the workers finish together instead of one running a last
 * full-size chunk while the others wait.
 */
final class ChunkPlanner {
    /** Long enough that the per-chunk cost (a few µs on threads, tens on processes) is under 1%. */
    static final long TARGET_CHUNK_NANOS = 5_000_000;
    static final int FIRST_CHUNK = 16;
    static final int MAX_CHUNK = 1 << 20;
    /** Near the end of a call, a chunk takes at most the rest of its inputs divided by this many per worker. */
    static final int TAIL_SHARE = 2;
    /** The least work a shrinking chunk at the end of a call is cut to: its fixed cost stays small beside it. */
    static final long TAIL_FLOOR_NANOS = 1_000_000;

    private final int fixed;
    private final int sizeCap;
    private final int workers;
    private double nanosPerTask = -1;

    ChunkPlanner(int fixedSize, long knownInputs, int workers) {
        this.fixed = fixedSize;
        this.workers = Math.max(1, workers);
        if (knownInputs >= 0) {
            long perFourChunks = (knownInputs + 4L * workers - 1) / (4L * workers);
            this.sizeCap = (int) Math.max(1, Math.min(MAX_CHUNK, perFourChunks));
        } else {
            this.sizeCap = MAX_CHUNK;
        }
    }

    /**
     * The size of the next chunk.
     *
     * @param remaining the inputs not yet in a chunk, or a negative number if not known
     * @return how many inputs it takes
     */
    int nextSize(long remaining) {
        if (fixed > 0) {
            return fixed;
        }
        if (nanosPerTask < 0) {
            return Math.min(FIRST_CHUNK, sizeCap);
        }
        double perTask = Math.max(nanosPerTask, 1.0);
        double size = Math.min(sizeCap, TARGET_CHUNK_NANOS / perTask);
        if (remaining >= 0) {
            double share = Math.ceil((double) remaining / ((long) TAIL_SHARE * workers));
            size = Math.min(size, Math.max(share, TAIL_FLOOR_NANOS / perTask));
        }
        return (int) Math.max(1, size);
    }

    /** Whether tasks may be slow enough that timing each one (about 40 ns) is worth it. */
    boolean timeEachTask() {
        return nanosPerTask < 0 || nanosPerTask > 1_000;
    }

    /** Folds in the timing of a finished chunk; an exponential average follows drifting task costs. */
    void observe(int tasks, long workNanos) {
        if (tasks <= 0) {
            return;
        }
        double sample = (double) workNanos / tasks;
        nanosPerTask = nanosPerTask < 0 ? sample : 0.7 * nanosPerTask + 0.3 * sample;
    }
}
