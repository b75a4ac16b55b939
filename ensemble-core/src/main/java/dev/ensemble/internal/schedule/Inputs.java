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
        } catch (RuntimeException e) {
            text = value.getClass().getName() + " (toString threw " + e.getClass().getSimpleName() + ")";
        }
        if (text.length() > MAX_LENGTH) {
            text = text.substring(0, MAX_LENGTH) + "... (" + text.length() + " chars)";
        }
        return text;
    }
}
