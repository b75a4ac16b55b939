package dev.ensemble.internal.process;

import java.nio.charset.StandardCharsets;
import org.apache.fory.memory.MemoryBuffer;

/**
 * Arrays of plain values (null, strings and boxed primitives) written as a tag and the value each, without a
 * serializer: the inputs and results of most small calls. Used where JDK serialization would be otherwise (before
 * Fory is built, see {@link ChunkCodec#jdkFirst}): a cold JVM runs this in a few hundred bytecodes, where an
 * {@code ObjectOutputStream} and the {@code ObjectInputStream} that reads it back run tens of thousands, interpreted,
 * for every chunk and every result of a pool's first calls.
 */
final class PlainValues {
    private static final byte NULL = 0;
    private static final byte INT = 1;
    private static final byte LONG = 2;
    private static final byte DOUBLE = 3;
    private static final byte STRING = 4;
    private static final byte BOOLEAN = 5;
    private static final byte FLOAT = 6;
    private static final byte SHORT = 7;
    private static final byte BYTE = 8;
    private static final byte CHAR = 9;

    private PlainValues() {
    }

    /**
     * Whether every value is plain.
     *
     * @param values the values
     * @return true if each is null, a {@link String} or a boxed primitive
     */
    static boolean fits(Object[] values) {
        for (Object v : values) {
            Class<?> c = v == null ? null : v.getClass();
            if (c != null && c != String.class && c != Integer.class && c != Long.class && c != Double.class
                    && c != Boolean.class && c != Float.class && c != Short.class && c != Byte.class
                    && c != Character.class) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes values that {@link #fits} accepted.
     *
     * @param buffer where
     * @param values the values
     */
    static void write(MemoryBuffer buffer, Object[] values) {
        buffer.writeInt32(values.length);
        // instanceof, not a pattern switch: that one links through an invokedynamic bootstrap on first use.
        for (Object v : values) {
            if (v == null) {
                buffer.writeByte(NULL);
            } else if (v instanceof Integer i) {
                buffer.writeByte(INT);
                buffer.writeInt32(i);
            } else if (v instanceof Long l) {
                buffer.writeByte(LONG);
                buffer.writeInt64(l);
            } else if (v instanceof Double d) {
                buffer.writeByte(DOUBLE);
                buffer.writeFloat64(d);
            } else if (v instanceof String s) {
                byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                buffer.writeByte(STRING);
                buffer.writeInt32(utf8.length);
                buffer.writeBytes(utf8);
            } else if (v instanceof Boolean b) {
                buffer.writeByte(BOOLEAN);
                buffer.writeBoolean(b);
            } else if (v instanceof Float f) {
                buffer.writeByte(FLOAT);
                buffer.writeFloat32(f);
            } else if (v instanceof Short s) {
                buffer.writeByte(SHORT);
                buffer.writeInt16(s);
            } else if (v instanceof Byte b) {
                buffer.writeByte(BYTE);
                buffer.writeByte(b);
            } else if (v instanceof Character c) {
                buffer.writeByte(CHAR);
                buffer.writeChar(c);
            } else {
                throw new IllegalArgumentException("not a plain value: " + v.getClass().getName());
            }
        }
    }

    /**
     * Reads what {@link #write} wrote.
     *
     * @param buffer where, positioned at the array
     * @return the values
     * @throws IllegalStateException if the bytes are not such an array
     */
    static Object[] read(MemoryBuffer buffer) {
        int count = buffer.readInt32();
        if (count < 0 || count > buffer.remaining()) { // each value takes a byte at least
            throw new IllegalStateException("a plain-values block claims " + count + " values in "
                    + buffer.remaining() + " bytes");
        }
        Object[] values = new Object[count];
        for (int i = 0; i < count; i++) {
            byte tag = buffer.readByte();
            values[i] = switch (tag) {
                case NULL -> null;
                case INT -> Integer.valueOf(buffer.readInt32());
                case LONG -> Long.valueOf(buffer.readInt64());
                case DOUBLE -> Double.valueOf(buffer.readFloat64());
                case STRING -> {
                    int length = buffer.readInt32();
                    if (length < 0 || length > buffer.remaining()) {
                        throw new IllegalStateException("a plain string claims " + length + " bytes in "
                                + buffer.remaining());
                    }
                    yield new String(buffer.readBytes(length), StandardCharsets.UTF_8);
                }
                case BOOLEAN -> Boolean.valueOf(buffer.readBoolean());
                case FLOAT -> Float.valueOf(buffer.readFloat32());
                case SHORT -> Short.valueOf(buffer.readInt16());
                case BYTE -> Byte.valueOf(buffer.readByte());
                case CHAR -> Character.valueOf(buffer.readChar());
                default -> throw new IllegalStateException("unknown plain-value tag " + tag);
            };
        }
        return values;
    }
}
