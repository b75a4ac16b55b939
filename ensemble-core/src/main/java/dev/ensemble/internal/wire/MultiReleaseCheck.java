package dev.ensemble.internal.wire;

import java.io.IOException;
import org.apache.fory.Fory;

/**
 * Finds, once per JVM, whether Fory's classes come from a jar that merged a multi-release jar without keeping
 * {@code Multi-Release: true} in its manifest, and words the fix (see {@link Serialization#requireMultiReleaseJar}).
 */
final class MultiReleaseCheck {
    /** Fory's jar has classes for newer JDKs under this prefix; without them Fory fails later, in odd places. */
    private static final String VERSIONED_ENTRIES = "META-INF/versions/";
    /** Fory's own jar, which declares itself multi-release: not opened again (several ms of a first pool). */
    private static final String FORY_JAR_PREFIX = "fory-core-";

    private MultiReleaseCheck() {
    }

    /** Why Fory cannot work in this JVM, or "": found once, on first use. */
    private static final class JarProblem {
        static final String PROBLEM = jarProblem();
    }

    /**
     * Why Fory cannot work in this JVM.
     *
     * @return the problem and its fix, or "" if there is none
     */
    static String problem() {
        return JarProblem.PROBLEM;
    }

    private static String jarProblem() {
        java.security.CodeSource source = Fory.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null || !"file".equals(source.getLocation().getProtocol())) {
            return "";
        }
        java.nio.file.Path jar;
        try {
            jar = java.nio.file.Path.of(source.getLocation().toURI());
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            return "";
        }
        if (!java.nio.file.Files.isRegularFile(jar) || jar.getFileName().toString().startsWith(FORY_JAR_PREFIX)) {
            return ""; // a directory of classes, or Fory's own jar: no manifest to get wrong
        }
        try (java.util.jar.JarFile file = new java.util.jar.JarFile(jar.toFile(), false,
                java.util.zip.ZipFile.OPEN_READ, Runtime.version())) {
            if (file.isMultiRelease() || file.stream().noneMatch(e -> e.getName().startsWith(VERSIONED_ENTRIES))) {
                return "";
            }
        } catch (IOException e) {
            return ""; // the JVM reads it anyway; nothing to say about it
        }
        return "the jar " + jar + " holds classes for newer Java versions (" + VERSIONED_ENTRIES + ") that the JVM "
                + "ignores because its manifest lacks the line \"Multi-Release: true\", so worker processes cannot "
                + "work: add that line to the jar's manifest (with maven-shade-plugin, a ManifestResourceTransformer "
                + "with <Multi-Release>true</Multi-Release> in its manifestEntries; with maven-assembly-plugin, the "
                + "same entry in <archive><manifestEntries>)";
    }
}
