package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.JarURLConnection;
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
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spring Boot executable jar, laid out as {@code spring-boot-maven-plugin} repackages one (its launcher at the
 * root, the application under {@code BOOT-INF/classes}, each library a jar stored in {@code BOOT-INF/lib}) and run
 * with {@code java -jar}: its process pools and instance pools work, and results come back as its own classes.
 */
@ExtendWith(LeakCheck.class)
class SpringBootJarTest {
    private static final String LAUNCHER = "org/springframework/boot/loader/launch/JarLauncher.class";

    @TempDir
    Path dir;

    @Test
    void aSpringBootExecutableJar_runsProcessPools() throws Exception {
        Path app = ChildApplications.compileMain(dir, ClassLoaderLaunchTest.MAIN);
        Path jar = bootJar(app);
        // The nested jars are extracted to the user's cache: here, one that goes with the test.
        Path cache = Files.createDirectories(dir.resolve("cache"));
        String output = JavaApplication.run(java.util.Map.of("XDG_CACHE_HOME", cache.toString()), "-jar",
                jar.toString());
        try (Stream<Path> extracted = Files.list(cache.resolve("ensemble/nested"))) {
            assertThat(extracted.count()).as("jars and directories extracted").isEqualTo(5);
        }
        assertThat(output.lines()).as(output).contains("map: [Point[x=1, y=1], Point[x=2, y=4], Point[x=3, y=9]] "
                + "own class: true", "labels: [Label[text=a], Label[text=b]] own class: true",
                "failure own class: true", "ensemble: [Label[text=ok], Label[text=ok]] own class: true");
    }

    private Path bootJar(Path app) throws Exception {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.put(Attributes.Name.MAIN_CLASS, "org.springframework.boot.loader.launch.JarLauncher");
        main.putValue("Start-Class", "app.Main");
        main.putValue("Spring-Boot-Classes", "BOOT-INF/classes/");
        main.putValue("Spring-Boot-Lib", "BOOT-INF/lib/");
        Path jar = dir.resolve("boot.jar");
        Set<String> written = new HashSet<>();
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream boot = new JarOutputStream(out, manifest)) {
            Path loader = Path.of(((JarURLConnection) ClassLoader.getSystemClassLoader().getResource(LAUNCHER)
                    .openConnection()).getJarFileURL().toURI());
            try (JarFile loaderJar = new JarFile(loader.toFile())) {
                for (JarEntry e : loaderJar.stream().toList()) {
                    if (!e.isDirectory() && !e.getName().startsWith("META-INF/")) {
                        try (InputStream in = loaderJar.getInputStream(e)) {
                            add(boot, written, e.getName(), in.readAllBytes(), false);
                        }
                    }
                }
            }
            for (String directory : List.of("BOOT-INF/", "BOOT-INF/classes/", "BOOT-INF/lib/")) {
                boot.putNextEntry(new JarEntry(directory)); // the launcher finds the classes by this entry
                boot.closeEntry();
            }
            for (Path f : files(app)) {
                add(boot, written, "BOOT-INF/classes/" + app.relativize(f).toString().replace('\\', '/'),
                        Files.readAllBytes(f), false);
            }
            for (String entry : ChildApplications.libraryEntries()) {
                Path library = Path.of(entry);
                byte[] bytes = Files.isDirectory(library) ? jarOf(library) : Files.readAllBytes(library);
                String name = Files.isDirectory(library) ? "ensemble-core.jar" : library.getFileName().toString();
                add(boot, written, "BOOT-INF/lib/" + name, bytes, true); // nested jars are stored, as the plugin does
            }
        }
        return jar;
    }

    private static List<Path> files(Path directory) throws Exception {
        try (Stream<Path> walk = Files.walk(directory)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }

    private static byte[] jarOf(Path classes) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (JarOutputStream jar = new JarOutputStream(bytes, manifest)) {
            for (Path f : files(classes)) {
                jar.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                jar.write(Files.readAllBytes(f));
                jar.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static void add(JarOutputStream jar, Set<String> written, String name, byte[] bytes, boolean stored)
            throws Exception {
        if (!written.add(name)) {
            return;
        }
        JarEntry entry = new JarEntry(name);
        if (stored) {
            CRC32 crc = new CRC32();
            crc.update(bytes);
            entry.setMethod(ZipEntry.STORED);
            entry.setSize(bytes.length);
            entry.setCompressedSize(bytes.length);
            entry.setCrc(crc.getValue());
        }
        jar.putNextEntry(entry);
        jar.write(bytes);
        jar.closeEntry();
    }
}
