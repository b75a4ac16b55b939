package dev.ensemble.internal.wire;

import java.util.Collection;
import org.apache.fory.resolver.AllowListChecker;

/**
 * Which classes one {@link Serialization}'s Fory builds: Fory's strict allow-list, the JDK data classes
 * applications send, the JDK's enums, and the packages {@link #allow} adds. Thread-safe.
 */
final class ForyAllowList {
    /**
     * JDK value classes outside the packages Fory knows by itself that applications send as data (a crawler's
     * URIs, a parser's patterns, time zones), admitted by both ends (as the JDK-serialization filter admits
     * {@code java.time} whole). Not {@code URL} or {@code InetAddress}: rebuilding them
     * can reach the network (the URLDNS gadget), so they stay refused, with a message saying to send their text.
     */
    private static final java.util.List<String> JDK_DATA_CLASSES = java.util.List.of("java.net.URI",
            "java.util.regex.Pattern", "java.time.*");

    private static final java.util.concurrent.ConcurrentMap<String, Boolean> JDK_ENUMS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final AllowListChecker checker = new AllowListChecker(AllowListChecker.CheckLevel.STRICT);

    ForyAllowList() {
        JDK_DATA_CLASSES.forEach(checker::allowClass);
    }

    /**
     * Admits packages: {@code "a.b"} admits {@code a.b.*}; {@code "=Name"} admits one class of the unnamed
     * package.
     *
     * @param packages as listed by {@link ClassPathPackages}
     */
    void allow(Collection<String> packages) {
        for (String p : packages) {
            if (p.startsWith("=")) {
                checker.allowClass(p.substring(1));
                checker.allowClass(p.substring(1) + "$*"); // its nested classes and lambdas
            } else {
                checker.allowClass(p + ".*");
            }
        }
    }

    /**
     * The allow-list's answer, widened to the JDK's enums ({@code TimeUnit}, {@code DayOfWeek}, ...): rebuilding an
     * enum only looks a constant up by name, so no enum is a gadget, and applications send them as data (keys of
     * an {@code EnumMap}, fields of their records).
     */
    boolean checkType(org.apache.fory.resolver.TypeResolver resolver, String className) {
        try {
            return checker.checkType(resolver, className);
        } catch (org.apache.fory.exception.InsecureException refused) {
            if (isJdkEnum(className)) {
                return true;
            }
            throw refused;
        }
    }

    private static boolean isJdkEnum(String className) {
        if (!className.startsWith("java.")) {
            return false;
        }
        return JDK_ENUMS.computeIfAbsent(className, name -> {
            try {
                Class<?> type = Class.forName(name, false, ClassLoader.getPlatformClassLoader());
                return type.isEnum() && type.getClassLoader() == null;
            } catch (ClassNotFoundException | LinkageError e) {
                return false;
            }
        });
    }
}
