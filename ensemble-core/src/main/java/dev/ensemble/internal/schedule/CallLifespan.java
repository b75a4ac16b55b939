package dev.ensemble.internal.schedule;

/**
 * A call's worker lifespan ({@code CallOptions.maxTasksPerWorker}): how many of the call's tasks each slot's
 * current worker was handed, so that the chunk that completes a worker's lifespan is marked to recycle it after.
 * One per call, guarded by the scheduler's lock; without a lifespan it counts nothing.
 */
final class CallLifespan {
    /** Tasks of the call per worker, 0 for none. */
    private long lifespan;
    /** Per slot: the call's tasks handed to the slot's current worker (only with a lifespan). */
    private long[] handedTo;

    /**
     * Gives the call a worker lifespan (before its first chunk is handed out).
     *
     * @param tasks tasks of the call per worker
     * @param workers the pool's slots
     */
    void set(long tasks, int workers) {
        lifespan = tasks;
        handedTo = new long[workers];
    }

    /** @return the most inputs of the call the slot's worker may take now, within {@code limit} (at least 1) */
    int limitFor(int slot, int limit) {
        return lifespan == 0 ? limit : (int) Math.max(1, Math.min(limit, lifespan - handedTo[slot]));
    }

    /** Counts a chunk handed to a slot's worker, marking the one that completes the worker's lifespan. */
    void handed(int slot, Chunk chunk) {
        if (lifespan == 0) {
            return;
        }
        handedTo[slot] += chunk.size();
        if (handedTo[slot] >= lifespan) {
            chunk.markRecycleAfter();
            handedTo[slot] = 0; // the slot's next chunk of this call goes to the worker that replaces this one
        }
    }

    /** Uncounts a chunk a slot's worker gave back unrun. */
    void givenBack(int slot, Chunk chunk) {
        if (lifespan != 0 && !chunk.recycleAfter()) {
            handedTo[slot] = Math.max(0, handedTo[slot] - chunk.size());
        }
    }

    /** The slot's worker was replaced (recycled, died): its count starts again. */
    void workerReplaced(int slot) {
        if (lifespan != 0) {
            handedTo[slot] = 0;
        }
    }
}
