package dev.ensemble;

import java.io.Serial;
import java.time.Duration;

/**
 * A task ran longer than {@link WorkerPool.Builder#taskTimeout}. A worker process running it is killed and
 * replaced; a thread running it is interrupted, and replaced if it does not stop.
 */
public class TaskTimeoutException extends TaskFailedException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final Duration timeout;

    /**
     * Creates the exception.
     *
     * @param message what happened
     * @param workerId the worker that ran the task
     * @param index the input's index, or {@link #NO_INDEX}
     * @param input a short rendering of the input
     * @param timeout the limit that was exceeded
     */
    public TaskTimeoutException(String message, int workerId, long index, String input, Duration timeout) {
        super(message, workerId, index, input, null);
        this.timeout = timeout;
    }

    /**
     * The limit the task exceeded.
     *
     * @return the configured task timeout
     */
    public Duration timeout() {
        return timeout;
    }
}
