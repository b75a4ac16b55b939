package dev.ensemble.internal.schedule;

import dev.ensemble.TaskFailedException;
import dev.ensemble.TaskTimeoutException;
import dev.ensemble.WorkerDiedException;
import java.time.Duration;
import java.util.List;

/**
 * The one place where a task that ran over its timeout, or whose worker died, is told to the user: every backend
 * (threads, worker processes, cluster members) builds these exceptions here, so that they read the same whatever
 * the kind of worker, and only the consequence ("its worker process was killed and replaced") differs.
 */
public final class Failures {
    private Failures() {
    }

    /**
     * Where a task ran: {@code task at index 7 (input: "x") on worker 1 of pool p}.
     *
     * @param pool the pool's name
     * @param slot the worker
     * @param chunk the task's chunk
     * @param offset the task's offset in it
     * @return the description
     */
    public static String where(String pool, int slot, Chunk chunk, int offset) {
        return "task at index " + (chunk.firstIndex() + offset) + " (input: " + input(chunk, offset) + ") on worker "
                + slot + " of pool " + pool;
    }

    /**
     * A task over its timeout.
     *
     * @param pool the pool's name
     * @param slot the worker
     * @param chunk the task's chunk
     * @param offset the task's offset in it
     * @param timeout the timeout it ran over
     * @param consequence what became of the worker, such as "its worker process was killed and replaced"
     * @return the exception, a {@link TaskTimeoutException} naming the task, its input and the timeout (declared
     *     as its supertype, so that verifying a caller need not load the class; see docs/start-up.md)
     */
    public static TaskFailedException timedOut(String pool, int slot, Chunk chunk, int offset, Duration timeout,
            String consequence) {
        return new TaskTimeoutException(where(pool, slot, chunk, offset) + " ran over its timeout of " + timeout
                + "; " + consequence, slot, chunk.firstIndex() + offset, input(chunk, offset), timeout);
    }

    /**
     * A task over its timeout, described by its caller.
     *
     * @param message the whole message
     * @param slot the worker
     * @param index the task's input index
     * @param input its input, rendered
     * @param timeout the timeout it ran over
     * @return a {@link TaskTimeoutException}, declared as its supertype (see above)
     */
    static TaskFailedException timedOut(String message, int slot, long index, String input, Duration timeout) {
        return new TaskTimeoutException(message, slot, index, input, timeout);
    }

    /**
     * A task whose worker died under it.
     *
     * @param pool the pool's name
     * @param slot the worker
     * @param chunk the task's chunk
     * @param offset the task's offset in it
     * @param how how it died and what followed, such as "its worker process died (exit status 137); the worker
     *     was replaced"
     * @param exitStatus the exit status as {@link WorkerDiedException#exitStatus()} gives it
     * @param lastLines the worker's last lines of standard error, quoted in the message (may be empty)
     * @return the exception
     */
    public static WorkerDiedException died(String pool, int slot, Chunk chunk, int offset, String how,
            String exitStatus, List<String> lastLines) {
        StringBuilder message = new StringBuilder(where(pool, slot, chunk, offset)).append(" was running when ")
                .append(how);
        if (!lastLines.isEmpty()) {
            message.append(". Last lines of its standard error:");
            for (String line : lastLines) {
                message.append("\n  ").append(line);
            }
        }
        return new WorkerDiedException(message.toString(), slot, chunk.firstIndex() + offset, input(chunk, offset),
                exitStatus, lastLines);
    }

    private static String input(Chunk chunk, int offset) {
        return Inputs.render(chunk.inputs().get(offset));
    }
}
