package dev.ensemble.bench.compare;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.constant.ClassDesc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * The rest of a realistic application's class path: {@link #JARS} jars of {@value #CLASSES} small classes each, in
 * packages of their own, placed before the benchmark's own jars (as an application's frameworks often are). What
 * grows with the class path on a pool's start path (opening and searching jars, listing packages, checking an AOT
 * cache) shows in the rows measured with it. Made once, by {@code ./ensemble bench}, under {@code target/}.
 */
final class Padding {
    /** With the benchmark's own 12 jars, a class path of about 120 entries. */
    static final int JARS = 110;
    static final int CLASSES = 200;

    private Padding() {
    }

    /**
     * The class path: the padding jars, made if missing, then {@code classPath}.
     *
     * @param dir where the jars are kept
     * @param classPath the benchmark's own class path
     * @return the longer class path
     * @throws IOException if a jar cannot be written
     */
    static String classPath(Path dir, String classPath) throws IOException {
        Files.createDirectories(dir);
        List<String> entries = new ArrayList<>();
        for (int j = 0; j < JARS; j++) {
            Path jar = dir.resolve(String.format(Locale.ROOT, "library-%03d.jar", j));
            if (!Files.isRegularFile(jar)) {
                write(jar, j);
            }
            entries.add(jar.toString());
        }
        entries.add(classPath);
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static void write(Path jar, int j) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        Path partial = jar.resolveSibling(jar.getFileName() + ".part");
        try (OutputStream file = Files.newOutputStream(partial); JarOutputStream out = new JarOutputStream(file,
                manifest)) {
            for (int c = 0; c < CLASSES; c++) {
                String name = String.format(Locale.ROOT, "org/padding%03d/p%d/Type%03d", j, c % 8, c);
                byte[] bytes = ClassFile.of().build(ClassDesc.of(name.replace('/', '.')), b -> {
                });
                out.putNextEntry(new JarEntry(name + ".class"));
                out.write(bytes);
                out.closeEntry();
            }
        }
        Files.move(partial, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * {@code classPath} with each directory replaced by a jar of its files, as a packaged application has it: a
     * JVM makes an AOT cache only of a class path without directories (row 1d).
     *
     * @param dir where the jars are written
     * @param classPath the class path
     * @return the same class path, jars only
     * @throws IOException if a directory cannot be read or a jar written
     */
    static String directoriesAsJars(Path dir, String classPath) throws IOException {
        Files.createDirectories(dir);
        List<String> entries = new ArrayList<>();
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            Path path = Path.of(entry);
            if (!Files.isDirectory(path)) {
                entries.add(entry);
                continue;
            }
            Path jar = dir.resolve("classpath-" + entries.size() + ".jar");
            Manifest manifest = new Manifest();
            manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file,
                    manifest); var files = Files.walk(path)) {
                for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                    if (Files.isRegularFile(f) && !f.getFileName().toString().equals("MANIFEST.MF")) {
                        out.putNextEntry(new JarEntry(path.relativize(f).toString().replace('\\', '/')));
                        Files.copy(f, out);
                        out.closeEntry();
                    }
                }
            }
            entries.add(jar.toAbsolutePath().toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }
}
