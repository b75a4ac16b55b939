package dev.ensemble;

import java.io.Serial;
import java.time.Duration;
import java.util.concurrent.CancellationException;

/**
 * A call ran past its deadline ({@link CallOptions#timeout}): it was ended, its unfinished inputs cancelled, and
 * the workers still running them stopped (a worker process is killed and replaced; a thread is interrupted). The
 * message says how many inputs had finished. A {@link CancellationException}, since that is what the call is.
 */
public class CallTimeoutException extends CancellationException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final Duration timeout;
    private final long finishedInputs;
    private final long totalInputs;

    /**
     * Creates the exception.
     *
     * @param message what happened
     * @param timeout the call's deadline, from its start
     * @param finishedInputs how many inputs had an outcome when the deadline passed
     * @param totalInputs how many inputs the call had, or -1 if unknown (a stream over an open-ended source)
     */
    public CallTimeoutException(String message, Duration timeout, long finishedInputs, long totalInputs) {
        super(message);
        this.timeout = timeout;
        this.finishedInputs = finishedInputs;
        this.totalInputs = totalInputs;
    }

    /**
     * The call's deadline.
     *
     * @return the time it had, from its start
     */
    public Duration timeout() {
        return timeout;
    }

    /**
     * How many inputs had finished (successfully or not) when the deadline passed.
     *
     * @return the count
     */
    public long finishedInputs() {
        return finishedInputs;
    }

    /**
     * How many inputs the call had.
     *
     * @return the count, or -1 if unknown (a lazy source)
     */
    public long totalInputs() {
        return totalInputs;
    }
}
