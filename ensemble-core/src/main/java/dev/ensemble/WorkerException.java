package dev.ensemble;

import java.io.Serial;

/**
 * Stands for an exception thrown in a worker process or cluster member that could not arrive as itself: its class
 * cannot be loaded here, or some field of it cannot be serialized. It carries the original class's name
 * ({@link #remoteClassName()}, also at the start of {@link #toString()}), message and stack trace, and the same
 * for its causes and suppressed exceptions. An exception whose class can be loaded here and whose fields travel
 * arrives as its own class instead.
 */
public final class WorkerException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;
    private final String remoteClassName;

    /**
     * Stands for one exception, without its stack trace.
     *
     * @param remoteClassName the name of the class that was thrown
     * @param message its message, or null
     */
    public WorkerException(String remoteClassName, String message) {
        super(message);
        this.remoteClassName = remoteClassName;
    }

    /**
     * The name of the class of the exception that was thrown in the worker.
     *
     * @return a binary class name, such as {@code com.example.LegacyException}, or "?" if it is unknown
     */
    public String remoteClassName() {
        return remoteClassName;
    }

    /**
     * The original class's name and the message, as the original's {@code toString()} would have given them.
     *
     * @return {@code remoteClassName: message}, or the class name alone without a message
     */
    @Override
    public String toString() {
        String message = getLocalizedMessage();
        return remoteClassName + (message != null ? ": " + message : "");
    }
}
