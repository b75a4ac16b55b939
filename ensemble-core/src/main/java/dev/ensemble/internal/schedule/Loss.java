package dev.ensemble.internal.schedule;

/** What a backend says of a chunk it lost with its worker ({@link Scheduler#lost}). */
public enum Loss {
    /** The worker died under it: it may run again, as the pool's {@code retries} allow. */
    RETRYABLE,
    /** A task ran over its timeout, or the failure would repeat: the chunk's running task fails now. */
    FINAL
}
