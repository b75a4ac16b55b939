package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Freezes the public surface: the module exports the API package and the SPI packages only, to every module alike
 * (no qualified exports: our own modules build on what any other could).
 */
class ModuleExportsTest {
    @Test
    void moduleExportsOnlyTheApiAndSpiPackagesToEveryone() throws IOException {
        Path descriptor = Path.of("target/classes/module-info.class");
        try (InputStream in = Files.newInputStream(descriptor)) {
            ModuleDescriptor module = ModuleDescriptor.read(in);
            assertThat(module.name()).isEqualTo("dev.ensemble");
            assertThat(module.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrder("dev.ensemble", "dev.ensemble.spi", "dev.ensemble.spi.cluster");
            assertThat(module.exports()).noneMatch(ModuleDescriptor.Exports::isQualified);
        }
    }
}
