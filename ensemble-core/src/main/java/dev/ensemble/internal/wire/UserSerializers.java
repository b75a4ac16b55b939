package dev.ensemble.internal.wire;

import dev.ensemble.Serializers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.context.ReadContext;
import org.apache.fory.context.WriteContext;
import org.apache.fory.memory.MemoryBuffer;
import org.apache.fory.resolver.TypeResolver;
import org.apache.fory.serializer.Serializer;

/**
 * The application's {@link Serializers} services, applied to a Fory instance. Both ends of the wire run the same
 * class path, so each finds the same services and makes the same choices.
 */
final class UserSerializers {
    private UserSerializers() {
    }

    /** Finds the services with the application's class loader and registers what they ask for. */
    static void applyTo(ThreadSafeFory fory, ClassLoader loader) {
        Serializers.Registry registry = new Serializers.Registry() {
            @Override
            public Serializers.Registry jdk(Class<?> type) {
                if (!Serializable.class.isAssignableFrom(type)) {
                    throw new IllegalArgumentException(type.getName() + " was registered for JDK serialization "
                            + "but does not implement java.io.Serializable");
                }
                fory.registerSerializer(type, resolver -> new JdkSerializer(resolver, type));
                return this;
            }

            @Override
            public <T> Serializers.Registry codec(Class<T> type, Serializers.Codec<T> codec) {
                java.util.Objects.requireNonNull(codec, "codec");
                fory.registerSerializer(type, resolver -> new CodecSerializer<>(resolver, type, codec));
                return this;
            }
        };
        try {
            for (Serializers service : ServiceLoader.load(Serializers.class, loader)) {
                try {
                    service.register(registry);
                } catch (RuntimeException | Error e) {
                    throw new IllegalStateException("the Serializers service " + service.getClass().getName()
                            + " threw while registering: " + e, e);
                }
            }
        } catch (ServiceConfigurationError e) {
            throw new IllegalStateException("a Serializers service listed in META-INF/services or a module's "
                    + "'provides' cannot be loaded: " + e.getMessage(), e);
        }
    }

    /** A user's codec as a Fory serializer: its bytes, length first. */
    private static final class CodecSerializer<T> extends Serializer<T> {
        private final Serializers.Codec<T> codec;

        CodecSerializer(TypeResolver resolver, Class<T> type, Serializers.Codec<T> codec) {
            super(resolver.getConfig(), type);
            this.codec = codec;
        }

        @Override
        public void write(WriteContext context, T value) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                codec.write(value, out);
            } catch (IOException e) {
                throw new UncheckedIOException("the codec registered for " + type.getName() + " failed to write", e);
            }
            MemoryBuffer buffer = context.getBuffer();
            buffer.writeVarUInt32(bytes.size());
            buffer.writeBytes(bytes.toByteArray());
        }

        @Override
        public T read(ReadContext context) {
            MemoryBuffer buffer = context.getBuffer();
            byte[] bytes = buffer.readBytes(buffer.readVarUInt32());
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
                return codec.read(in);
            } catch (IOException e) {
                throw new UncheckedIOException("the codec registered for " + type.getName() + " failed to read", e);
            }
        }
    }
}
