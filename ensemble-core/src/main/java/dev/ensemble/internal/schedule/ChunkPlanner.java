package dev.ensemble.internal.schedule;

/**
 * Decides how many inputs go into the next chunk of a call.
 *
 * <p>A fixed size if the caller gave one. Otherwise: when the number of inputs is known, about four chunks per
 * worker (MPIRE's rule: few enough to keep the cost per task low, enough to balance uneven tasks); and in every
 * case, once tasks have been timed, no more than fits in {@link #TARGET_CHUNK_NANOS}, so that a call of slow
 * tasks is balanced task by task and an endless stream gets results out steadily. The first chunks of a call
 * are small until the first timing arrives.
 */
final class ChunkPlanner {
    /** Long enough that the per-chunk cost (a few µs on threads, tens on processes) is under 1%. */
    static final long TARGET_CHUNK_NANOS = 5_000_000;
    static final int FIRST_CHUNK = 16;
    static final int MAX_CHUNK = 1 << 20;

    private final int fixed;
    private final int sizeCap;
    private double nanosPerTask = -1;

    ChunkPlanner(int fixedSize, long knownInputs, int workers) {
        this.fixed = fixedSize;
        if (knownInputs >= 0) {
            long perFourChunks = (knownInputs + 4L * workers - 1) / (4L * workers);
            this.sizeCap = (int) Math.max(1, Math.min(MAX_CHUNK, perFourChunks));
        } else {
            this.sizeCap = MAX_CHUNK;
        }
    }

    int nextSize() {
        if (fixed > 0) {
            return fixed;
        }
        if (nanosPerTask < 0) {
            return Math.min(FIRST_CHUNK, sizeCap);
        }
        double fits = TARGET_CHUNK_NANOS / Math.max(nanosPerTask, 1.0);
        return (int) Math.max(1, Math.min(sizeCap, fits));
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
