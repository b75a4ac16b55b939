package dev.ensemble.internal.wire;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.fory.context.ReadContext;
import org.apache.fory.context.WriteContext;
import org.apache.fory.memory.MemoryBuffer;
import org.apache.fory.resolver.TypeResolver;
import org.apache.fory.serializer.Serializer;

/**
 * JDK serialization for one class inside Fory's format: the object's bytes, length first, read back through the
 * same filter and class loader as every JDK-serialized value a pool sends. Used instead of Fory's own
 * {@code JavaSerializer}, which logs a warning in the user's JVM each time one is made.
 */
final class JdkSerializer extends Serializer<Object> {
    @SuppressWarnings("unchecked")
    JdkSerializer(TypeResolver resolver, Class<?> type) {
        super(resolver.getConfig(), (Class<Object>) type);
    }

    @Override
    public void write(WriteContext context, Object value) {
        byte[] bytes;
        try {
            bytes = Serialization.jdkBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(type.getName() + " cannot be serialized by JDK serialization: " + e, e);
        }
        MemoryBuffer buffer = context.getBuffer();
        buffer.writeVarUInt32(bytes.length);
        buffer.writeBytes(bytes);
    }

    @Override
    public Object read(ReadContext context) {
        MemoryBuffer buffer = context.getBuffer();
        return Serialization.jdkRead(buffer.readBytes(buffer.readVarUInt32()), Serialization.admittedPackages());
    }
}
