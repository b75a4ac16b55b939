package dev.ensemble.internal.schedule;

import dev.ensemble.Outcome;
import dev.ensemble.Task;
import dev.ensemble.TaskFailedException;
import dev.ensemble.internal.worker.ChunkResult;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.Condition;

/**
 * One call on a pool: its inputs, the chunks made of them, and the results on their way to the caller.
 *
 * <p>All state is guarded by the scheduler's lock. Results arrive as segments (a run of consecutive results
 * starting at some index): a chunk normally gives one, a chunk cut short by a dead worker gives a prefix and
 * its remainder is queued again. {@link Order#ORDERED} calls release segments by index,
 * {@link Order#UNORDERED} ones as they arrive; {@link Shape#COLLECT} calls settle {@link #end()} with all
 * results, {@link Shape#STREAM} calls hand them to {@link #iterator()} with back-pressure: at most
 * {@code maxChunksInFlight} chunks are running or waiting to be consumed.
 *
 * <p>Its parts, under the same lock: {@link CallInputs} cuts the chunks (within a stream's back-pressure) and
 * counts those not settled; {@link ResultSegments} holds the results and {@link CallReader} hands a stream's to
 * its reader; {@link CallLifespan} counts the tasks each worker was handed. {@link TaskFailures} renders failed
 * tasks before the lock is taken.
 *
 * @param <R> the type of the delivered elements (results, or outcomes)
 */
public final class Call<R> implements CallRef {
    /** Whether results keep input order. */
    public enum Order { ORDERED, UNORDERED }

    /** Whether results are gathered into a list or streamed. */
    public enum Shape { COLLECT, STREAM }

    /** What a task's failure does to its call. */
    public enum OnFailure {
        /** The call fails with the failure of the lowest index; its other tasks are not run. */
        FAIL_FAST,
        /** Every input runs and gets an {@link Outcome} (outcomes mode). */
        KEEP_GOING
    }

    /** What a call's inputs are, for its failure messages. */
    public enum Kind {
        /** Inputs of a task: a failure names the input and its index. */
        INPUTS,
        /** Jobs (submit, broadcast): a failure names no input. */
        JOBS
    }

    private final Scheduler scheduler;
    private final long id;
    private final String name;
    private final Task<Object, Object> task;
    private final Order order;
    private final Shape shape;
    private final boolean keepGoing;
    private final long total;
    private final ChunkPlanner planner;
    private final CallEnd<R> end = new CallEnd<>();
    private final Condition resultsReady;
    private final long startedNanos = System.nanoTime();

    private final ResultSegments results;
    private final TaskFailures taskFailures;
    private final CallInputs inputs;
    private volatile long completedTasks;
    private RuntimeException failure;
    private long failureIndex = Long.MAX_VALUE;
    private volatile boolean cancelled;
    private boolean finished;
    private java.util.concurrent.ScheduledFuture<?> deadline; // set once, just after the call opens
    /** The longest one task may run: the call's option, else the pool's; null for no limit. */
    private final Duration taskTimeout;
    /** The call's worker lifespan, if it has one; guarded by the lock. */
    private final CallLifespan lifespan = new CallLifespan();

    Call(Scheduler scheduler, long id, String name, Task<Object, Object> task, CallInputs.Source source, Order order,
            Shape shape, OnFailure onFailure, Kind kind, int fixedChunkSize, int maxChunksInFlight,
            long maxBytesInFlight, Duration taskTimeout) {
        this.scheduler = scheduler;
        this.taskTimeout = taskTimeout;
        this.id = id;
        this.name = name;
        this.task = task;
        this.order = order;
        this.shape = shape;
        this.keepGoing = onFailure == OnFailure.KEEP_GOING;
        this.total = source.total();
        this.planner = new ChunkPlanner(fixedChunkSize, total, scheduler.size());
        this.results = new ResultSegments(order);
        this.inputs = new CallInputs(this, scheduler, source, planner, results,
                shape == Shape.STREAM ? maxChunksInFlight : Integer.MAX_VALUE,
                shape == Shape.STREAM ? maxBytesInFlight : Long.MAX_VALUE);
        this.taskFailures = new TaskFailures(scheduler.poolName(), name, kind == Kind.JOBS, keepGoing, taskTimeout);
        this.resultsReady = scheduler.lock.newCondition();
    }

    void setDeadline(java.util.concurrent.ScheduledFuture<?> timer) {
        scheduler.lock.lock();
        try {
            if (finished) {
                timer.cancel(false);
            } else {
                deadline = timer;
            }
        } finally {
            scheduler.lock.unlock();
        }
    }

