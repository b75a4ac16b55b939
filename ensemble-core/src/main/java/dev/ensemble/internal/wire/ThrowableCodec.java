package dev.ensemble.internal.wire;

import dev.ensemble.WorkerException;
import java.io.IOException;
import java.io.InvalidClassException;

/**
 * Exceptions between JVMs: a task's exception goes JDK-serialized, as its own class where the other end can
 * rebuild it and as a {@link WorkerException} copy where it cannot. The public entry points and their contracts
 * are {@link Serialization#encodeThrowable} and {@link Serialization#decodeThrowable}.
 */
final class ThrowableCodec {
    private ThrowableCodec() {
    }

    /** Encodes a task's exception (see {@link Serialization#encodeThrowable}). */
    static byte[] encode(Throwable error) {
        try {
            byte[] bytes;
            try {
                bytes = JdkStreams.javaSerialize(error);
            } catch (java.io.NotSerializableException e) {
                // A field holds what cannot travel (a thread, a connection): the exception still goes as its own
                // class, with that field null, so that catch and instanceof work on it.
                bytes = JdkStreams.javaSerializeDroppingUnserializable(error);
            }
            JdkStreams.readThrowable(bytes, ClassPathPackages.ofThisJvm());
            return bytes;
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            try {
                return JdkStreams.javaSerialize(copyOf(error));
            } catch (IOException | RuntimeException again) {
                WorkerException bare = new WorkerException(error.getClass().getName(),
                        String.valueOf(error.getMessage()));
                bare.setStackTrace(error.getStackTrace());
                try {
                    return JdkStreams.javaSerialize(bare);
                } catch (IOException impossible) {
                    throw new IllegalStateException(impossible);
                }
            }
        }
    }

    /** Decodes an exception from a worker (see {@link Serialization#decodeThrowable}). */
    static Throwable decode(byte[] bytes) {
        try {
            return JdkStreams.readThrowable(bytes, ClassPathPackages.ofThisJvm());
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            String why = e instanceof InvalidClassException ? e.getMessage() : e.toString();
            return new WorkerException("?", "an exception thrown in a worker could not be rebuilt here: " + why);
        }
    }

    /** A copy of an exception and its causes and suppressed ones, as exceptions that always travel. */
    static WorkerException copyOf(Throwable t) {
        WorkerException copy = new WorkerException(t.getClass().getName(), t.getMessage());
        copy.setStackTrace(t.getStackTrace());
        if (t.getCause() != null && t.getCause() != t) {
            copy.initCause(copyOf(t.getCause()));
        }
        for (Throwable s : t.getSuppressed()) {
            copy.addSuppressed(copyOf(s));
        }
        return copy;
    }
}
