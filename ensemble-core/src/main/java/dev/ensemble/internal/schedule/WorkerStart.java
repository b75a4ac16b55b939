package dev.ensemble.internal.schedule;

/** Which worker a slot started, as a backend reports it to {@link Scheduler#workerStarted}. */
public enum WorkerStart {
    /** The slot's first worker. */
    FIRST,
    /** A worker that replaces one lost or recycled: insights count it as a restart. */
    REPLACEMENT
}
