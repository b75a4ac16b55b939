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
 * Freezes the public surface: the module exports the API package and the SPI package only (internal ones at most
 * to our modules).
 */
class ModuleExportsTest {
    @Test
    void moduleExportsOnlyTheApiAndSpiPackagesToEveryone() throws IOException {
        Path descriptor = Path.of("target/classes/module-info.class");
        try (InputStream in = Files.newInputStream(descriptor)) {
            ModuleDescriptor module = ModuleDescriptor.read(in);
            assertThat(module.name()).isEqualTo("dev.ensemble");
            assertThat(module.exports().stream().filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source)
                    .collect(Collectors.toSet())).containsExactlyInAnyOrder("dev.ensemble", "dev.ensemble.spi");
            assertThat(module.exports().stream().filter(ModuleDescriptor.Exports::isQualified)
                    .flatMap(e -> e.targets().stream()).collect(Collectors.toSet()))
                    .allMatch(target -> target.startsWith("dev.ensemble."));
        }
    }
}
