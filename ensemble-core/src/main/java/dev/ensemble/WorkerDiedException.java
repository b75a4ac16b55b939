package dev.ensemble;

import java.io.Serial;
import java.util.List;

/**
 * A worker died while it ran the task: a worker process exited or was killed, a cluster member left. The pool
 * replaces the worker; with {@link WorkerPool.Builder#retries} left, the task is run again instead of failing.
 */
public class WorkerDiedException extends TaskFailedException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String exitStatus;
    @SuppressWarnings("serial") // always an immutable List.copyOf, which is serializable
    private final List<String> lastErrorLines;

    /**
     * Creates the exception.
     *
     * @param message what happened
     * @param workerId the worker that died
     * @param index the input it was running, or {@link #NO_INDEX}
     * @param input a short rendering of that input
     * @param exitStatus how the worker ended, for example {@code "exit code 3"} or {@code "signal 9 (KILL)"}
     * @param lastErrorLines the last lines the worker wrote to its standard error, oldest first
     */
    public WorkerDiedException(String message, int workerId, long index, String input, String exitStatus,
            List<String> lastErrorLines) {
        super(message, workerId, index, input, null);
        this.exitStatus = exitStatus;
        this.lastErrorLines = List.copyOf(lastErrorLines);
    }

    /**
     * How the worker ended.
     *
     * @return for example {@code "exit code 3"}, {@code "signal 9 (KILL)"} or {@code "member left the cluster"}
     */
    public String exitStatus() {
        return exitStatus;
    }

    /**
     * The last lines of the worker's standard error, oldest first.
     *
     * @return the lines, possibly empty
     */
    public List<String> lastErrorLines() {
        return lastErrorLines;
    }
}
