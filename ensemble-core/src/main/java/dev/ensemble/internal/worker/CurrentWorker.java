package dev.ensemble.internal.worker;

import dev.ensemble.WorkerContext;

/** The {@link WorkerContext} of the thread running a task, hook or factory. */
public final class CurrentWorker {
    private static final ThreadLocal<WorkerContext> CURRENT = new ThreadLocal<>();

    private CurrentWorker() {
    }

    /**
     * The context of the calling thread.
     *
     * @return the context
     * @throws IllegalStateException outside a worker
     */
    public static WorkerContext get() {
        WorkerContext context = CURRENT.get();
        if (context == null) {
            throw new IllegalStateException("WorkerContext.current() works only inside a task, hook or factory "
                    + "running on a pool's worker; thread " + Thread.currentThread().getName() + " is not one");
        }
        return context;
    }

    /**
     * Binds a context to the calling thread until {@link #clear()}.
     *
     * @param context the worker's context
     */
    public static void set(WorkerContext context) {
        CURRENT.set(context);
    }

    /** Unbinds the calling thread's context. */
    public static void clear() {
        CURRENT.remove();
    }
}
