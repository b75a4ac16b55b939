package dev.ensemble.internal.wire;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.util.Set;

/**
 * JDK serialization as a pool uses it: writing with a check that a worker would admit every class, and reading
 * through a class filter that admits only what a pool sends (the JDK's data classes and the class path's
 * packages), with a budget on array sizes. The public entry points and their contracts are
 * {@link Serialization}'s.
 */
final class JdkStreams {
    private JdkStreams() {
    }

    /** What a filter admits besides the JDK's data classes and the given packages. */
    private enum Extra {
        NOTHING,
        /** The exceptions of the JDK's {@code java.*} packages, for {@link #readThrowable}. */
        JDK_EXCEPTIONS
    }

    /** Plain JDK serialization (see {@link Serialization#jdkBytes}). */
    static byte[] javaSerialize(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    /** JDK serialization with every object that is not {@link java.io.Serializable} written as null. */
    static byte[] javaSerializeDroppingUnserializable(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes) {
            {
                enableReplaceObject(true);
            }

            @Override
            protected Object replaceObject(Object obj) {
                return obj instanceof java.io.Serializable ? obj : null;
            }
        }) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    /** JDK serialization checked class by class as written (see {@link Serialization#jdkBytesIfAdmitted}). */
    static byte[] jdkBytesIfAdmitted(Object value, Set<String> packages) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        boolean[] refused = {false};
        try (ObjectOutputStream out = new ObjectOutputStream(bytes) {
            @Override
            protected void annotateClass(Class<?> type) {
                check(type);
            }

            @Override
            protected void annotateProxyClass(Class<?> type) {
                refused[0] = true; // a proxy's handler is rarely a data class: Fory decides
            }

            private void check(Class<?> type) {
                Class<?> element = type;
                while (element.isArray()) {
                    element = element.getComponentType();
                }
                if (!element.isPrimitive() && !admitted(element.getName(), packages)) {
                    refused[0] = true;
                }
            }
        }) {
            out.writeObject(value);
        } catch (IOException | RuntimeException | StackOverflowError e) {
            return null;
        }
        return refused[0] ? null : bytes.toByteArray();
    }

    /** Runs a first call's JDK-serialization paths once (see {@link Serialization#warmUpJdk}). */
    static void warmUpJdk(Set<String> packages) {
        try {
            java.util.function.Function<Object, Object> probe =
                    (java.util.function.Function<Object, Object> & java.io.Serializable) value -> value;
            byte[] bytes = jdkBytesIfAdmitted(new Object[] {probe, 1, 2L, 3.0, "four", new double[] {5}}, packages);
            if (bytes != null) {
                jdkRead(bytes, packages);
            }
        } catch (RuntimeException | LinkageError e) {
            // nothing was at stake
        }
    }

    /** Reads what a pool sent JDK-serialized (see {@link Serialization#jdkRead}). */
    static Object jdkRead(byte[] bytes, Set<String> packages) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
                return ApplicationLoader.load(desc.getName());
            }
        }) {
            in.setObjectInputFilter(filter(bytes.length, packages, Extra.NOTHING));
            return in.readObject();
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("could not read a value sent by the pool: " + e, e);
        }
    }

    /** Reads an exception, admitting also the JDK's own exception classes. */
    static Throwable readThrowable(byte[] bytes, Set<String> packages) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
                return ApplicationLoader.load(desc.getName());
            }
        }) {
            in.setObjectInputFilter(filter(bytes.length, packages, Extra.JDK_EXCEPTIONS));
            return (Throwable) in.readObject();
        }
    }

    /**
     * The class filter of JDK deserialization: the JDK's data classes, the classes of {@code packages}, and the
     * {@code extra} ones. Arrays are budgeted by the stream's size: every element takes at least one byte of the
     * stream, so a stream cannot claim more elements, in all its arrays together, than it has bytes. Without that
     * budget a few bytes claiming a {@code long[1 << 28]} make the reader allocate 2 GiB before reading any element.
     */
    private static ObjectInputFilter filter(int streamBytes, Set<String> packages, Extra extra) {
        long[] elementsLeft = {streamBytes + 1024L};
        return info -> {
            if (info.depth() > 500) {
                return ObjectInputFilter.Status.REJECTED;
            }
            if (info.arrayLength() >= 0) {
                elementsLeft[0] -= info.arrayLength();
                if (elementsLeft[0] < 0) {
                    return ObjectInputFilter.Status.REJECTED;
                }
            }
            Class<?> type = info.serialClass();
            while (type != null && type.isArray()) {
                type = type.getComponentType();
            }
            if (type == null || type.isPrimitive()) {
                return ObjectInputFilter.Status.UNDECIDED;
            }
            if (admitted(type.getName(), packages) || extra == Extra.JDK_EXCEPTIONS
                    && Throwable.class.isAssignableFrom(type) && type.getName().startsWith("java.")) {
                return ObjectInputFilter.Status.ALLOWED;
            }
            return ObjectInputFilter.Status.REJECTED;
        };
    }

    private static boolean admitted(String className, Set<String> packages) {
        int dot = className.lastIndexOf('.');
        String pkg = dot < 0 ? "" : className.substring(0, dot);
        if (pkg.equals("java.lang") || pkg.equals("java.util") || pkg.equals("java.math") || pkg.equals("java.time")
                || className.equals("java.lang.invoke.SerializedLambda")) {
            return !className.startsWith("java.lang.Thread") && !className.startsWith("java.lang.Process")
                    && !className.startsWith("java.lang.ClassLoader");
        }
        if (dot < 0) {
            int dollar = className.indexOf('$');
            return packages.contains("=" + (dollar < 0 ? className : className.substring(0, dollar)));
        }
        return packages.contains(pkg);
    }
}
