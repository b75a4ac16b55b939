package dev.ensemble.internal.wire;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * Whether an object carries no state of its own: its class and superclasses declare no instance fields, or it
 * is one of this library's lambdas whose captured values are all stateless (its wrapper of a stateless job). A
 * non-capturing lambda, a static method reference and a field-less class are; a lambda that captures a value is
 * not (each captured value is a field of its class). Two stateless objects with the same serialized form behave the same, so a
 * deserialized copy can be reused across calls: nothing a call does to it can be seen by the next.
 */
public final class Stateless {
    private static final ClassValue<Boolean> FIELDLESS = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (!Modifier.isStatic(f.getModifiers())) {
                        return false;
                    }
                }
            }
            return true;
        }
    };

    /** Whether a class is a lambda of this library (a wrapper of a user's function, such as a job as a task). */
    private static final ClassValue<Boolean> OWN_LAMBDA = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return type.isHidden() && type.getName().startsWith("dev.ensemble.internal.")
                    && java.io.Serializable.class.isAssignableFrom(type);
        }
    };

    private Stateless() {
    }

    /**
     * @param value any object
     * @return whether it is stateless (see the class comment); false for null
     */
    public static boolean is(Object value) {
        return is(value, 0);
    }

    /**
     * @param value any object
     * @return whether its class and superclasses declare no instance fields, so that every instance of its class
     *     has the same serialized form; false for null
     */
    public static boolean fieldless(Object value) {
        return value != null && FIELDLESS.get(value.getClass());
    }

    private static boolean is(Object value, int depth) {
        if (value == null) {
            return false;
        }
        Class<?> type = value.getClass();
        if (FIELDLESS.get(type)) {
            return true;
        }
        if (!OWN_LAMBDA.get(type) || depth >= 4) {
            return false;
        }
        java.lang.invoke.SerializedLambda form = SendFailures.serializedForm(value);
        if (form == null) {
            return false;
        }
        for (int i = 0; i < form.getCapturedArgCount(); i++) {
            if (!is(form.getCapturedArg(i), depth + 1)) {
                return false;
            }
        }
        return true;
    }
}
