package dev.ensemble.internal.wire;

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
     * The class path and module path entries of this JVM, manifest {@code Class-Path} entries included.
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
        while (!todo.isEmpty()) {
            Path entry = todo.poll();
            if (!Files.exists(entry) || !seen.add(entry)) {
                continue;
            }
            if (Files.isRegularFile(entry)) {
                todo.addAll(manifestClassPath(entry));
            }
        }
        return List.copyOf(seen);
    }

    private static List<Path> manifestClassPath(Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            String classPath = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            if (classPath == null || classPath.isBlank()) {
                return List.of();
            }
            URI base = jar.toUri();
            return Stream.of(classPath.trim().split("\\s+")).map(u -> {
                try {
                    return Path.of(base.resolve(u)).toAbsolutePath().normalize();
                } catch (RuntimeException e) {
                    return null;
                }
            }).filter(p -> p != null).toList();
        } catch (IOException e) {
            return List.of();
        }
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
            try (JarFile jar = new JarFile(entry.toFile())) {
                Set<String> dirs = new HashSet<>();
                for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                    String name = e.nextElement().getName();
                    if (name.endsWith(".class")) {
                        int slash = name.lastIndexOf('/');
                        if (slash < 0 || dirs.add(name.substring(0, slash))) {
                            add(name, packages);
                        }
                    }
                }
            } catch (IOException e) {
                // not a jar: nothing to load from it
            }
        }
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
