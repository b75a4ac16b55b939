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
     * @param lastChunkWorkNanos how long the worker's last chunk ran, or a negative number if none finished yet
     * @param idleWorkers how many workers of the pool wait for work now
     * @param max the most this backend keeps in flight
     * @return the depth, from 1 to {@code max}
     */
    public static int depth(long lastChunkWorkNanos, int idleWorkers, int max) {
        if (lastChunkWorkNanos < 0 || idleWorkers > 0) {
            return 1;
        }
        int depth = lastChunkWorkNanos < SHORT_CHUNK_NANOS ? 4 : lastChunkWorkNanos < LONG_CHUNK_NANOS ? 2 : 1;
        return Math.min(depth, max);
    }
}
