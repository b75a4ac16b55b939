package dev.ensemble;

import java.io.Serial;

/**
 * A task failed: it threw, its worker died under it, or it ran over its time. The message names the worker,
 * the input's index and a short rendering of the input; {@link #getCause()} is what the task threw (for a
 * worker process or cluster member, a copy of the remote exception with its remote stack trace).
 *
 * <p>Subclasses say why when the task itself did not throw: {@link WorkerDiedException},
 * {@link TaskTimeoutException}.
 */
public class TaskFailedException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Index of a failure that belongs to no input, such as a {@link WorkerPool#broadcast} job. */
    public static final long NO_INDEX = -1;

    private final int workerId;
    private final long index;
    private final String input;

    /**
     * Creates the exception.
     *
     * @param message what happened, already naming worker, index and input
     * @param workerId the worker that ran the task, or -1 if it never reached one
     * @param index the input's position in the call's inputs, or {@link #NO_INDEX}
     * @param input a short rendering of the input (at most a few hundred characters)
     * @param cause what the task threw, or {@code null}
     */
    public TaskFailedException(String message, int workerId, long index, String input, Throwable cause) {
        super(message, cause);
        this.workerId = workerId;
        this.index = index;
        this.input = input;
    }

    /**
     * The worker that ran the failed task.
     *
     * @return the worker's id, or -1 if the task never reached a worker
     */
    public int workerId() {
        return workerId;
    }

    /**
     * The position of the failed input in the call's inputs, counting from 0.
     *
     * @return the index, or {@link #NO_INDEX} for a job without input
     */
    public long index() {
        return index;
    }

    /**
     * A short rendering of the failed input, as {@code String.valueOf} gives it, cut to a few hundred characters.
     *
     * @return the rendering, never {@code null}
     */
    public String input() {
        return input;
    }
}
