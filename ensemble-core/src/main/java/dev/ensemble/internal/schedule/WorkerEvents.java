package dev.ensemble.internal.schedule;

/**
 * Told, outside the scheduler's lock, what happens to workers and chunks: for recorders (JDK Flight Recorder
 * events) that must not sit in the dispatch path. Methods must return quickly.
 */
public interface WorkerEvents {
    /** Tells nothing. */
    WorkerEvents NONE = new WorkerEvents() {
    };

    /**
     * A worker started.
     *
     * @param slot its slot
     * @param startingNanos how long it took
     * @param start whether it is the slot's first worker or replaces one lost or recycled
     */
    default void workerStarted(int slot, long startingNanos, WorkerStart start) {
    }

    /**
     * A worker was lost under a chunk.
     *
     * @param slot its slot
     * @param cause the error reported for it, rendered
     */
    default void workerLost(int slot, String cause) {
    }

    /**
     * A chunk's tasks ran.
     *
     * @param call its call
     * @param slot the worker
     * @param firstIndex the index of its first input
     * @param tasks how many ran
     * @param workNanos how long they took
     * @param waitNanos how long the worker had waited for the chunk
     */
    default void chunkDone(Call<?> call, int slot, long firstIndex, int tasks, long workNanos, long waitNanos) {
    }
}
