package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every system property the library's main code reads (and every meter name, spelled the same way) is in the
 * configuration reference of the user guide.
 */
class ConfigurationReferenceTest {
    /** A property name as the code spells it: a string literal {@code "ensemble.something"}. */
    private static final Pattern PROPERTY = Pattern.compile("\"(ensemble\\.[A-Za-z][A-Za-z0-9.]*)\"");

    @Test
    void everySystemPropertyReadByMainCode_isInTheConfigurationReference() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Set<String> read = new TreeSet<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path main : modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).toList()) {
                try (Stream<Path> files = Files.walk(main)) {
                    for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                        Matcher m = PROPERTY.matcher(Files.readString(file));
                        while (m.find()) {
                            read.add(m.group(1));
                        }
                    }
                }
            }
        }
        String reference = Files.readString(root.resolve("docs/configuration.md"));
        assertThat(read).as("properties read by the code").isNotEmpty()
                .allSatisfy(p -> assertThat(reference).as("docs/configuration.md mentions " + p).contains("`" + p + "`"));
    }
}