    void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    /** @return the call's id in its pool, as {@link Chunk#callId()} gives it */
    @Override
    public long id() {
        return id;
    }

    /** @return the call's name, for progress and insights */
    public String name() {
        return name;
    }

    @Override
    public Task<Object, Object> task() {
        return task;
    }

    @Override
    public boolean keepGoing() {
        return keepGoing;
    }

    boolean isStream() {
        return shape == Shape.STREAM;
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    /** @return the number of inputs, or -1 while unknown */
    public long total() {
        return total;
    }

    /**
     * Tasks of this call accepted and not finished (waiting for a worker, or running); 0 once it ended. Called with
     * the scheduler's lock held.
     *
     * @return the count
     */
    long pendingTasks() {
        if (finished || cancelled) {
            return 0;
        }
        long accepted = total >= 0 ? total : inputs.inputsAccepted();
        return Math.max(0, accepted - completedTasks);
    }

    /** @return tasks finished so far (read without the lock: a progress figure, not a guarantee) */
    public long completedTasks() {
        return completedTasks;
    }

    /** @return why the call failed or was cancelled, or null (read under the scheduler's lock, or once finished) */
    public RuntimeException failure() {
        return failure;
    }

    /** @return the index of the failure that ends the call: -1 if cancelled, Long.MAX_VALUE while none (lock held) */
    long failureIndex() {
        return failureIndex;
    }

    /** @return when the call started, by {@link System#nanoTime()} */
    public long startedNanos() {
        return startedNanos;
    }

    /** @return the end of a collecting call, with its results (or of any call, for a stream) */
    public CallEnd<R> end() {
        return end;
    }

    /** @return the call's inputs: where its chunks come from, and how many are not settled */
    CallInputs inputs() {
        return inputs;
    }

    /** Whether the call has neither finished nor been cancelled (scheduler lock held). */
    boolean running() {
        return !finished && !cancelled;
    }

    /** @return the call's worker lifespan (scheduler lock held) */
    CallLifespan lifespan() {
        return lifespan;
    }

    // ---- results (scheduler lock held) ----

    /** @return the longest one task may run (the call's option, else the pool's), or null for no limit */
    @Override
    public Duration taskTimeout() {
        return taskTimeout;
    }

    /** @return how this call's failed tasks are told, for the reporting thread before the lock */
    TaskFailures taskFailures() {
        return taskFailures;
    }

    /**
     * A chunk ran to its end (or to its first failure, or was cut short by cancellation).
     *
     * @param failures from {@link TaskFailures#of}
     */
    void accept(Chunk chunk, ChunkResult result, TaskFailedException[] failures) {
        inputs.settled();
        if (finished) {
            return;
        }
        boolean failed = absorb(chunk, result, failures);
        if (result.processed() < chunk.size() && !cancelled && !failed) {
            // Cut short without a reason that ends the call: the rest must still run.
            requeue(chunk.remainder(result.processed(), chunk.attempt()));
        }
        completeIfDone();
    }

    /** Takes in the results of a chunk's first {@code processed} inputs; returns whether the call failed. */
    private boolean absorb(Chunk chunk, ChunkResult result, TaskFailedException[] failures) {
        planner.observe(result.processed(), result.workNanos());
        completedTasks += result.processed();
        int firstError = result.firstErrorOffset();
        if (keepGoing) {
            addSegment(chunk.firstIndex(), KeptOutcomes.of(chunk, result, failures), result.processed(),
                    result.resultBytes());
            return false;
        }
        if (firstError >= 0) {
            addSegment(chunk.firstIndex(), result.values(), firstError, result.resultBytes());
            fail(failures[firstError], chunk.firstIndex() + firstError);
            return true;
        }
        addSegment(chunk.firstIndex(), result.values(), result.processed(), result.resultBytes());
        return false;
    }

    /**
     * A chunk's worker was lost (died, or abandoned after a timeout) after finishing {@code partial}'s prefix.
     * The input at {@code failedOffset} (at least the first unfinished offset) is blamed with {@code error}
     * unless a retry is allowed, in which case the unfinished rest runs again.
     *
     * @param partialFailures from {@link TaskFailures#of} for {@code partial}
     */
    void lost(Chunk chunk, ChunkResult partial, TaskFailedException[] partialFailures, int failedOffset,
            TaskFailedException error, Retry retry) {
        inputs.settled();
        if (finished) {
            return;
        }
        int done = partial == null ? 0 : partial.processed();
        if (done > 0 && absorb(chunk, partial, partialFailures) || cancelled) {
            completeIfDone();
            return;
        }
        if (retry == Retry.ALLOWED) {
            requeue(chunk.remainder(done, chunk.attempt() + 1));
            return;
        }
        // The worker may know which task it died in, past the results it had sent: blame that one.
        int at = Math.max(done, Math.min(failedOffset, chunk.size() - 1));
        completedTasks++;
        if (keepGoing) {
            if (at > done) {
                // Tasks [done, at) finished in the dead worker, but their results died with it: run them again.
                requeue(chunk.slice(done, at));
            }
            Object[] one = {new Outcome.Failure<>(chunk.firstIndex() + at, error)};
            addSegment(chunk.firstIndex() + at, one, 1, 0);
            if (at + 1 < chunk.size()) {
                requeue(chunk.remainder(at + 1, 0));
            }
        } else {
            fail(error, chunk.firstIndex() + at);
        }
        completeIfDone();
    }

    /** Whether a lost chunk runs again. */
    enum Retry { ALLOWED, NOT_ALLOWED }

    private void requeue(Chunk rest) {
        inputs.requeued();
        scheduler.requeue(rest);
    }

    private void addSegment(long firstIndex, Object[] values, int count, long bytes) {
        if (count <= 0) {
            return;
        }
        results.add(firstIndex, values, count, bytes);
        resultsReady.signalAll();
    }

    /** Records the failure with the lowest index; a collecting call fails at once. */
    void fail(RuntimeException error, long index) {
        if (finished) {
            return;
        }
        if (failure == null || index < failureIndex) {
            failure = error;
            failureIndex = index;
        }
        cancelled = true;
        inputs.stop();
        if (shape == Shape.COLLECT) {
            finish();
            scheduler.afterUnlock(new Settle<>(end, null, failure));
        } else {
            resultsReady.signalAll();
            completeIfDone();
        }
    }

    /** Cancels the call: no more chunks, running ones stop between tasks, the caller gets the reason. */
    void cancel(RuntimeException reason) {
        if (finished) {
            return;
        }
        cancelled = true;
        inputs.stop();
        if (failure == null) {
            failure = reason;
            failureIndex = -1;
        }
        finish();
        scheduler.streamRead(this); // any later read throws the reason
        resultsReady.signalAll();
        scheduler.afterUnlock(new Settle<>(end, null, reason));
    }

    /** Completes the call once every input is in a chunk and every chunk settled. */
    void completeIfDone() {
        if (finished || !inputs.exhausted() || inputs.pendingChunks() > 0) {
            return;
        }
        if (shape == Shape.STREAM) {
            // The stream's reader still drains the buffer; the call no longer needs a worker.
            scheduler.retire(this);
            resultsReady.signalAll();
            RuntimeException error = failure;
            scheduler.afterUnlock(new Settle<>(end, List.of(), error));
            return;
        }
        finish();
        if (failure != null) {
            RuntimeException error = failure;
            scheduler.afterUnlock(new Settle<>(end, null, error));
            return;
        }
        List<R> results = collectAll();
        scheduler.afterUnlock(new Settle<>(end, results, null));
    }

    private void finish() {
        finished = true;
        scheduler.retire(this);
    }

    @SuppressWarnings("unchecked")
    private List<R> collectAll() {
        return (List<R>) results.toList();
    }

    // ---- the stream's reader ----

    /**
     * The results of a stream call, for one reader thread. Waiting is interruptible: an interrupted reader
     * cancels the call.
     *
     * @return an iterator over the results
     */
    public Reader<R> iterator() {
        return new CallReader<>(this, scheduler, inputs, results, resultsReady, order);
    }

    /**
     * The reader of a stream call's results.
     *
     * @param <R> the results' type
     */
    public interface Reader<R> extends Iterator<R> {
        /**
         * Like {@link #hasNext()}, without waiting: false also when the next result has not arrived yet.
         *
         * @return whether {@link #next()} returns at once
         */
        boolean hasNextNow();
    }

    @Override
    public String toString() {
        return name + " #" + id;
    }

    /**
     * Settles a call's end after the lock (its followers complete user-visible futures). A named class rather than
     * a lambda: see the note on linking at the end of {@link Scheduler}.
     */
    private record Settle<R>(CallEnd<R> end, List<R> results, RuntimeException failure) implements Runnable {
        @Override
        public void run() {
            end.settle(results, failure);
        }
    }
}
