package dev.ensemble.internal.wire;

import dev.ensemble.internal.platform.UserCache;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * The packages of the class path and module path this JVM was started with: what a worker accepts besides the
 * JDK. Jars are followed through their manifest {@code Class-Path} (Surefire and launchers put the real class
 * path there), multi-release entries count for their package, and classes of the unnamed package are listed by
 * name.
 *
 * <p>Reading a jar's directory takes a while for large jars (a class path of 28 MB of jars took 60 to 100 ms of a
 * JVM's first pool here), so what each jar holds (its manifest class path and its packages) is kept in the user's
 * cache ({@code ~/.cache/ensemble/jars}), keyed by the jar's path, size and modification time. Directories are
 * listed every time.
 */
public final class ClassPathPackages {
    private static volatile Set<String> cached;

    private ClassPathPackages() {
    }

    /**
     * The packages (and unnamed-package class names) of this JVM's class path and module path, computed once.
     *
     * @return a sorted, unmodifiable set
     */
    public static Set<String> ofThisJvm() {
        Set<String> result = cached;
        if (result == null) {
            Set<String> found = new TreeSet<>();
            List<Path> modulePath = pathOf("jdk.module.path");
            for (Path entry : entries()) {
                if (!modulePath.contains(entry)) {
                    scan(entry, found);
                }
            }
            // A module path entry is a module or a directory of modules: their descriptors list the packages.
            try {
                java.lang.module.ModuleFinder.of(modulePath.stream().filter(Files::exists).toArray(Path[]::new))
                        .findAll().forEach(module -> found.addAll(module.descriptor().packages()));
            } catch (java.lang.module.FindException e) {
                // a broken module path: this JVM could not have started from it, and workers will not either
            }
            found.add("dev.ensemble");
            result = Collections.unmodifiableSet(found);
            cached = result;
        }
        return result;
    }

    private static List<Path> pathOf(String property) {
        List<Path> parts = new ArrayList<>();
        for (String part : System.getProperty(property, "").split(File.pathSeparator)) {
            if (!part.isBlank()) {
                parts.add(Path.of(part).toAbsolutePath().normalize());
            }
        }
        return parts;
    }

    /**
     * The class path and module path entries of this JVM, manifest {@code Class-Path} entries included, and those
     * of the application's own class loader ({@link ApplicationLoader#extraEntries()}).
     *
     * @return the entries that exist, in order, each once
     */
    public static List<Path> entries() {
        Set<Path> seen = new LinkedHashSet<>();
        Deque<Path> todo = new ArrayDeque<>();
        for (String property : new String[] {"java.class.path", "jdk.module.path"}) {
            String value = System.getProperty(property, "");
            for (String part : value.split(File.pathSeparator)) {
                if (!part.isBlank()) {
                    todo.add(Path.of(part).toAbsolutePath().normalize());
                }
            }
        }
        todo.addAll(ApplicationLoader.extraEntries()); // an application in a class loader of its own
        while (!todo.isEmpty()) {
            Path entry = todo.poll();
            if (!Files.exists(entry) || !seen.add(entry)) {
                continue;
            }
            if (Files.isRegularFile(entry)) {
                todo.addAll(jar(entry).classPath());
            }
        }
        return List.copyOf(seen);
    }

    private static void scan(Path entry, Set<String> packages) {
        if (Files.isDirectory(entry)) {
            try (Stream<Path> files = Files.walk(entry)) {
                files.filter(f -> f.getFileName().toString().endsWith(".class")).forEach(f -> {
                    String name = entry.relativize(f).toString().replace(File.separatorChar, '/');
                    add(name, packages);
                });
            } catch (IOException | UncheckedIOException e) {
                // an unreadable directory contributes nothing the workers could load either
            }
        } else if (Files.isRegularFile(entry)) {
            packages.addAll(jar(entry).packages());
        }
    }

    /** What this JVM learnt of a jar: its manifest's {@code Class-Path} and its packages. */
    private record JarInfo(List<Path> classPath, Set<String> packages) {
    }

    private static final java.util.Map<Path, JarInfo> JARS = new java.util.concurrent.ConcurrentHashMap<>();

    private static JarInfo jar(Path jar) {
        return JARS.computeIfAbsent(jar, ClassPathPackages::readJar);
    }

