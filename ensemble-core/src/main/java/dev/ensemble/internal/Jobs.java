package dev.ensemble.internal;

import dev.ensemble.Job;
import dev.ensemble.Task;

/** Jobs as tasks of one ignored input, the form in which the scheduler carries them. */
public final class Jobs {
    private Jobs() {
    }

    /**
     * A job as a task. A lambda of this class, so that serialization needs no access to a type of this module
     * (a record would need generated code outside it, which a module path forbids), and a task that wraps a
     * stateless job is itself {@link dev.ensemble.internal.wire.Stateless}.
     *
     * @param job the job
     * @return the task
     */
    @SuppressWarnings("unchecked")
    public static Task<Object, Object> asTask(Job<?> job) {
        Job<Object> j = (Job<Object>) job;
        return ignored -> j.call();
    }
}
