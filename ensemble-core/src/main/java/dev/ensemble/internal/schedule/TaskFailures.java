package dev.ensemble.internal.schedule;

import dev.ensemble.TaskFailedException;
import dev.ensemble.internal.worker.ChunkResult;
import dev.ensemble.internal.worker.ChunkRunner;
import java.time.Duration;

/**
 * How one call's failed tasks are told to its caller: the {@link TaskFailedException} of each failed task,
 * naming the call, the worker, and the input and its index (or, for jobs, no input); {@link KeptOutcomes} wraps
 * them for a call that keeps going. The exceptions are made on the reporting thread before the scheduler's lock is
 * taken (rendering an input or an exception runs user code); this class holds only the call's fixed facts.
 */
final class TaskFailures {
    private final String poolName;
    private final String name;
    private final boolean isJob;
    private final boolean keepGoing;
    /** The longest one task may run: the call's option, else the pool's; null for no limit. */
    private final Duration taskTimeout;

    TaskFailures(String poolName, String name, boolean isJob, boolean keepGoing, Duration taskTimeout) {
        this.poolName = poolName;
        this.name = name;
        this.isJob = isJob;
        this.keepGoing = keepGoing;
        this.taskTimeout = taskTimeout;
    }

    /**
     * The failures of a chunk's failed tasks, made on the reporting thread before the scheduler's lock is taken:
     * a failure's message renders the input ({@code toString}) and the task's exception ({@code toString},
     * {@code getMessage}), which are user code.
     *
     * @param chunk the chunk
     * @param slot the worker that ran it
     * @param result what it reported, or null
     * @return one failure per failed offset (null elsewhere), or null if no task failed; for a call that stops at
     *     its first failure, only that one
     */
    TaskFailedException[] of(Chunk chunk, int slot, ChunkResult result) {
        if (result == null || result.errors() == null) {
            return null;
        }
        TaskFailedException[] out = new TaskFailedException[result.processed()];
        for (int i = 0; i < result.processed(); i++) {
            Throwable error = result.errors()[i];
            if (error != null) {
                out[i] = failureOf(chunk, slot, i, error, taskTimeout);
                if (!keepGoing) {
                    break;
                }
            }
        }
        return out;
    }

    private TaskFailedException failureOf(Chunk chunk, int slot, int offset, Throwable error, Duration timeout) {
        if (error instanceof TaskFailedException tfe) {
            return tfe;
        }
        if (error instanceof ChunkRunner.TimedOut && !isJob) {
            return Failures.timedOut(poolName, slot, chunk, offset, timeout, "it was interrupted");
        }
        long index = isJob ? TaskFailedException.NO_INDEX : chunk.firstIndex() + offset;
        String input = isJob ? "(none)" : Inputs.render(chunk.inputs().get(offset));
        if (error instanceof ChunkRunner.TimedOut) {
            return Failures.timedOut(describeFailure("ran over its timeout of " + timeout, slot, index, input), slot,
                    index, input, timeout);
        }
        return new TaskFailedException(describeFailure("failed", slot, index, input) + ": " + Inputs.describe(error),
                slot, index, input, error);
    }

    String describeFailure(String what, int slot, long index, String input) {
        String where = isJob ? name + " job on worker " + slot
                : "task of " + name + " on worker " + slot + " at index " + index + " (input: " + input + ")";
        return where + " " + what;
    }
}
