package dev.ensemble.internal.wire;

import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import org.apache.fory.ThreadSafeFory;

/**
 * Words why a value cannot be sent to a worker process: which captured value of a lambda fails, and Fory's
 * refusals in the user's terms (a JDK class that is not data, a class no worker could load).
 */
final class SendFailures {
    /** The JVM's refusal of a class in a module that does not export or open its package to the accessor. */
    private static final java.util.regex.Pattern NOT_EXPORTED =
            java.util.regex.Pattern.compile("module (\\S+) does not (?:export|open) (\\S+) to");
    /** Fory's allow-list refusals: "Class X isn't in the allow list ..." and "X hit disallowed list". */
    private static final java.util.regex.Pattern NOT_ALLOWED =
            java.util.regex.Pattern.compile("Class (\\S+) isn't in the allow list.*", java.util.regex.Pattern.DOTALL);
    private static final java.util.regex.Pattern DISALLOWED =
            java.util.regex.Pattern.compile("(\\S+) hit disallowed list.*", java.util.regex.Pattern.DOTALL);

    private SendFailures() {
    }

    /**
     * The error of a task, job or hook that cannot be sent (see {@link Serialization#requireSendable}).
     *
     * @param role what it is, for the message
     * @param function the user's function object
     * @param error what serializing it threw
     * @param fory the serializer that refused it
     * @return the exception to throw
     */
    static IllegalArgumentException unsendable(String role, Object function, Throwable error, ThreadSafeFory fory) {
        // The serializer's refusal says no more than the message does, and in its own terms: not kept.
        return new IllegalArgumentException(role + " cannot be sent to a worker process: "
                + culprit(function, error, fory) + ". Workers are separate JVMs: what a task captures is copied to "
                + "them, so it must be data (not threads, streams, connections or locks) of classes on the class path",
                rootCause(error) instanceof org.apache.fory.exception.InsecureException ? null : error);
    }

    /**
     * Describes why {@code value} cannot be serialized (see {@link Serialization#culprit}).
     *
     * @param value the value that failed
     * @param error what serializing it threw
     * @param fory the serializer that refused it, which tries each captured value of a lambda alone
     * @return a short description naming the class or captured value
     */
    static String culprit(Object value, Throwable error, ThreadSafeFory fory) {
        SerializedLambda lambda = serializedForm(value);
        if (lambda != null) {
            for (int i = 0; i < lambda.getCapturedArgCount(); i++) {
                Object captured = lambda.getCapturedArg(i);
                if (captured instanceof dev.ensemble.WorkerPool || captured instanceof dev.ensemble.Ensemble<?>) {
                    return "the lambda captures a pool (" + captured + "), and a pool cannot be sent to a worker "
                            + "process. To parallelise inside a task, build a pool in the task (for example "
                            + "WorkerPool.threads(n) in a try-with-resources), or return the work to the caller";
                }
                try {
                    fory.serialize(captured);
                } catch (RuntimeException | StackOverflowError e) {
                    if (serializedForm(captured) != null) {
                        // the user's lambda inside one of the library's: name its part
                        return culprit(captured, e, fory);
                    }
                    String capturing = lambda.getCapturingClass().replace('/', '.');
                    boolean enclosing = i == 0 && captured != null
                            && captured.getClass().getName().equals(capturing)
                            && lambda.getImplMethodKind() != java.lang.invoke.MethodHandleInfo.REF_invokeStatic;
                    String what = enclosing
                            ? "the lambda captures its enclosing instance of " + capturing
                                    + " (it uses a field or method of it), which"
                            : "the value captured by the lambda (argument " + i + " of "
                                    + lambda.getImplMethodName() + " in " + capturing + "), of "
                                    + describeClass(captured) + ",";
                    return what + " cannot be serialized: " + rootMessage(e);
                }
            }
        }
        return (value == null ? "null" : "an object of " + describeClass(value)) + " cannot be serialized: "
                + rootMessage(error);
    }

    private static String describeClass(Object value) {
        return value == null ? "null" : "class " + value.getClass().getName();
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = rootCause(e);
        String text = t.getMessage() != null ? t.getMessage() : t.getClass().getName();
        java.util.regex.Matcher closed = NOT_EXPORTED.matcher(text);
        if (closed.find()) {
            // Fory's generated serializers live in an unnamed module: a qualified opens does not reach them.
            text += " (an application on the module path must open its packages to the serializer: add "
                    + "\"opens " + closed.group(2) + ";\" to module " + closed.group(1) + "'s module-info.java)";
        } else if (text.contains("needs to implement java.io.Serializable")) {
            text += " (a lambda can be sent only if its interface is Serializable, such as dev.ensemble.Task)";
        } else if (t instanceof org.apache.fory.exception.InsecureException) {
            java.util.regex.Matcher notAllowed = NOT_ALLOWED.matcher(text);
            java.util.regex.Matcher disallowed = DISALLOWED.matcher(text);
            if (notAllowed.matches() && notAllowed.group(1).matches("(java|javax|jdk|sun|com\\.sun)\\..*")) {
                text = "class " + notAllowed.group(1) + " is a JDK class that worker processes do not rebuild (only "
                        + "JDK data classes are accepted): send its data instead, such as its toString() or fields";
            } else if (notAllowed.matches()) {
                text = "class " + notAllowed.group(1) + " is not on the class path or module path of this JVM, so "
                        + "worker processes could not load it (a class of another class loader, or made at run time)";
            } else if (disallowed.matches()) {
                text = disallowed.group(1) + " is never copied to another JVM: it is not data";
            } else {
                text += " (workers accept only JDK classes that are safe to deserialize and classes on the class "
                        + "path)";
            }
        }
        return text;
    }

    /** The serialized form of a lambda (its captured values, its implementation), or null if it is none. */
    static SerializedLambda serializedForm(Object value) {
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
}
