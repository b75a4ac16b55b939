package dev.ensemble.internal.schedule;

import dev.ensemble.Task;
import java.util.List;

/**
 * A run of consecutive inputs of one call, handed to one worker. Lives in the parent; a backend that ships it
 * elsewhere sends {@link #callId()}, {@link #inputs()} and the call's {@link #task()}, and keeps the chunk to
 * report back. Chunks of a {@link Scheduler}'s calls are made by their {@link Call}; a {@link WorkSource} of
 * its own makes them with {@link #of}.
 */
public final class Chunk {
    /** What a worker times of a chunk. */
    public enum Timing {
        /** Each task, for insights' slowest tasks and the chunk planner. */
        EACH_TASK,
        /** Only the whole chunk: its tasks were measured to be cheap. */
        CHUNK
    }

    private final CallRef call;
    private final long firstIndex;
    private final List<Object> inputs;
    private final int targetSlot;
    private final int attempt;
    private final boolean timeEachTask;
    /** Set when handed out (under the scheduler's lock, on the taking thread): see {@link #recycleAfter()}. */
    private boolean recycleAfter;

    Chunk(CallRef call, long firstIndex, List<Object> inputs, int targetSlot, int attempt, boolean timeEachTask) {
        this.call = call;
        this.timeEachTask = timeEachTask;
        this.firstIndex = firstIndex;
        this.inputs = inputs;
        this.targetSlot = targetSlot;
        this.attempt = attempt;
    }

    /**
     * A chunk of a call that no {@link Scheduler} runs, for a {@link WorkSource} of its own: a first attempt, on
     * any slot.
     *
     * @param call the call it belongs to
     * @param firstIndex the index of its first input in the call
     * @param inputs its inputs, in order
     * @param timing what the worker times of it
     * @return the chunk
     */
    public static Chunk of(CallRef call, long firstIndex, List<Object> inputs, Timing timing) {
        return new Chunk(call, firstIndex, inputs, -1, 0, timing == Timing.EACH_TASK);
    }

    /** The scheduler's own call: only chunks its calls made reach a scheduler. */
    Call<?> call() {
        return (Call<?>) call;
    }

    /** @return the id of the call this chunk belongs to, unique in the pool */
    public long callId() {
        return call.id();
    }

    /** @return the task to apply to each input */
    public Task<Object, Object> task() {
        return call.task();
    }

    /** @return whether to run every input after a failure (outcomes mode) */
    public boolean keepGoing() {
        return call.keepGoing();
    }

    /** @return whether the call was cancelled or failed, so the rest of this chunk is wasted work */
    public boolean isCancelled() {
        return call.isCancelled();
    }

    /** @return the index of the first input in its call */
    public long firstIndex() {
        return firstIndex;
    }

    /** @return the inputs, in order */
    public List<Object> inputs() {
        return inputs;
    }

    /** @return whether the worker should time each task (false for chunks of tasks measured to be cheap) */
    public boolean timeEachTask() {
        return timeEachTask;
    }

    /**
     * Whether the worker that got this chunk has reached its call's {@code maxTasksPerWorker} with it: the backend
     * sends it no more and replaces it once it has answered.
     *
     * @return true if the worker is due for replacement after this chunk
     */
    public boolean recycleAfter() {
        return recycleAfter;
    }

    void markRecycleAfter() {
        recycleAfter = true;
    }

    /** @return the longest one of its tasks may run (its call's option, else the pool's), or null for no limit */
    public java.time.Duration taskTimeout() {
        return call.taskTimeout();
    }

    /** @return the number of inputs */
    public int size() {
        return inputs.size();
    }

    /** @return the worker slot this chunk must run on, or -1 for any */
    public int targetSlot() {
        return targetSlot;
    }

    /** @return 0 for a first run, then 1, 2, ... for re-runs after a worker died */
    public int attempt() {
        return attempt;
    }

    Chunk slice(int fromOffset, int toOffset) {
        return new Chunk(call, firstIndex + fromOffset, inputs.subList(fromOffset, toOffset), targetSlot, attempt,
                true);
    }

    Chunk remainder(int fromOffset, int nextAttempt) {
        return new Chunk(call, firstIndex + fromOffset, inputs.subList(fromOffset, inputs.size()), targetSlot,
                nextAttempt, true);
    }

    @Override
    public String toString() {
        return "chunk [" + firstIndex + ", " + (firstIndex + inputs.size()) + ") of call " + call.id();
    }
}