    /**
     * Reads what a jar holds, through the user's cache, as for this JVM's class path (for tests).
     *
     * @param jar a jar
     * @return its manifest class path (resolved), then its packages, as two lists
     */
    static List<List<String>> readForTest(Path jar) {
        JarInfo info = readJar(jar);
        return List.of(info.classPath().stream().map(Path::toString).toList(),
                List.copyOf(new TreeSet<>(info.packages())));
    }

    /** The cache file of a jar as it is now (for tests). */
    static Path cacheFileForTest(Path jar) throws IOException {
        return cacheFile(UserCache.stamp(jar));
    }

    /**
     * A jar's manifest class path and packages: from the user's cache if it describes this very jar (path, size,
     * time), else read from the jar and then cached. Cache file: the key, the number of class path entries, the
     * entries, then the packages, one per line.
     */
    private static JarInfo readJar(Path jar) {
        String key;
        Path cached;
        List<String> lines;
        try {
            key = UserCache.stamp(jar);
            cached = cacheFile(key);
            lines = Files.isRegularFile(cached) ? Files.readAllLines(cached) : List.of();
        } catch (IOException | RuntimeException e) {
            key = null; // no cache: read the jar
            cached = null;
            lines = List.of();
        }
        if (lines.size() >= 2 && lines.get(0).equals(key)) {
            try {
                int paths = Integer.parseInt(lines.get(1));
                List<Path> classPath = new ArrayList<>(paths);
                for (String path : lines.subList(2, 2 + paths)) {
                    classPath.add(Path.of(path));
                }
                return new JarInfo(List.copyOf(classPath), Set.copyOf(lines.subList(2 + paths, lines.size())));
            } catch (RuntimeException damaged) {
                // not a file this class wrote whole: read the jar, and write the file anew
            }
        }
        List<Path> classPath;
        Set<String> found = new TreeSet<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            classPath = manifestClassPath(jar, file);
            Set<String> dirs = new HashSet<>();
            for (Enumeration<JarEntry> e = file.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (name.endsWith(".class")) {
                    int slash = name.lastIndexOf('/');
                    if (slash < 0 || dirs.add(name.substring(0, slash))) {
                        add(name, found);
                    }
                }
            }
        } catch (IOException e) {
            return new JarInfo(List.of(), Set.of()); // not a jar: nothing to load from it, nothing worth caching
        }
        if (key != null) {
            try {
                List<String> written = new ArrayList<>(found.size() + classPath.size() + 2);
                written.add(key);
                written.add(Integer.toString(classPath.size()));
                for (Path path : classPath) {
                    written.add(path.toString());
                }
                written.addAll(found);
                // Written aside and moved into place: another JVM reads a whole file or none.
                Path temp = Files.createTempFile(cached.getParent(), "jar", ".tmp");
                Files.write(temp, written);
                Files.move(temp, cached, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException e) {
                // not cached: read again next time
            }
        }
        return new JarInfo(classPath, found);
    }

    private static List<Path> manifestClassPath(Path jar, JarFile file) throws IOException {
        Manifest manifest = file.getManifest();
        String classPath = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
        if (classPath == null || classPath.isBlank()) {
            return List.of();
        }
        URI base = jar.toUri();
        List<Path> entries = new ArrayList<>();
        for (String part : classPath.trim().split("\\s+")) {
            try {
                entries.add(Path.of(base.resolve(part)).toAbsolutePath().normalize());
            } catch (RuntimeException e) {
                // not a path: the JVM ignores it too
            }
        }
        return List.copyOf(entries);
    }

    /** Where the cache keeps what it learnt of the jar stamped {@code key} (the key is the file's first line). */
    private static Path cacheFile(String key) throws IOException {
        return UserCache.directory("jars").resolve(new UserCache.Name().update(key).hex() + ".txt");
    }

    private static void add(String classFile, Set<String> packages) {
        String name = classFile;
        if (name.startsWith("META-INF/versions/")) {
            int next = name.indexOf('/', "META-INF/versions/".length());
            if (next < 0) {
                return;
            }
            name = name.substring(next + 1);
        }
        if (name.equals("module-info.class") || name.endsWith("/module-info.class")
                || name.endsWith("package-info.class") || name.startsWith("META-INF/")) {
            return;
        }
        String binary = name.substring(0, name.length() - ".class".length()).replace('/', '.');
        int dot = binary.lastIndexOf('.');
        packages.add(dot < 0 ? "=" + binary : binary.substring(0, dot));
    }
}
