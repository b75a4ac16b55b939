package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.spi.ToolProvider;

/**
 * Small applications compiled by a test and run in a JVM of their own ({@link JavaApplication}), on a class path
 * of the library's classes and what it requires: for the shapes in which applications are launched.
 */
final class ChildApplications {
    private ChildApplications() {
    }

    /** A main class that runs a process pool and an instance pool, printing what they return. */
    static final String POOLS_MAIN = """
            package app;

            import dev.ensemble.Ensemble;
            import dev.ensemble.WorkerPool;
            import java.util.List;

            public class Main {
                public static void main(String[] args) {
                    try (WorkerPool pool = WorkerPool.processes(2)) {
                        int offset = 10;
                        System.out.println("map: " + pool.map(List.of(1, 2, 3), x -> x * x + offset));
                    }
                    try (Ensemble<StringBuilder> builders = Ensemble.processes(2, StringBuilder::new)) {
                        System.out.println("ensemble: " + builders.broadcast(b -> b.append("ok").toString()));
                    }
                }
            }
            """;

    /** Where the library and what it requires were loaded from, in class path order. */
    static List<String> libraryEntries() throws Exception {
        Set<String> entries = new LinkedHashSet<>();
        for (String anchor : List.of("dev.ensemble.WorkerPool", "org.apache.fory.Fory",
                "me.tongfei.progressbar.ProgressBar", "org.jline.terminal.Terminal")) {
            entries.add(Path.of(Class.forName(anchor).getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString());
        }
        return new ArrayList<>(entries);
    }

    /**
     * Compiles {@code app.Main} from {@code source} against the library.
     *
     * @return the directory of its classes
     */
    static Path compileMain(Path dir, String source) throws Exception {
        Path sourceFile = dir.resolve("src/app/Main.java");
        Files.createDirectories(sourceFile.getParent());
        Files.writeString(sourceFile, source);
        Path out = dir.resolve("app-classes");
        // java.util.spi.ToolProvider: the tests run inside module dev.ensemble, which does not read java.compiler.
        int compiled = ToolProvider.findFirst("javac").orElseThrow().run(System.out, System.err, "-cp",
                String.join(File.pathSeparator, libraryEntries()), "-d", out.toString(), sourceFile.toString());
        assertThat(compiled).as("the application compiles").isZero();
        return out;
    }

    /**
     * Writes a {@code java} argument file that sets {@code -cp} (quoted, so any path fits).
     *
     * @return the file, to pass as {@code @file}
     */
    static Path classPathArgFile(Path dir, List<String> entries) throws Exception {
        String classPath = String.join(File.pathSeparator, entries).replace("\\", "\\\\").replace("\"", "\\\"");
        Path file = dir.resolve("classpath.args");
        Files.writeString(file, "-cp \"" + classPath + "\"\n");
        return file;
    }
}
