package dev.ensemble.internal.schedule;

import dev.ensemble.CallOptions;
import dev.ensemble.Insights;
import dev.ensemble.Task;
import dev.ensemble.TaskFailedException;
import dev.ensemble.internal.idle.SpinBudget;
import dev.ensemble.internal.worker.ChunkResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one scheduler every backend is fed by.
 *
 * <p><b>Dispatch is pull-based.</b> A backend runs one loop per worker slot that asks {@link #take} for the
 * next chunk and reports it back with {@link #completed} (or {@link #lost} if the worker died under it). So a
 * fast worker simply asks more often; nothing is pushed to a busy worker. A backend that pipelines (a worker
 * process keeps several chunks in flight to hide the round trip) asks {@link #poll} for more while its worker
 * is busy. {@link Dispatch} does this worker side.
 *
 * <p><b>What a worker gets, in order</b> ({@link WorkQueues}): a chunk bound to its slot (broadcast, scatter),
 * then a chunk to run again (its worker died), then the next chunk of the live calls, taken round-robin so that
 * concurrent callers share the pool fairly. Calls cut their inputs lazily ({@link CallInputs};
 * {@link ChunkPlanner} picks the size), so an endless stream is read only as fast as it is consumed: a stream
 * call stops producing when its chunks in flight reach its bound.
 *
 * <p><b>Ordering and failures</b> are the call's business ({@link Call}): it reassembles results by input index,
 * fails fast or records outcomes, and re-queues the unfinished rest of a chunk whose worker died, as many times
 * as {@code retries} allows.
 *
 * <p><b>Locking.</b> One lock guards the scheduler and all its calls, and no user code runs under it: inputs are
 * classified or read outside it ({@link CallInputs.Source}, {@link InputFeeder}), failures are rendered before
 * it is taken ({@link TaskFailures}), and futures are completed after it is released ({@link #afterUnlock}),
 * since their callbacks run user code. Insights' figures are not kept under it: {@link SlotStatistics} is fed
 * before or after it.
 *
 * <p><b>Observers</b> ({@link CallObserver}: progress bars, the pool monitor) hear of each call when it opens and
 * when it finishes, outside the lock. A call can finish on a worker before its opener has announced it; the
 * opener then reports both, in order ({@link CallEvents}).
 *
 * <p><b>States.</b> RUNNING → CLOSING (no new calls; workers exit once every call has finished) → TERMINATED;
 * or RUNNING/CLOSING → TERMINATED at once ({@link #terminate()}), cancelling every call. {@link LiveCalls} keeps
 * the state with the live calls and the unread streams.
 */
public final class Scheduler implements WorkSource {
    final ReentrantLock lock = new ReentrantLock();
    private final String poolName;
    private final int size;
    /** The calls not yet finished, the unread streams, and the pool's state. */
    private final LiveCalls calls;
    private final WorkQueues queues;
    private final ThreadLocal<List<Runnable>> deferred = new Deferred();
    /** The worker side: hands out chunks, wakes waiting workers, takes in reports. */
    private final Dispatch dispatch;
    private final CallEvents callEvents = new CallEvents();
    private final CallOpener opener;

    /** What a worker slot is doing now, for live displays. */
    public enum SlotState {
        /** Its worker has not started yet. */
        STARTING,
        /** Ready, holding no chunk. */
        IDLE,
        /** Running (or holding) at least one chunk. */
        WORKING,
        /** Its worker has exited. */
        EXITED
    }

    /**
     * Creates the scheduler of a pool.
     *
     * @param poolName for messages
     * @param size the number of worker slots
     * @param taskTimeout the pool's task timeout, or null
     * @param retries re-runs allowed for a chunk whose worker died
     */
    public Scheduler(String poolName, int size, Duration taskTimeout, int retries) {
        this.poolName = poolName;
        this.size = size;
        this.queues = new WorkQueues(size);
        this.calls = new LiveCalls(this, poolName);
        this.dispatch = new Dispatch(this, calls, queues, size, retries);
        this.opener = new CallOpener(this, calls, queues, dispatch, callEvents, size, taskTimeout);
    }

    /** @return the number of worker slots */
    public int size() {
        return size;
    }

    String poolName() {
        return poolName;
    }

    // ---- calls (opened by CallOpener) ----

    /**
     * Opens a call over {@code inputs}.
     *
     * @param name for messages and progress
     * @param task the task
     * @param inputs the inputs
     * @param order result order
     * @param shape list or stream
     * @param onFailure whether a failure ends the call or becomes an outcome
     * @param options per-call options
     * @param <R> delivered element type
     * @return the call, already being dispatched
     */
    public <R> Call<R> open(String name, Task<Object, Object> task, Iterable<?> inputs, Call.Order order,
            Call.Shape shape, Call.OnFailure onFailure, CallOptions options) {
        return opener.open(name, task, inputs, order, shape, onFailure, options);
    }

    /**
     * Sets who hears of workers started and lost and of chunks run (outside the lock).
     *
     * @param listener the listener
     */
    public void setWorkerEvents(WorkerEvents listener) {
        dispatch.setWorkerEvents(listener);
    }

    /**
     * Sets what is told the id of a call its deadline ended (the backend stops the workers running its tasks).
     *
     * @param action told the call's id, outside the lock
     */
    public void onDeadlinePassed(java.util.function.LongConsumer action) {
        opener.onDeadlinePassed(action);
    }

    /**
     * Opens a call of one input per listed slot: input {@code i} runs on slot {@code slots[i]}, or on any
     * worker where {@code slots[i]} is -1; its result is element {@code i}.
     *
     * @param name for messages
     * @param task the task
     * @param inputs one input per entry of {@code slots}
     * @param slots the slot of each input, or -1 for any
     * @param kind whether failures name the input (inputs) or not (jobs)
     * @param <R> delivered element type
     * @return the call
     */
    public <R> Call<R> openPlaced(String name, Task<Object, Object> task, List<?> inputs, int[] slots,
            Call.Kind kind) {
        return openPlaced(name, task, inputs, slots, kind, Wake.WORKERS);
    }

    /** Whom a new call wakes. */
    public enum Wake {
        /** Every worker waiting in {@link #take}. */
        WORKERS,
        /** None: a spinning worker may still take its chunks; the opener hands them out itself. */
        NONE
    }

    /**
     * Opens a call of one input per listed slot, as {@link #openPlaced(String, Task, List, int[], Call.Kind)},
     * but without waking waiting workers when {@code wake} is {@link Wake#NONE}: the opener hands the chunk out
     * itself and calls {@link #wakeWorkers()} if it could not.
     *
     * @param name for messages
     * @param task the task
     * @param inputs one input per entry of {@code slots}
     * @param slots the slot of each input, or -1 for any
     * @param kind whether failures name the input (inputs) or not (jobs)
     * @param wake whether to wake the workers waiting in {@link #take}
     * @param <R> delivered element type
     * @return the call
     */
    public <R> Call<R> openPlaced(String name, Task<Object, Object> task, List<?> inputs, int[] slots,
            Call.Kind kind, Wake wake) {
        return opener.openPlaced(name, task, inputs, slots, kind, wake);
    }

    /**
     * Cancels a call: the caller stopped waiting (interrupted, stream closed, future cancelled).
     *
     * @param call the call
     * @param reason what the caller gets
     */
    public void cancel(Call<?> call, RuntimeException reason) {
        lock.lock();
        try {
            call.cancel(reason);
        } finally {
            unlockAndRun();
        }
    }

    void retire(Call<?> call) {
        queues.retired(call);
        if (!call.isStream()) {
            call.cancelDeadline(); // a stream's deadline holds until its reader is done with it
        }
        if (calls.remove(call)) {
            if (calls.closingAndEmpty()) {
                // The last call of a closing pool: waiting workers may exit now. Not while running: after each
                // lone submit that woke every idle worker for nothing (a wake-up per call, on another CPU).
                signalWork();
            }
            Runnable tell = callEvents.finished(call, call.failure());
            if (tell != null) {
                afterUnlock(tell);
            }
        }
    }

    /**
     * Adds an observer of calls opened from now on.
     *
     * @param observer the observer
     */
    public void addObserver(CallObserver observer) {
        callEvents.add(observer);
    }

    /**
     * Removes an observer.
     *
     * @param observer the observer
     */
    public void removeObserver(CallObserver observer) {
        callEvents.remove(observer);
    }

    void requeue(Chunk chunk) {
        queues.add(chunk);
        signalWork();
    }

    private void signalWork() {
        dispatch.signalWork();
    }

    /** Wakes every worker waiting in {@link #take}: there may be work for it. */
    public void wakeWorkers() {
        lock.lock();
        try {
            signalWork();
        } finally {
            lock.unlock();
        }
    }

    void workAvailable() {
        signalWork();
    }

    /** Whether this thread has actions to run once it releases the lock. */
    boolean hasDeferred() {
        return !deferred.get().isEmpty();
    }

    // ---- the worker side: done by Dispatch; WorkSource documents each method ----

    @Override
    public Chunk take(int slot, int limit) throws InterruptedException {
        return take(slot, limit, null);
    }

    /**
     * The next chunk for a worker, waiting until there is one: first spinning as long as {@code spin} says (a
     * worker thread of this JVM: in a ping-pong of small calls the next one comes within microseconds, and a
     * worker that has to be woken for it costs the caller a wake-up of tens of µs on a small or virtual machine),
     * then waiting for a signal.
     *
     * @param slot the worker's slot
     * @param limit the most inputs the worker accepts now (for recycling), at least 1
     * @param spin the worker's spin budget, told how long each take waited; null for no spinning
     * @return the chunk, or null when the worker should exit
     * @throws InterruptedException if the worker's thread is interrupted while waiting
     */
    @Override
    public Chunk take(int slot, int limit, SpinBudget spin) throws InterruptedException {
        return dispatch.take(slot, limit, spin);
    }

    @Override
    public Chunk poll(int slot, int limit) {
        return dispatch.poll(slot, limit);
    }

    @Override
    public boolean workWaiting() {
        return dispatch.workWaiting();
    }

    @Override
    public void completed(int slot, Chunk chunk, ChunkResult result) {
        dispatch.completed(slot, chunk, result);
    }

    /**
     * A worker was lost while it held a chunk: it died, or was abandoned after a timeout.
     *
     * @param slot the worker's slot
     * @param chunk the chunk it held
     * @param partial the results it sent for the chunk's first inputs before it was lost, or null
     * @param error what the input it was running gets if it is not run again
     * @param loss whether the chunk may run again (a death) or not (a timeout)
     */
    public void lost(int slot, Chunk chunk, ChunkResult partial, TaskFailedException error, Loss loss) {
        lost(slot, chunk, partial, -1, error, loss);
    }

    @Override
    public void lost(int slot, Chunk chunk, ChunkResult partial, int failedOffset, TaskFailedException error,
            Loss loss) {
        dispatch.lost(slot, chunk, partial, failedOffset, error, loss);
    }

    @Override
    public void returned(int slot, Chunk chunk) {
        dispatch.returned(slot, chunk);
    }

    @Override
    public void workerStarted(int slot, long startingNanos, long hookNanos, WorkerStart start) {
        dispatch.workerStarted(slot, startingNanos, hookNanos, start);
    }

    @Override
    public void workerExited(int slot, long hookNanos) {
        dispatch.workerExited(slot, hookNanos);
    }

    /**
     * A snapshot of the figures.
     *
     * @return the insights
     */
    public Insights insights() {
        long pending = calls.pendingTasks();
        return dispatch.insights(poolName, pending);
    }

    /**
     * What each worker slot is doing now.
     *
     * @return one state per slot, in slot order
     */
    public List<SlotState> slotStates() {
        return dispatch.slotStates();
    }

    /** @return the calls not yet finished, for progress displays */
    public List<Call<?>> liveCalls() {
        return calls.snapshot();
    }

    // ---- lifecycle ----

    /**
     * Refuses new calls; workers exit once the live calls have finished. Streams are cancelled rather than
     * waited for: nothing guarantees that anyone still reads them, and close must not hang on an abandoned one.
     */
    public void close() {
        calls.close();
    }

    /** Refuses new calls, cancels the live ones, and tells workers to exit now. */
    public void terminate() {
        terminate(new CancellationException("pool " + poolName + " was terminated"));
    }

    /**
     * Refuses new calls, ends the live ones with {@code reason}, and tells workers to exit now.
     *
     * @param reason what every live call's caller gets
     */
    @Override
    public void terminate(RuntimeException reason) {
        calls.terminate(reason);
    }

    /** Marks the end of a graceful close, once the workers have exited. */
    public void closed() {
        calls.closed();
    }

    /** @return whether workers are still needed: the pool runs, or it is closing and calls are still live */
    @Override
    public boolean needsWorkers() {
        return calls.needsWorkers();
    }

    /** @return whether the pool still accepts calls */
    public boolean isRunning() {
        return calls.isRunning();
    }

    // ---- deferred actions ----

    void afterUnlock(Runnable action) {
        deferred.get().add(action);
    }

    /** The reader of a stream reached its end, or gave up: close need not cancel it. */
    void streamRead(Call<?> call) {
        calls.streamRead(call);
        call.cancelDeadline();
    }

    void unlockAndRun() {
        lock.unlock();
        runAfterUnlock();
    }

    void runAfterUnlock() {
        if (lock.isHeldByCurrentThread()) {
            return;
        }
        List<Runnable> actions = deferred.get();
        while (!actions.isEmpty()) {
            List<Runnable> batch = List.copyOf(actions);
            actions.clear();
            for (Runnable action : batch) {
                action.run();
            }
        }
    }

    // Linking: named classes rather than lambdas on the start and call paths. A JVM links each lambda the first
    // time it runs (a class spun at run time, about a millisecond each while cold), and a thread pool's first
    // result would wait for a dozen of them.

    /** Each thread's actions to run once it releases the lock. */
    private static final class Deferred extends ThreadLocal<List<Runnable>> {
        @Override
        protected List<Runnable> initialValue() {
            return new ArrayList<>();
        }
    }
}
