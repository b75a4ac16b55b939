package dev.ensemble.internal;

import dev.ensemble.Job;
import dev.ensemble.WorkerPool;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A pool seen as an {@link java.util.concurrent.ExecutorService}, for code that takes one. Each task is one
 * {@link WorkerPool#submit} of the pool. The view does not own the pool: {@link #shutdown()} stops the view taking
 * tasks and lets its own finish, as the JDK documents it, and the pool stays open; closing the pool ends the view
 * too (later tasks are rejected).
 *
 * <p>States, as {@code ThreadPoolExecutor}'s: RUNNING → SHUTDOWN ({@link #shutdown}: no new tasks; submitted ones
 * run) → TERMINATED (shut down and none of its tasks left). {@link #shutdownNow} cancels the tasks not done: the
 * pool stops their calls (a task that has started runs to its end on a process worker, is interrupted on a
 * thread only if it is waiting in the pool).
 *
 * <p>For worker processes a task must be serializable (a {@code Callable & Serializable} lambda, for example): one
 * that is not is rejected at once with the pool's message naming what cannot be sent.
 */
final class PoolExecutorService extends AbstractExecutorService {
    private final WorkerPool pool;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition terminated = lock.newCondition();
    /** The tasks submitted and not yet done, with what {@link #shutdownNow} returns for each. */
    private final Map<PoolTask<?>, Runnable> pending = new ConcurrentHashMap<>();
    private volatile boolean shutdown;

    PoolExecutorService(WorkerPool pool) {
        this.pool = pool;
    }

    /** A task of this view: a future completed by the pool's call, which a cancel cancels. */
    private final class PoolTask<T> extends CompletableFuture<T> implements RunnableFuture<T> {
        private final Job<T> job;
        private final Runnable original;
        private volatile CompletableFuture<T> call;

        PoolTask(Job<T> job, Runnable original) {
            this.job = job;
            this.original = original;
        }

        @Override
        public void run() {
            throw new UnsupportedOperationException("a task of " + pool + " runs on the pool, not by run()");
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            CompletableFuture<T> running = call;
            if (running != null) {
                running.cancel(mayInterruptIfRunning);
            }
            return super.cancel(mayInterruptIfRunning);
        }
    }

    @Override
    protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
        return new PoolTask<>(jobOf(callable), null);
    }

    @Override
    protected <T> RunnableFuture<T> newTaskFor(Runnable runnable, T value) {
        return new PoolTask<>(jobOf(runnable, value), runnable);
    }

    @SuppressWarnings("unchecked")
    private static <T> Job<T> jobOf(Callable<T> callable) {
        return callable instanceof Job<?> job ? (Job<T>) job : callable::call;
    }

    private static <T> Job<T> jobOf(Runnable runnable, T value) {
        return () -> {
            runnable.run();
            return value;
        };
    }

    @Override
    public void execute(Runnable command) {
        if (command == null) {
            throw new NullPointerException("command");
        }
        PoolTask<?> task = command instanceof PoolTask<?> t ? t : new PoolTask<>(jobOf(command, null), command);
        start(task);
    }

    private <T> void start(PoolTask<T> task) {
        if (shutdown) {
            throw new RejectedExecutionException("the executor view of " + pool + " was shut down");
        }
        pending.put(task, task.original != null ? task.original : task);
        CompletableFuture<T> call;
        try {
            call = pool.submit(task.job);
        } catch (IllegalArgumentException | IllegalStateException e) {
            done(task);
            throw new RejectedExecutionException(e.getMessage(), e);
        }
        task.call = call;
        call.whenComplete((value, error) -> {
            if (error == null) {
                task.complete(value);
            } else {
                Throwable failure = error instanceof java.util.concurrent.CompletionException c
                        && c.getCause() != null ? c.getCause() : error;
                // As an ExecutorService's: get() throws ExecutionException whose cause is what the task threw.
                if (failure instanceof dev.ensemble.TaskFailedException tfe && tfe.getCause() != null) {
                    failure = tfe.getCause();
                }
                task.completeExceptionally(failure);
            }
            done(task);
        });
        if (task.isCancelled()) {
            call.cancel(true); // cancelled before the call existed
        }
    }

    private void done(PoolTask<?> task) {
        pending.remove(task);
        signalIfTerminated();
    }

    @Override
    public void shutdown() {
        shutdown = true;
        signalIfTerminated();
    }

    /** Wakes {@link #awaitTermination} once the view is shut down and none of its tasks is left. */
    private void signalIfTerminated() {
        if (isTerminated()) {
            lock.lock();
            try {
                terminated.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown();
        List<Runnable> notDone = new ArrayList<>();
        for (Map.Entry<PoolTask<?>, Runnable> e : pending.entrySet()) {
            if (e.getKey().cancel(true)) {
                notDone.add(e.getValue());
            }
        }
        return notDone;
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown && pending.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long left = unit.toNanos(timeout);
        lock.lock();
        try {
            while (!isTerminated()) {
                if (left <= 0) {
                    return false;
                }
                left = terminated.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        try {
            return invokeAny(tasks, Long.MAX_VALUE, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("no time limit was given", e);
        }
    }

    /** The first task to succeed gives the result; the others are cancelled. */
    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("invokeAny needs at least one task");
        }
        CompletableFuture<T> first = new CompletableFuture<>();
        AtomicInteger failed = new AtomicInteger();
        List<RunnableFuture<T>> started = new ArrayList<>(tasks.size());
        try {
            for (Callable<T> callable : tasks) {
                PoolTask<T> task = (PoolTask<T>) newTaskFor(callable);
                started.add(task);
                execute(task);
                task.whenComplete((value, error) -> {
                    if (error == null) {
                        first.complete(value);
                    } else if (failed.incrementAndGet() == tasks.size()) {
                        first.completeExceptionally(error);
                    }
                });
            }
            return first.get(timeout, unit);
        } finally {
            for (RunnableFuture<T> task : started) {
                task.cancel(true);
            }
        }
    }

    @Override
    public String toString() {
        return "ExecutorService view of " + pool + (shutdown ? " (shut down)" : "");
    }
}
