package dev.ensemble.internal.schedule;

import dev.ensemble.Task;

/** Calls that no scheduler runs, for tests that drive a backend or a worker's lifespan with chunks of their own. */
public final class TestCalls {
    private TestCalls() {
    }

    /**
     * A plain call: stops at its first failure, never cancelled, no task timeout.
     *
     * @param id the call's id
     * @param task its task
     * @return the call
     */
    public static CallRef of(long id, Task<Object, Object> task) {
        return CallRef.plain(id, task);
    }
}
