package dev.ensemble.internal.cluster;

import dev.ensemble.internal.wire.Serialization;
import org.apache.fory.memory.MemoryBuffer;

/**
 * The {@link PayloadCodec} of the process backend ({@link Serialization}): Fory in Java mode behind an
 * allow-list of the JDK's safe classes and the packages of this JVM's class path, exceptions by JDK
 * serialization. On the caller it refuses, before anything is sent, a class that members could not load; on a
 * member it refuses to build any object whose class is on neither list.
 */
final class SharedPayloads implements PayloadCodec {
    static final SharedPayloads INSTANCE = new SharedPayloads();

    private final Serialization serialization = Serialization.forParent();

    private SharedPayloads() {
    }

    @Override
    public byte[] encode(Object value) {
        return serialization.toBytes(value);
    }

    @Override
    public Object decode(byte[] bytes) {
        return serialization.read(MemoryBuffer.fromByteArray(bytes));
    }

    @Override
    public byte[] encodeFunction(Object function, String role) {
        try {
            return serialization.toBytes(function);
        } catch (RuntimeException | StackOverflowError e) {
            throw new IllegalArgumentException(role + " cannot be sent to a cluster member: "
                    + serialization.culprit(function, e) + ". Members are other JVMs: what a task captures is copied "
                    + "to them, so it must be data (not threads, streams, connections or locks) of classes that "
                    + "every member has on its class path", e);
        }
    }

    @Override
    public String culprit(Object value, Throwable error) {
        return serialization.culprit(value, error);
    }

    @Override
    public byte[] encodeError(Throwable error) {
        return Serialization.encodeThrowable(error);
    }

    @Override
    public Throwable decodeError(byte[] bytes) {
        return Serialization.decodeThrowable(bytes);
    }
}
