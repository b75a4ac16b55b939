package dev.ensemble.internal.schedule;

import dev.ensemble.Outcome;
import dev.ensemble.Task;
import dev.ensemble.TaskFailedException;
import dev.ensemble.internal.worker.ChunkResult;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.RandomAccess;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/**
 * One call on a pool: its inputs, the chunks made of them, and the results on their way to the caller.
 *
 * <p>All state is guarded by the scheduler's lock. Results arrive as segments (a run of consecutive results
 * starting at some index): a chunk normally gives one, a chunk cut short by a dead worker gives a prefix and
 * its remainder is queued again. {@link Order#ORDERED} calls release segments by index,
 * {@link Order#UNORDERED} ones as they arrive; {@link Shape#COLLECT} calls complete {@link #future()} with all
 * results, {@link Shape#STREAM} calls hand them to {@link #iterator()} with back-pressure: at most
 * {@code maxChunksInFlight} chunks are running or waiting to be consumed.
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
    private final Iterable<?> lazySource;
    private final List<?> indexable;
    private final long total;
    private final int maxChunksInFlight;
    /** A stream's bound of serialized result bytes waiting for its reader (unbounded for other calls). */
    private final long maxBytesInFlight;
    private final ChunkPlanner planner;
    private final CompletableFuture<List<R>> future = new CompletableFuture<>();
    private final Condition resultsReady;
    private final long startedNanos = System.nanoTime();

    private final ResultSegments results;
    private final TaskFailures taskFailures;
    private long nextInputIndex;
    private boolean exhausted;
    private int pendingChunks;
    private volatile long completedTasks;
    private RuntimeException failure;
    private long failureIndex = Long.MAX_VALUE;
    private volatile boolean cancelled;
    private boolean finished;
    /** Chunks the input feeder read ahead, counted in {@code pendingChunks}, not yet handed to a worker. */
    private final ArrayDeque<Chunk> prepared = new ArrayDeque<>();
    /** Signalled when the input feeder may read more: a chunk was handed out or read, or the call ended. */
    private final Condition inputWanted;
    private Thread feeder;
    private java.util.concurrent.ScheduledFuture<?> deadline; // set once, just after the call opens
    /** The longest one task may run: the call's option, else the pool's; null for no limit. */
    private final Duration taskTimeout;
    /** The call's worker lifespan, if it has one; guarded by the lock. */
    private final Lifespans lifespans = new Lifespans();

    Call(Scheduler scheduler, long id, String name, Task<Object, Object> task, Source source, Order order,
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
        this.indexable = source.indexable();
        this.lazySource = source.lazy();
        this.total = source.total();
        this.exhausted = indexable == null && lazySource == null;
        this.maxChunksInFlight = shape == Shape.STREAM ? maxChunksInFlight : Integer.MAX_VALUE;
        this.maxBytesInFlight = shape == Shape.STREAM ? maxBytesInFlight : Long.MAX_VALUE;
        this.planner = new ChunkPlanner(fixedChunkSize, total, scheduler.size());
        this.results = new ResultSegments(order);
        this.taskFailures = new TaskFailures(scheduler.poolName(), name, kind == Kind.JOBS, keepGoing, taskTimeout);
        this.resultsReady = scheduler.lock.newCondition();
        this.inputWanted = scheduler.lock.newCondition();
    }

    /**
     * A call's inputs as seen before the scheduler's lock is taken, so that no user collection is asked anything
     * under it: a random-access list is cut into sub-list views (no copy); any other collection is copied on the
     * caller's thread; any other iterable is read by the call's own feeder thread ({@link InputFeeder}).
     *
     * @param indexable the inputs as a random-access list, or null
     * @param lazy the inputs as an iterable the feeder reads, or null
     * @param total the number of inputs, or -1 while unknown
     */
    record Source(List<?> indexable, Iterable<?> lazy, long total) {
        static final Source NONE = new Source(null, null, 0);

        /**
         * Classifies a caller's inputs, on the caller's thread.
         *
         * @param inputs the inputs, or null for a call of placed chunks only
         * @param what the call, for the message
         * @return the source
         * @throws IllegalStateException if a collection's copy fails (its {@code toArray} threw)
         */
        static Source of(Iterable<?> inputs, String what) {
            if (inputs == null) {
                return NONE;
            }
            if (inputs instanceof List<?> list && inputs instanceof RandomAccess) {
                return new Source(list, null, list.size());
            }
            if (inputs instanceof Collection<?> collection) {
                Object[] copy;
                try {
                    copy = collection.toArray();
                } catch (RuntimeException | LinkageError e) {
                    throw new IllegalStateException("reading the inputs of " + what + " failed: "
                            + Inputs.describe(e), e);
                }
                return new Source(Arrays.asList(copy), null, copy.length);
            }
            return new Source(null, inputs, -1);
        }
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

    /** Starts the feeder of a call over a lazy source; called once, after the call is registered. */
    void startFeeder() {
        if (lazySource == null) {
            return;
        }
        Thread thread = InputFeeder.start(this, lazySource, scheduler.poolName());
        scheduler.lock.lock();
        try {
            feeder = thread;
            if (!needsInput()) {
                thread.interrupt(); // cancelled before the feeder was known
            }
        } finally {
            scheduler.lock.unlock();
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
        long accepted = total >= 0 ? total : nextInputIndex;
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

    /** @return when the call started, by {@link System#nanoTime()} */
    public long startedNanos() {
        return startedNanos;
    }

    /** @return the future of a collecting call (or of any call's end, for a stream) */
    public CompletableFuture<List<R>> future() {
        return future;
    }

    // ---- producing chunks (scheduler lock held) ----

    /** Whether this call may still produce chunks at some point. */
    boolean producing() {
        return (!exhausted || !prepared.isEmpty()) && !finished && !cancelled;
    }

    /** Whether a chunk may be handed out now, without waiting for the feeder. */
    boolean hasChunkNow() {
        return producing() && (indexable != null || !prepared.isEmpty());
    }

    /** Whether the feeder should still read inputs. */
    private boolean needsInput() {
        return !exhausted && !finished && !cancelled;
    }

    /** @return the call's worker lifespan (scheduler lock held) */
    Lifespans lifespans() {
        return lifespans;
    }

    /**
     * The part of a queued chunk after its first {@code take} inputs, counted as a chunk of its own.
     *
     * @param chunk a chunk of this call that was queued again
     * @param take the inputs the worker takes now (fewer than the chunk holds)
     * @return the rest, to queue first in line
     */
    Chunk splitOff(Chunk chunk, int take) {
        pendingChunks++;
        return chunk.remainder(take, chunk.attempt());
    }

    /** The next chunk of fresh inputs, or null if none now (exhausted, back-pressure, finished, feeder behind). */
    Chunk nextChunk(int limit) {
        if (!producing()) {
            return null;
        }
        if (indexable != null) {
            return backPressured() ? null : nextSlice(Math.min(planner.nextSize(), limit));
        }
        Chunk chunk = prepared.poll();
        if (chunk == null) {
            return null;
        }
        if (chunk.size() > limit) {
            // The worker takes only {@code limit} more (recycling); the rest stays first in line.
            prepared.addFirst(chunk.remainder(limit, 0));
            pendingChunks++;
            chunk = chunk.slice(0, limit);
        }
        inputWanted.signal();
        return chunk;
    }

    // ---- the feeder's side (InputFeeder; takes the lock itself, never holds it while reading) ----

    /**
     * Waits until the feeder may read another chunk of inputs.
     *
     * @return how many inputs to read, or 0 when the call needs no more (finished, failed or cancelled)
     * @throws InterruptedException if the call was cancelled while the feeder waited
     */
    int awaitInputWanted() throws InterruptedException {
        scheduler.lock.lock();
        try {
            while (needsInput() && (prepared.size() >= InputFeeder.READ_AHEAD_CHUNKS || backPressured())) {
                inputWanted.await();
            }
            return needsInput() ? planner.nextSize() : 0;
        } finally {
            scheduler.unlockAndRun();
        }
    }

    /**
     * Hands over inputs the feeder read.
     *
     * @param items the inputs, in order (possibly none)
     * @param end whether the source has no more
     * @return whether the call still wants inputs
     */
    boolean offer(List<Object> items, boolean end) {
        scheduler.lock.lock();
        try {
            if (!needsInput()) {
                return false;
            }
            if (!items.isEmpty()) {
                prepared.add(new Chunk(this, nextInputIndex, items, -1, 0, planner.timeEachTask()));
                nextInputIndex += items.size();
                pendingChunks++;
            }
            if (end) {
                exhausted = true;
                completeIfDone();
            }
            scheduler.workAvailable();
            return !end;
        } finally {
            scheduler.unlockAndRun();
        }
    }

    /**
     * The source threw: the call fails at the index of the input being read, after the inputs read before it.
     *
     * @param items the inputs read in this round before the failure
     * @param error the call's failure, already rendered (outside the lock)
     */
    void inputsFailed(List<Object> items, RuntimeException error) {
        scheduler.lock.lock();
        try {
            if (!needsInput()) {
                return;
            }
            exhausted = true;
            fail(error, nextInputIndex + items.size());
        } finally {
            scheduler.unlockAndRun();
        }
    }

    /** @return the index of the next input the feeder reads (for messages; read under the lock) */
    long nextInputIndex() {
        scheduler.lock.lock();
        try {
            return nextInputIndex;
        } finally {
            scheduler.lock.unlock();
        }
    }

    /** Drops the chunks read ahead and stops the feeder: the call will not run them. */
    private void stopFeeding() {
        pendingChunks -= prepared.size();
        prepared.clear();
        if (feeder != null) {
            inputWanted.signal();
            feeder.interrupt(); // a source blocked in hasNext/next may give up on an interrupt
        }
    }

    @SuppressWarnings("unchecked")
    private Chunk nextSlice(int size) {
        int from = (int) nextInputIndex;
        int to = (int) Math.min(indexable.size(), from + (long) size);
        if (to >= indexable.size()) {
            exhausted = true;
        }
        if (from >= to) {
            completeIfDone();
            return null;
        }
        Chunk chunk = new Chunk(this, from, (List<Object>) indexable.subList(from, to), -1, 0,
                planner.timeEachTask());
        nextInputIndex = to;
        pendingChunks++;
        return chunk;
    }

    /** Registers a chunk made up front (broadcast, submit), to run on {@code slot} or on any worker (-1). */
    Chunk presetChunk(long firstIndex, List<Object> items, int slot) {
        pendingChunks++;
        nextInputIndex = Math.max(nextInputIndex, firstIndex + items.size());
        return new Chunk(this, firstIndex, items, slot, 0, true);
    }

    // ---- results (scheduler lock held) ----

    /** Whether a stream's reader must catch up before more of its inputs start: too many chunks, or bytes. */
    private boolean backPressured() {
        return chunksInFlight() >= maxChunksInFlight || results.bytesUnread() >= maxBytesInFlight;
    }

    /** Chunks running, queued, or finished but not yet read by a stream's reader: what back-pressure bounds. */
    private int chunksInFlight() {
        // Chunks read ahead by the feeder are counted in pendingChunks.
        return pendingChunks + results.size();
    }

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
        pendingChunks--;
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
            addSegment(chunk.firstIndex(), TaskFailures.outcomes(chunk, result, failures), result.processed(),
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
        pendingChunks--;
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
        pendingChunks++;
        scheduler.requeue(rest);
    }

    private String describe() {
        return name;
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
        exhausted = true;
        stopFeeding();
        if (shape == Shape.COLLECT) {
            finish();
            scheduler.afterUnlock(new Settle(future, null, failure));
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
        exhausted = true;
        stopFeeding();
        if (failure == null) {
            failure = reason;
            failureIndex = -1;
        }
        finish();
        scheduler.streamRead(this); // any later read throws the reason
        resultsReady.signalAll();
        scheduler.afterUnlock(new Settle(future, null, reason));
    }

    private void completeIfDone() {
        if (finished || !exhausted || pendingChunks > 0) {
            return;
        }
        if (shape == Shape.STREAM) {
            // The stream's reader still drains the buffer; the call no longer needs a worker.
            scheduler.retire(this);
            resultsReady.signalAll();
            RuntimeException error = failure;
            scheduler.afterUnlock(new Settle(future, List.of(), error));
            return;
        }
        finish();
        if (failure != null) {
            RuntimeException error = failure;
            scheduler.afterUnlock(new Settle(future, null, error));
            return;
        }
        List<R> results = collectAll();
        scheduler.afterUnlock(new Settle(future, results, null));
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
        return new Reader<>() {
            private ResultSegments.Segment current;
            private int position;

            @Override
            public boolean hasNext() {
                return hasNext(Wait.BLOCK);
            }

            @Override
            public boolean hasNextNow() {
                return hasNext(Wait.NONE);
            }

            private boolean hasNext(Wait wait) {
                if (current != null && position < current.count()) {
                    return true;
                }
                scheduler.lock.lock();
                try {
                    return advance(wait);
                } finally {
                    scheduler.lock.unlock();
                    scheduler.runAfterUnlock();
                }
            }

            private boolean advance(Wait wait) {
                while (true) {
                    if (cancelled && failureIndex < 0) {
                        // Cancelled (closed, terminated, interrupted): results already here are not handed out.
                        scheduler.streamRead(Call.this);
                        throw failure;
                    }
                    ResultSegments.Segment next = results.takeReady(failureIndex);
                    if (next != null) {
                        current = next;
                        position = 0;
                        scheduler.workAvailable();
                        inputWanted.signal();
                        if (next.count() > 0) {
                            return true;
                        }
                        continue;
                    }
                    if (failure != null && (order == Order.UNORDERED || pendingChunks == 0
                            || results.nextIndexToRead() >= failureIndex)) {
                        scheduler.streamRead(Call.this);
                        throw failure;
                    }
                    if (exhausted && pendingChunks == 0 && results.isEmpty()) {
                        scheduler.streamRead(Call.this);
                        return false;
                    }
                    if (wait == Wait.NONE) {
                        return false;
                    }
                    try {
                        resultsReady.await(100, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        CancellationException cancel = new CancellationException(
                                "the thread reading " + describe() + " was interrupted; the call was cancelled");
                        cancel(cancel);
                        throw cancel;
                    }
                }
            }

            @Override
            @SuppressWarnings("unchecked")
            public R next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("no more results in " + describe());
                }
                return (R) current.values()[position++];
            }
        };
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

    private enum Wait { BLOCK, NONE }

    @Override
    public String toString() {
        return name + " #" + id;
    }

    /**
     * Completes a call's future after the lock (its callbacks are user code). A named class rather than a lambda:
     * see the note on linking at the end of {@link Scheduler}.
     */
    private static final class Settle implements Runnable {
        private final CompletableFuture<Object> future;
        private final Object value;
        private final Throwable error;

        @SuppressWarnings("unchecked")
        Settle(CompletableFuture<?> future, Object value, Throwable error) {
            this.future = (CompletableFuture<Object>) future;
            this.value = value;
            this.error = error;
        }

        @Override
        public void run() {
            if (error == null) {
                future.complete(value);
            } else {
                future.completeExceptionally(error);
            }
        }
    }
}
