package dev.ensemble.hazelcast.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serial;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import org.apache.fory.Fory;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.config.Language;

/**
 * Interim {@link PayloadCodec}: Apache Fory in Java mode for payloads (lambdas travel through their
 * {@link SerializedLambda}), JDK serialization for exceptions (exact class, cause and stack trace). It stands in
 * for the process backend's codec until that lands, and is meant to be replaced by it in
 * {@link PayloadCodec#get()}; unlike it, this one relies on Fory's built-in deny-list rather than an allow-list
 * of the class path's packages. Cluster members are trusted peers (see the README: secure the cluster itself).
 */
final class ForyPayloads implements PayloadCodec {
    static final ForyPayloads INSTANCE = new ForyPayloads();

    private final ThreadSafeFory fory = Fory.builder()
            .withLanguage(Language.JAVA)
            .requireClassRegistration(false)
            .suppressClassRegistrationWarnings(true)
            .withRefTracking(true)
            .withCodegen(false)
            .withClassLoader(ForyPayloads.class.getClassLoader())
            .buildThreadSafeFory();

    private ForyPayloads() {
    }

    @Override
    public byte[] encode(Object value) {
        return fory.serialize(value);
    }

    @Override
    public Object decode(byte[] bytes) {
        return fory.deserialize(bytes);
    }

    @Override
    public byte[] encodeFunction(Object function, String role) {
        try {
            return fory.serialize(function);
        } catch (RuntimeException | StackOverflowError e) {
            throw new IllegalArgumentException(role + " cannot be sent to a cluster member: " + culprit(function, e)
                    + ". Members are other JVMs: what a task captures is copied to them, so it must be data (not "
                    + "threads, streams, connections or locks) of classes that every member has on its class path",
                    e);
        }
    }

    @Override
    public String culprit(Object value, Throwable error) {
        SerializedLambda lambda = serializedForm(value);
        if (lambda != null) {
            for (int i = 0; i < lambda.getCapturedArgCount(); i++) {
                Object captured = lambda.getCapturedArg(i);
                try {
                    fory.serialize(captured);
                } catch (RuntimeException | StackOverflowError e) {
                    String capturing = lambda.getCapturingClass().replace('/', '.');
                    boolean enclosing = i == 0 && captured != null && captured.getClass().getName().equals(capturing)
                            && lambda.getImplMethodKind() != MethodHandleInfo.REF_invokeStatic;
                    String what = enclosing
                            ? "the lambda captures its enclosing instance of " + capturing
                                    + " (it uses a field or method of it), which"
                            : "the value captured by the lambda (argument " + i + " of " + lambda.getImplMethodName()
                                    + " in " + capturing + "), of class " + className(captured) + ",";
                    return what + " cannot be serialized: " + rootMessage(e);
                }
            }
        }
        return (value == null ? "null" : "an object of class " + className(value)) + " cannot be serialized: "
                + rootMessage(error);
    }

    private static String className(Object value) {
        return value == null ? "null" : value.getClass().getName();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String text = t.getMessage() != null ? t.getMessage() : t.getClass().getName();
        if (text.contains("needs to implement java.io.Serializable")) {
            text += " (a lambda can be sent only if its interface is Serializable, such as dev.ensemble.Task)";
        }
        return text;
    }

    private static SerializedLambda serializedForm(Object value) {
        if (value == null || !value.getClass().isSynthetic() && !value.getClass().isHidden()) {
            return null;
        }
        try {
            Method writeReplace = value.getClass().getDeclaredMethod("writeReplace");
            writeReplace.setAccessible(true);
            return writeReplace.invoke(value) instanceof SerializedLambda s ? s : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public byte[] encodeError(Throwable error) {
        try {
            return javaSerialize(error);
        } catch (IOException | RuntimeException e) {
            RemoteError copy = RemoteError.copyOf(error);
            try {
                return javaSerialize(copy);
            } catch (IOException | RuntimeException again) {
                RemoteError bare = new RemoteError(error.getClass().getName(), String.valueOf(error.getMessage()));
                bare.setStackTrace(error.getStackTrace());
                try {
                    return javaSerialize(bare);
                } catch (IOException impossible) {
                    throw new IllegalStateException(impossible);
                }
            }
        }
    }

    private static byte[] javaSerialize(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    @Override
    public Throwable decodeError(byte[] bytes) {
        ClassLoader loader = ForyPayloads.class.getClassLoader();
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
                return Class.forName(desc.getName(), false, loader);
            }
        }) {
            // Exceptions only: a graph that is too deep or an array too long is not one.
            in.setObjectInputFilter(info -> info.depth() > 200 || info.arrayLength() > 1_000_000
                    ? ObjectInputFilter.Status.REJECTED : ObjectInputFilter.Status.UNDECIDED);
            return (Throwable) in.readObject();
        } catch (IOException | ClassNotFoundException | ClassCastException e) {
            return new RemoteError("?", "an exception thrown on a cluster member could not be rebuilt here: " + e);
        }
    }

    /**
     * Stands for an exception thrown on a member that could not be copied as it was: same message and stack
     * trace, the original class name first in {@link #toString()}.
     */
    static final class RemoteError extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;
        private final String remoteClassName;

        RemoteError(String remoteClassName, String message) {
            super(message);
            this.remoteClassName = remoteClassName;
        }

        static RemoteError copyOf(Throwable t) {
            RemoteError copy = new RemoteError(t.getClass().getName(), t.getMessage());
            copy.setStackTrace(t.getStackTrace());
            if (t.getCause() != null && t.getCause() != t) {
                copy.initCause(copyOf(t.getCause()));
            }
            for (Throwable s : t.getSuppressed()) {
                copy.addSuppressed(copyOf(s));
            }
            return copy;
        }

        @Override
        public String toString() {
            String message = getLocalizedMessage();
            return remoteClassName + (message != null ? ": " + message : "");
        }
    }
}
