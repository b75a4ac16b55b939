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

    /**
     * A job as a task for workers of this JVM, which never serialize it: a named class, so that a thread pool's
     * first {@code submit} does not link a serializable lambda (a class spun at run time, a millisecond or two
     * while the JVM is cold).
     *
     * @param job the job
     * @return the task
     */
    public static Task<Object, Object> asLocalTask(Job<?> job) {
        return new LocalJob(job);
    }

    private static final class LocalJob implements Task<Object, Object> {
        @java.io.Serial
        private static final long serialVersionUID = 1L;
        @SuppressWarnings("serial") // never serialized: threads only
        private final Job<?> job;

        LocalJob(Job<?> job) {
            this.job = job;
        }

        @Override
        public Object apply(Object ignored) throws Exception {
            return job.call();
        }
    }

    /**
     * What {@link #jobOf} needs, made when it is first asked (only worker processes ask): a JVM that only runs
     * thread pools never links the extra lambda.
     */
    private static final class Wrapper {
        static final Class<?> CLASS = asTask(() -> null).getClass();
        /** The wrapper's one captured value, the job; null if a JDK ever makes such lambdas otherwise. */
        static final java.lang.reflect.Field WRAPPED = wrappedField();
    }

    private static java.lang.reflect.Field wrappedField() {
        java.lang.reflect.Field[] fields = Wrapper.CLASS.getDeclaredFields();
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
        if (task == null || task.getClass() != Wrapper.CLASS || Wrapper.WRAPPED == null) {
            return null;
        }
        try {
            return (Job<?>) Wrapper.WRAPPED.get(task);
        } catch (IllegalAccessException e) {
            return null;
        }
    }
}
