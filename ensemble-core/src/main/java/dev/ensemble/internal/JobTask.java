package dev.ensemble.internal;

import dev.ensemble.Job;
import dev.ensemble.Task;

/**
 * A job as a task of one ignored input. A public record rather than a lambda, so that the task of a stateless
 * job is {@link dev.ensemble.internal.wire.Stateless} too and a worker process can reuse it across calls.
 *
 * @param job the job
 */
public record JobTask(Job<Object> job) implements Task<Object, Object> {
    @Override
    public Object apply(Object ignored) throws Exception {
        return job.call();
    }
}
