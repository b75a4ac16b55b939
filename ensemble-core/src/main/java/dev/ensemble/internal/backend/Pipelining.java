package dev.ensemble.internal.backend;

import java.util.concurrent.TimeUnit;

/**
 * How a backend whose workers sit at the other end of a connection (worker JVMs, cluster members) keeps them
 * busy: how many chunks a worker holds at once, and how often a sender that waits for an answer looks for
 * cancelled calls to tell its worker about.
 */
public final class Pipelining {
    /** How often a sender waiting for its worker's answer looks for calls cancelled meanwhile. */
    public static final long CANCEL_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Chunks shorter than this are pipelined deepest: their round trip is most of their time. */
    private static final long SHORT_CHUNK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** Chunks longer than this are not pipelined: one queued behind could have run on a worker that fell idle. */
    private static final long LONG_CHUNK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private Pipelining() {
    }

    /**
     * Chunks to keep in flight on a worker. One until a chunk's time is known, or while another worker is idle (a
     * second chunk held here would be taken from it); then more while chunks are short (the round trip would
     * otherwise idle the worker between them), none extra for long ones.
     *
     * @param chunkWorkNanos how long a chunk in flight is expected to run, or a negative number if not known yet
     * @param idleWorkers how many workers of the pool wait for work now
     * @param max the most this backend keeps in flight
     * @return the depth, from 1 to {@code max}
     */
    static int depth(long chunkWorkNanos, int idleWorkers, int max) {
        if (chunkWorkNanos < 0 || idleWorkers > 0) {
            return 1;
        }
        int depth = chunkWorkNanos < SHORT_CHUNK_NANOS ? 4 : chunkWorkNanos < LONG_CHUNK_NANOS ? 2 : 1;
        return Math.min(depth, max);
    }

    /**
     * One worker's pace: the time per task of its last answered chunk, which with the size of the chunks it holds
     * says how long they will run. A call's chunks grow from a few inputs to several milliseconds' worth once its
     * tasks are timed, so the last chunk's own time would pipeline the big chunks as deep as the small first one,
     * and the call's end would wait for a worker that holds several while the others have none.
     *
     * <p>Not thread-safe: its owner guards it.
     */
    public static final class Pace {
        private double nanosPerTask = -1;

        /** Creates a pace that knows no chunk yet. */
        public Pace() {
        }

        /**
         * Records an answered chunk.
         *
         * @param tasks the tasks it ran
         * @param workNanos how long they ran
         */
        public void observe(int tasks, long workNanos) {
            if (tasks > 0) {
                nanosPerTask = (double) Math.max(0, workNanos) / tasks;
            }
        }

        /**
         * {@link Pipelining#depth} for the chunks this worker holds.
         *
         * @param largestChunk the most inputs in one chunk in flight on this worker
         * @param idleWorkers how many workers of the pool wait for work now
         * @param max the most this backend keeps in flight
         * @return the depth, from 1 to {@code max}
         */
        public int depth(int largestChunk, int idleWorkers, int max) {
            long expected = nanosPerTask < 0 ? -1 : (long) Math.min(Long.MAX_VALUE / 2, nanosPerTask * largestChunk);
            return Pipelining.depth(expected, idleWorkers, max);
        }
    }
}
