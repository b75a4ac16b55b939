package dev.ensemble.internal.process;

import dev.ensemble.internal.wire.Serialization;
import java.io.IOException;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.fory.memory.MemoryBuffer;

/**
 * A values block of the worker protocol (see {@link Protocol}): a codec byte, then the values as
 * {@link PlainValues}, JDK-serialized bytes or Fory. The one encoding of a chunk's inputs (the pool writes them,
 * a worker reads them) and of a worker's results (the other way round).
 *
 * <p>What each end does with values that cannot be written stays with it: the pool turns such an input into that
 * input's failure ({@link ChunkCodec}), a worker turns such a result into an error at its offset
 * ({@link ResultOutbox}).
 */
final class Values {
    private Values() {
    }

    /**
     * Writes the values without Fory: as {@link PlainValues} if they all are, else JDK-serialized if they can be
     * (and, with {@code admitted}, if the reader's filter would accept them), within {@code maxWriterIndex}.
     *
     * @param buffer where to write
     * @param values the values
     * @param maxWriterIndex the furthest the buffer may be written to
     * @param admitted the packages the reader's JDK filter admits, or null to write what JDK serialization can
     * @return whether the block was written; if not, the buffer is as it was (Fory must carry the values)
     */
    static boolean writeWithoutFory(MemoryBuffer buffer, Object[] values, long maxWriterIndex, Set<String> admitted) {
        int mark = buffer.writerIndex();
        if (PlainValues.fits(values)) {
            buffer.writeByte(Protocol.CODEC_PLAIN);
            PlainValues.write(buffer, values);
        } else {
            byte[] bytes = jdkBytes(values, admitted);
            if (bytes == null) {
                return false;
            }
            buffer.writeByte(Protocol.CODEC_JDK);
            Protocol.writeBytes(buffer, bytes);
        }
        if (buffer.writerIndex() <= maxWriterIndex) {
            return true;
        }
        buffer.writerIndex(mark);
        return false;
    }

    private static byte[] jdkBytes(Object[] values, Set<String> admitted) {
        if (admitted != null) {
            return Serialization.jdkBytesIfAdmitted(values, admitted);
        }
        try {
            return Serialization.jdkBytes(values);
        } catch (IOException | RuntimeException e) {
            return null; // not all serializable: Fory carries them
        }
    }

    /**
     * Writes the values with Fory.
     *
     * @param buffer where to write
     * @param fory the writer's Fory
     * @param values the values
     * @throws RuntimeException if a value cannot be serialized (the buffer then holds part of the block)
     */
    static void writeFory(MemoryBuffer buffer, Serialization fory, Object[] values) {
        buffer.writeByte(Protocol.CODEC_FORY);
        fory.write(buffer, values);
    }

    /**
     * Reads a values block.
     *
     * @param frame the frame, at the block
     * @param admitted the packages this end's JDK filter admits
     * @param fory this end's Fory, built if needed (only a Fory block needs it)
     * @return the values
     * @throws RuntimeException if the block is corrupt or a value cannot be rebuilt
     */
    static Object[] read(MemoryBuffer frame, Set<String> admitted, Supplier<Serialization> fory) {
        byte codec = frame.readByte();
        return switch (codec) {
            case Protocol.CODEC_PLAIN -> PlainValues.read(frame);
            case Protocol.CODEC_JDK -> (Object[]) Serialization.jdkRead(Protocol.readBytes(frame), admitted);
            case Protocol.CODEC_FORY -> (Object[]) fory.get().read(frame);
            default -> throw new IllegalStateException("corrupt message: values in codec " + codec);
        };
    }
}
