package dev.ensemble.internal.schedule;

/** Short renderings of user values for error messages and insights. */
public final class Inputs {
    static final int MAX_LENGTH = 200;

    private Inputs() {
    }

    /**
     * Renders a value as {@code String.valueOf} does, cut to {@value #MAX_LENGTH} characters; a
     * {@code toString} that throws is reported instead of propagated.
     *
     * @param value any value
     * @return the rendering
     */
    public static String render(Object value) {
        String text;
        try {
            text = value instanceof String s ? '"' + s + '"' : String.valueOf(value);
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            text = value.getClass().getName() + " (its toString() threw " + e.getClass().getName() + ")";
        }
        if (text.length() > MAX_LENGTH) {
            text = text.substring(0, MAX_LENGTH) + "... (" + text.length() + " chars)";
        }
        return text;
    }

    /**
     * Renders an exception as {@link Throwable#toString()} does (class name and message); an exception whose
     * {@code getMessage} or {@code toString} throws is rendered by its class name and what that threw.
     *
     * @param error any exception
     * @return the rendering
     */
    public static String describe(Throwable error) {
        try {
            return String.valueOf(error);
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            return error.getClass().getName() + " (its getMessage() or toString() threw " + e.getClass().getName()
                    + ")";
        }
    }
}
