package dev.ensemble.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a jar holds (its manifest class path and packages) is read once and then taken from the user's cache,
 * which follows the jar: a changed jar is read again.
 */
class ClassPathPackagesTest {
    @TempDir
    Path dir;

    private static void jar(Path file, String classPath, String... classFiles) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (classPath != null) {
            manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
        }
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            for (String name : classFiles) {
                jar.putNextEntry(new JarEntry(name));
                jar.write(new byte[] {(byte) 0xCA, (byte) 0xFE});
                jar.closeEntry();
            }
        }
    }

    @Test
    void aJarIsReadOnce_thenTakenFromTheCache_andReadAgainWhenItChanges() throws IOException {
        Path file = dir.resolve("lib.jar");
        jar(file, "other.jar", "p/q/A.class", "p/q/B.class", "r/C.class", "Top.class",
                "META-INF/versions/17/s/D.class", "module-info.class");
        Path firstCache = ClassPathPackages.cacheFileForTest(file);
        Path secondCache = null;
        try {
            List<List<String>> read = ClassPathPackages.readForTest(file);
            assertThat(read.get(0)).containsExactly(dir.resolve("other.jar").toString());
            assertThat(read.get(1)).containsExactly("=Top", "p.q", "r", "s");
            assertThat(firstCache).exists();
            assertThat(Files.readAllLines(firstCache).get(0)).startsWith(file + "|");
            assertThat(ClassPathPackages.readForTest(file)).as("from the cache").isEqualTo(read);
            List<String> lines = Files.readAllLines(firstCache);
            Files.write(firstCache, List.of(lines.get(0), "999"));
            assertThat(ClassPathPackages.readForTest(file)).as("a damaged cache file is read past").isEqualTo(read);
            assertThat(Files.readAllLines(firstCache)).as("and written anew").isEqualTo(lines);

            jar(file, null, "t/E.class");
            Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 2_000));
            secondCache = ClassPathPackages.cacheFileForTest(file);
            List<List<String>> changed = ClassPathPackages.readForTest(file);
            assertThat(changed.get(0)).isEmpty();
            assertThat(changed.get(1)).containsExactly("t");
        } finally {
            Files.deleteIfExists(firstCache);
            if (secondCache != null) {
                Files.deleteIfExists(secondCache);
            }
        }
    }
}
