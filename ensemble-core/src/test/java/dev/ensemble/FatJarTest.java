package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application shipped as one jar that merges its dependencies (maven-shade-plugin, maven-assembly-plugin's
 * jar-with-dependencies) and run with {@code java -jar}: with {@code Multi-Release: true} in the manifest it runs
 * process pools; without it (the plugins' default), whose classes for newer JDKs are then ignored, building a
 * process pool fails at once with a message naming the manifest line to add.
 */
@ExtendWith(LeakCheck.class)
class FatJarTest {
    @TempDir
    Path dir;

    private static final String MAIN = """
            package app;

            import dev.ensemble.WorkerPool;
            import java.util.List;

            public class Main {
                public static void main(String[] args) {
                    try (WorkerPool pool = WorkerPool.processes(2)) {
                        // Enough inputs that they travel by the fast serializer, not only the first-call path.
                        List<Integer> inputs = java.util.stream.IntStream.range(0, 500).boxed().toList();
                        System.out.println("sum: " + pool.map(inputs, x -> x * 2).stream().mapToInt(i -> i).sum());
                        System.out.println("records: " + pool.map(List.of(1, 2), x -> new Pair(x, "v" + x)));
                    } catch (IllegalStateException e) {
                        System.out.println("refused: " + e.getMessage());
                    }
                }

                record Pair(int key, String value) {
                }
            }
            """;

    @Test
    void aFatJarWithMultiRelease_runsProcessPools() throws Exception {
        Path jar = fatJar(true);
        String output = JavaApplication.run("-jar", jar.toString());
        assertThat(output.lines()).as(output).contains("sum: 249500", "records: [Pair[key=1, value=v1], "
                + "Pair[key=2, value=v2]]");
    }

    @Test
    void aFatJarWithoutMultiRelease_isRefusedAtBuild_namingTheManifestLine() throws Exception {
        Path jar = fatJar(false);
        String output = JavaApplication.run("-jar", jar.toString());
        assertThat(output.lines().filter(l -> l.startsWith("refused: ")).toList()).as(output).singleElement()
                .asString().contains(jar.toString(), "Multi-Release: true").doesNotContain("dev.ensemble.internal");
    }

    /** The application's classes and the library's, with what it requires, merged into one jar. */
    private Path fatJar(boolean multiRelease) throws Exception {
        Path app = ChildApplications.compileMain(dir, MAIN);
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "app.Main");
        if (multiRelease) {
            manifest.getMainAttributes().put(Attributes.Name.MULTI_RELEASE, "true");
        }
        Path jar = dir.resolve(multiRelease ? "app-mr.jar" : "app.jar");
        Set<String> written = new HashSet<>();
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream fat = new JarOutputStream(out, manifest)) {
            for (String entry : Stream.concat(Stream.of(app.toString()), ChildApplications.libraryEntries().stream())
                    .toList()) {
                Path source = Path.of(entry);
                if (Files.isDirectory(source)) {
                    try (Stream<Path> files = Files.walk(source)) {
                        for (Path f : files.filter(Files::isRegularFile).toList()) {
                            String name = source.relativize(f).toString().replace('\\', '/');
                            try (InputStream in = Files.newInputStream(f)) {
                                copy(fat, written, name, in);
                            }
                        }
                    }
                } else {
                    try (JarFile library = new JarFile(source.toFile())) {
                        for (JarEntry e : List.copyOf(library.stream().toList())) {
                            if (!e.isDirectory()) {
                                try (InputStream in = library.getInputStream(e)) {
                                    copy(fat, written, e.getName(), in);
                                }
                            }
                        }
                    }
                }
            }
        }
        return jar;
    }

    /** Copies one entry as the shade plugin does by default: first one wins, no manifests, signatures or modules. */
    private static void copy(JarOutputStream fat, Set<String> written, String name, InputStream in) throws Exception {
        if (name.equals("META-INF/MANIFEST.MF") || name.matches("META-INF/[^/]+\\.(SF|RSA|DSA|EC)")
                || name.endsWith("module-info.class") || !written.add(name)) {
            return;
        }
        fat.putNextEntry(new JarEntry(name));
        in.transferTo(fat);
        fat.closeEntry();
    }
}
