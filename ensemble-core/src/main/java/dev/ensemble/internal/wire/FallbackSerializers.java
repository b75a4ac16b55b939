package dev.ensemble.internal.wire;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.fory.resolver.ClassResolver;
import org.apache.fory.resolver.TypeResolver;
import org.apache.fory.serializer.ObjectSerializer;
import org.apache.fory.serializer.Serializer;
import org.apache.fory.serializer.SerializerFactory;

/**
 * Serializers for the classes Fory's own cannot handle, chosen per class, once, the first time Fory needs one.
 *
 * <p>Fory generates and compiles a serializer for each class; for some classes the generated code does not compile
 * (commons-math3's statistics, whose fields are of classes with package-private parents). For such a class this
 * factory gives Fory's interpreted serializer, which writes the same format as the generated one (Fory swaps one
 * for the other when it compiles in the background), so the other side of the wire reads it with whichever it
 * has, whether it generates code or not. A class the interpreted serializer cannot handle either goes by JDK
 * serialization (if it is {@link java.io.Serializable}): that choice does not depend on code generation, so both
 * sides make it alike. Each fallback is logged once per class, at debug level.
 */
final class FallbackSerializers implements SerializerFactory {
    private static final System.Logger LOG = System.getLogger("dev.ensemble.serialization");
    /** The classes already logged: each fallback is worth one line, not one per thread's serializer. */
    private static final Set<Class<?>> LOGGED = ConcurrentHashMap.newKeySet();
    /** The classes whose default serializer this thread is finding out: Fory may ask again meanwhile. */
    private static final ThreadLocal<Set<Class<?>>> TRYING = ThreadLocal.withInitial(java.util.HashSet::new);

    @Override
    public Serializer<?> createSerializer(TypeResolver resolver, Class<?> type) {
        if (!(resolver instanceof ClassResolver classes) || ours(type) || type.isArray() || type.isEnum()
                || type.isInterface() || !TRYING.get().add(type)) {
            return null;
        }
        try {
            classes.getSerializerClass(type);
            return null; // Fory's own works
        } catch (RuntimeException | LinkageError generated) {
            if (refused(generated)) {
                throw generated; // the allow-list said no: nothing to fall back to
            }
            Serializer<?> interpreted = interpreted(resolver, type, generated);
            return interpreted != null ? interpreted : jdk(resolver, type, generated);
        } finally {
            TRYING.get().remove(type);
        }
    }

    /** Fory's interpreted serializer for the class, or null if it cannot handle it either. */
    private static Serializer<?> interpreted(TypeResolver resolver, Class<?> type, Throwable why) {
        try {
            Serializer<?> serializer = new ObjectSerializer<>(resolver, type);
            if (why != null) {
                log(type, "its generated serializer does not compile (" + rootMessage(why) + "); the interpreted one "
                        + "is used");
            }
            return serializer;
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** JDK serialization for the class, or null (Fory's own error then stands) if it is not Serializable. */
    private static Serializer<?> jdk(TypeResolver resolver, Class<?> type, Throwable why) {
        if (!java.io.Serializable.class.isAssignableFrom(type)) {
            return null;
        }
        log(type, "Fory cannot serialize it" + (why != null ? " (" + rootMessage(why) + ")" : "")
                + "; JDK serialization is used");
        return new JdkSerializer(resolver, type);
    }

    private static boolean refused(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.apache.fory.exception.InsecureException) {
                return true;
            }
        }
        return false;
    }

    private static void log(Class<?> type, String what) {
        if (LOGGED.add(type)) {
            LOG.log(System.Logger.Level.DEBUG, () -> "class " + type.getName() + ": " + what);
        }
    }

    /** The JDK's and Fory's own classes: Fory knows them. */
    private static boolean ours(Class<?> type) {
        String name = type.getName();
        return type.isPrimitive() || name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")
                || name.startsWith("sun.") || name.startsWith("org.apache.fory.") || type.isHidden()
                || type.isSynthetic();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String text = String.valueOf(t.getMessage());
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
