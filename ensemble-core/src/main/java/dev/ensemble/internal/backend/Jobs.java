package dev.ensemble.internal.backend;

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

    private static final Class<?> WRAPPER = asTask(() -> null).getClass();
    /** The wrapper's one captured value, the job; null if a JDK ever makes such lambdas otherwise. */
    private static final java.lang.reflect.Field WRAPPED = wrappedField();

    private static java.lang.reflect.Field wrappedField() {
        java.lang.reflect.Field[] fields = WRAPPER.getDeclaredFields();
        if (fields.length != 1 || fields[0].getType() != Job.class) {
            return null;
        }
        try {
            fields[0].setAccessible(true); // a class of this module: always allowed
            return fields[0];
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * The job a task of {@link #asTask} wraps, so that a worker process can be sent the job alone.
     *
     * @param task any task
     * @return its job, or null if it is not such a task
     */
    public static Job<?> jobOf(Object task) {
        if (task == null || task.getClass() != WRAPPER || WRAPPED == null) {
            return null;
        }
        try {
            return (Job<?>) WRAPPED.get(task);
        } catch (IllegalAccessException e) {
            return null;
        }
    }
}
