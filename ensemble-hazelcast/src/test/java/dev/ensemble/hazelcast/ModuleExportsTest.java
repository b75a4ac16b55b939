package dev.ensemble.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Freezes the module's surface both ways: it exports its API package only, and it reaches core through core's
 * API and SPI only, found by {@link java.util.ServiceLoader} on the module path and the class path alike.
 */
class ModuleExportsTest {
    @Test
    void moduleExportsOnlyTheApiPackage_andProvidesTheClusterSpi() throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("target/classes/module-info.class"))) {
            ModuleDescriptor module = ModuleDescriptor.read(in);
            assertThat(module.name()).isEqualTo("dev.ensemble.hazelcast");
            assertThat(module.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()))
                    .containsExactly("dev.ensemble.hazelcast");
            assertThat(module.provides()).singleElement().satisfies(p -> {
                assertThat(p.service()).isEqualTo("dev.ensemble.spi.cluster.ClusterProvider");
                // The class path's registration names the same class, so both launch modes find the same provider.
                assertThat(Files.readAllLines(Path.of("target/classes/META-INF/services/" + p.service())))
                        .containsExactlyElementsOf(p.providers());
            });
        }
    }

    @Test
    void theModuleUsesNothingOfCoreButItsApiAndSpi() throws IOException {
        List<String> offenders;
        try (Stream<Path> files = Files.walk(Path.of("target/classes"))) {
            offenders = files.filter(f -> f.toString().endsWith(".class")).filter(f -> {
                try {
                    // Every class a class file refers to is named in its constant pool.
                    return new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)
                            .contains("dev/ensemble/internal/");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(Path::toString).toList();
        }
        assertThat(offenders).as("classes of the module that use core's internals").isEmpty();
    }
}
