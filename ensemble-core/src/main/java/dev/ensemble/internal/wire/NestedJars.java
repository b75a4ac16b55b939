package dev.ensemble.internal.wire;

import dev.ensemble.internal.platform.UserCache;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Comparator;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Class path entries that live inside another jar (a Spring Boot executable jar's {@code BOOT-INF/lib/*.jar} and
 * {@code BOOT-INF/classes/}), extracted once to the user's cache so that a worker JVM can put them on its class
 * path: the JDK's class loader reads only files and directories.
 *
 * <p>Spring Boot 3.2 and later name them {@code jar:nested:/path/app.jar/!BOOT-INF/lib/x.jar!/}; earlier versions
 * {@code jar:file:/path/app.jar!/BOOT-INF/lib/x.jar!/}. An extraction is named by the outer jar's path, size and
 * time and the entry's name, so a rebuilt application gets a fresh one (and one unused for {@link #STALE_AFTER} is
 * removed); it is written aside and moved in place, so JVMs extracting at the same time do not see each other's
 * half-written files.
 */
final class NestedJars {
    private static final String NESTED = "nested:";
    private static final String JAR = "jar:";
    private static final String SEPARATOR = "!/";
    /** An extraction unused this long belongs to an earlier build of the application: removed. */
    private static final Duration STALE_AFTER = Duration.ofDays(7);

    /** Numbers the files written aside by this JVM, so that no two extractions write the same one. */
    private static final java.util.concurrent.atomic.AtomicLong ASIDE = new java.util.concurrent.atomic.AtomicLong();

    private NestedJars() {
    }

    /**
     * The file or directory a worker can use for {@code url}, extracting it if needed.
     *
     * @param url a class loader's URL
     * @return the path, or null if the URL names no entry of a jar file (or it cannot be extracted)
     */
    static Path extracted(URL url) {
        String s = url.toString();
        if (s.startsWith(JAR)) {
            s = s.substring(JAR.length());
        }
        if (s.endsWith(SEPARATOR)) {
            s = s.substring(0, s.length() - SEPARATOR.length());
        }
        Path outer;
        String entry;
        try {
            if (s.startsWith(NESTED)) {
                String rest = s.substring(NESTED.length());
                int at = rest.indexOf("/!");
                if (at < 0) {
                    return null;
                }
                // Spring percent-encodes the path; a '+' in it is a plus.
                outer = Path.of(URLDecoder.decode(rest.substring(0, at).replace("+", "%2B"), StandardCharsets.UTF_8));
                entry = rest.substring(at + 2);
            } else if (s.startsWith("file:") && s.contains(SEPARATOR)) {
                int at = s.indexOf(SEPARATOR);
                outer = Path.of(URI.create(s.substring(0, at)));
                entry = s.substring(at + SEPARATOR.length());
            } else {
                return null;
            }
            if (!Files.isRegularFile(outer) || entry.isEmpty()) {
                return null;
            }
            return extract(outer, entry);
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            return null; // the worker lacks this entry; if it mattered, its start says which class is missing
        }
    }

    private static Path extract(Path outer, String entry) throws IOException {
        boolean directory = entry.endsWith("/");
        String name = new UserCache.Name().update(UserCache.stamp(outer)).update(entry).hex();
        Path root = UserCache.directory("nested");
        Path target = root.resolve(name + (directory ? "" : ".jar"));
        if (Files.exists(target)) {
            Files.setLastModifiedTime(target, FileTime.fromMillis(System.currentTimeMillis())); // in use: kept
            return target;
        }
        pruneStale(root);
        Path aside = root.resolve(name + "." + ProcessHandle.current().pid() + "-" + ASIDE.incrementAndGet() + ".tmp");
        try (JarFile jar = new JarFile(outer.toFile())) {
            if (directory) {
                Files.createDirectories(aside);
                for (JarEntry e : jar.stream().toList()) {
                    if (e.isDirectory() || !e.getName().startsWith(entry) || e.getName().contains("..")) {
                        continue;
                    }
                    Path file = aside.resolve(e.getName().substring(entry.length()));
                    Files.createDirectories(file.getParent());
                    try (InputStream in = jar.getInputStream(e)) {
                        Files.copy(in, file);
                    }
                }
            } else {
                JarEntry e = jar.getJarEntry(entry);
                if (e == null) {
                    return null;
                }
                try (InputStream in = jar.getInputStream(e)) {
                    Files.copy(in, aside, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        try {
            Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
            deleteQuietly(aside); // another JVM was first
        } catch (IOException e) {
            if (!Files.exists(target)) {
                deleteQuietly(aside);
                throw e;
            }
            deleteQuietly(aside);
        }
        return target;
    }

    /** Removes the extractions no JVM has used for {@link #STALE_AFTER}: those of earlier builds. */
    private static void pruneStale(Path root) {
        long cutoff = System.currentTimeMillis() - STALE_AFTER.toMillis();
        try (Stream<Path> all = Files.list(root)) {
            for (Path p : all.toList()) {
                if (Files.getLastModifiedTime(p).toMillis() < cutoff) {
                    deleteQuietly(p);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // an untidy cache still works
        }
    }

    private static void deleteQuietly(Path path) {
        try (Stream<Path> files = Files.walk(path)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a leftover in the user's cache is only untidy
        }
    }
}
