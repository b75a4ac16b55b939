package dev.ensemble.internal.shm;

import java.lang.foreign.ValueLayout;

/** The element type of a shared array: its layout (native byte order, naturally aligned) and a name for messages. */
public enum Kind {
    /** {@code byte}, 1 byte. */
    BYTE(ValueLayout.JAVA_BYTE, "bytes"),
    /** {@code int}, 4 bytes. */
    INT(ValueLayout.JAVA_INT, "ints"),
    /** {@code long}, 8 bytes. */
    LONG(ValueLayout.JAVA_LONG, "longs"),
    /** {@code float}, 4 bytes. */
    FLOAT(ValueLayout.JAVA_FLOAT, "floats"),
    /** {@code double}, 8 bytes. */
    DOUBLE(ValueLayout.JAVA_DOUBLE, "doubles");

    private final ValueLayout layout;
    private final String plural;

    Kind(ValueLayout layout, String plural) {
        this.layout = layout;
        this.plural = plural;
    }

    /** @return the element's layout */
    public ValueLayout layout() {
        return layout;
    }

    /** @return the size of one element in bytes */
    public long bytes() {
        return layout.byteSize();
    }

    /** @return the plural name used in messages, such as {@code "doubles"} */
    public String plural() {
        return plural;
    }

    /**
     * The byte size of {@code length} elements, checking what a caller could get wrong.
     *
     * @param length the number of elements
     * @return {@code length * bytes()}
     * @throws IllegalArgumentException if {@code length} is negative or the size overflows a {@code long}
     */
    public long byteSizeOf(long length) {
        if (length < 0) {
            throw new IllegalArgumentException("a shared array's length must be 0 or more, got " + length);
        }
        if (length > Long.MAX_VALUE / bytes()) {
            throw new IllegalArgumentException("a shared array of " + length + " " + plural + " would need more than "
                    + Long.MAX_VALUE + " bytes; use a smaller length");
        }
        return length * bytes();
    }
}
