package dev.ensemble.internal.wire;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * Whether an object carries no state of its own: its class and superclasses declare no instance fields, or it
 * is one of this library's records whose components are all stateless (its wrapper of a stateless job). A non-capturing lambda, a
 * static method reference and a field-less class are; a lambda that captures a value is not (each captured
 * value is a field of its class). Two stateless objects with the same serialized form behave the same, so a
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

    /** The component accessors of this module's records (wrappers of user functions); null for other classes. */
    private static final ClassValue<java.lang.reflect.Method[]> OWN_RECORD_ACCESSORS = new ClassValue<>() {
        @Override
        protected java.lang.reflect.Method[] computeValue(Class<?> type) {
            if (!type.isRecord() || !type.getPackageName().startsWith("dev.ensemble.internal")) {
                return null;
            }
            var components = type.getRecordComponents();
            var accessors = new java.lang.reflect.Method[components.length];
            for (int i = 0; i < components.length; i++) {
                accessors[i] = components[i].getAccessor();
            }
            return accessors;
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
        java.lang.reflect.Method[] accessors = OWN_RECORD_ACCESSORS.get(type);
        if (accessors == null || depth >= 4) {
            return false;
        }
        try {
            for (java.lang.reflect.Method accessor : accessors) {
                if (!is(accessor.invoke(value), depth + 1)) {
                    return false;
                }
            }
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }
}
