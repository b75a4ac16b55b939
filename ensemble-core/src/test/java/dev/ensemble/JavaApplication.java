package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A Java application run to its end in a JVM of its own: for what only a fresh JVM shows. */
final class JavaApplication {
    private JavaApplication() {
    }

    /**
     * Runs {@code java ARGUMENTS} (with Fory's Unsafe access allowed) and checks that it ends within 60 s with
     * exit code 0.
     *
     * @param arguments the JVM's arguments: options, class path or module path, main class or module
     * @return its standard output and error, merged
     * @throws Exception if it cannot be started or read
     */
    static String run(String... arguments) throws Exception {
        return run(java.util.Map.of(), arguments);
    }

    /**
     * As {@link #run(String...)}, with more environment variables.
     *
     * @param environment variables to set for the application
     * @param arguments the JVM's arguments
     * @return its standard output and error, merged
     * @throws Exception if it cannot be started or read
     */
    static String run(java.util.Map<String, String> environment, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--sun-misc-unsafe-memory-access=allow"));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process app = builder.start();
        String output;
        try {
            output = new String(app.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("the application ends").isTrue();
        } finally {
            app.destroyForcibly();
        }
        assertThat(app.exitValue()).as("exit code; output:%n%s", output).isZero();
        return output;
    }
}
