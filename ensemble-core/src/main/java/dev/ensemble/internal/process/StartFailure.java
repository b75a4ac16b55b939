package dev.ensemble.internal.process;

/** Why a worker could not start; the message holds the worker's own error output. */
final class StartFailure extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    /** What makes this failure the same as another, or null for one from outside (a kill) that need not repeat. */
    private final String repeatKey;

    StartFailure(String message, Throwable cause) {
        this(message, cause, message);
    }

    StartFailure(String message, Throwable cause, String repeatKey) {
        super(message, cause);
        this.repeatKey = repeatKey;
    }

    /**
     * Whether starting again would fail the same way: this failure has the same cause as {@code previous} (the
     * JVM's own error, a failing start hook), and neither came from a signal (an OOM killer, a kill storm).
     */
    boolean repeats(StartFailure previous) {
        return previous != null && repeatKey != null && repeatKey.equals(previous.repeatKey);
    }

    /** The same failure as users get it: an {@code IllegalStateException}, not a class of the library's. */
    IllegalStateException forUser() {
        IllegalStateException plain = new IllegalStateException(getMessage(), getCause());
        plain.setStackTrace(getStackTrace());
        return plain;
    }
}
