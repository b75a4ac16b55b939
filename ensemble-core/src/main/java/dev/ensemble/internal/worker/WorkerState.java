package dev.ensemble.internal.worker;

import dev.ensemble.WorkerContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything one worker keeps between tasks: its identity, the pool's shared objects, and per-worker state that
 * other features (instance pools, shared-array mappings) attach under a key.
 */
public final class WorkerState implements WorkerContext {
    private final int workerId;
    private final int workerCount;
    private final Object shared;
    private final Map<String, Object> attachments = new ConcurrentHashMap<>();

    /**
     * Creates the state of a new worker.
     *
     * @param workerId the slot
     * @param workerCount the pool's size
     * @param shared the pool's shared objects, or null
     */
    public WorkerState(int workerId, int workerCount, Object shared) {
        this.workerId = workerId;
        this.workerCount = workerCount;
        this.shared = shared;
    }

    @Override
    public int workerId() {
        return workerId;
    }

    @Override
    public int workerCount() {
        return workerCount;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <D> D shared() {
        if (shared == null) {
            throw new IllegalStateException("this pool has no shared objects; set them with "
                    + "WorkerPool.builder().sharedObjects(...)");
        }
        return (D) shared;
    }

    /**
     * Per-worker state attached by a feature.
     *
     * @return the live map of attachments
     */
    public Map<String, Object> attachments() {
        return attachments;
    }

    @Override
    public String toString() {
        return "worker " + workerId + " of " + workerCount;
    }
}
