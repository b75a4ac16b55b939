package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application on the module path (a named module that requires {@code dev.ensemble}, every library on the
 * module path, nothing on the class path) runs tasks on worker processes: its lambdas are sent, rebuilt in
 * workers started on the same module path, and run there.
 */
@ExtendWith(LeakCheck.class)
class ModulePathTest {
    @TempDir
    Path dir;

    private static final String MAIN = """
            package app;

            import dev.ensemble.WorkerPool;
            import java.util.List;

            public class Main {
                public static void main(String[] args) {
                    try (WorkerPool pool = WorkerPool.processes(2)) {
                        int offset = 10;
                        System.out.println("map: " + pool.map(List.of(1, 2, 3), x -> x * x + offset));
                        System.out.println("module: " + pool.apply(() -> Main.class.getModule().getName()));
                        System.out.println("workers: " + pool.broadcast(() -> ProcessHandle.current().pid()).stream()
                                .distinct().count());
                    }
                }
            }
            """;

    /** Where the library and what it requires were loaded from: the module path of the application. */
    private static String libraryModulePath() throws Exception {
        Set<String> entries = new LinkedHashSet<>();
        for (String anchor : List.of("dev.ensemble.WorkerPool", "org.apache.fory.Fory",
                "me.tongfei.progressbar.ProgressBar", "org.jline.terminal.Terminal")) {
            entries.add(Path.of(Class.forName(anchor).getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString());
        }
        return String.join(File.pathSeparator, entries);
    }

    @Test
    void anApplicationModule_runsTasksOnWorkerProcesses() throws Exception {
        Path source = dir.resolve("src/app");
        Files.createDirectories(source.resolve("app"));
        Files.writeString(source.resolve("module-info.java"), "module app { requires dev.ensemble; }");
        Files.writeString(source.resolve("app/Main.java"), MAIN);
        String modulePath = libraryModulePath();
        Path out = dir.resolve("out");
        // java.util.spi.ToolProvider: the tests run inside module dev.ensemble, which does not read java.compiler.
        int compiled = ToolProvider.findFirst("javac").orElseThrow().run(System.out, System.err, "--module-path",
                modulePath, "-d", out.resolve("app").toString(), source.resolve("module-info.java").toString(),
                source.resolve("app/Main.java").toString());
        assertThat(compiled).as("the application module compiles").isZero();

        String output = JavaApplication.run("--module-path", modulePath + File.pathSeparator + out, "-m",
                "app/app.Main");
        List<String> lines = output.lines().collect(Collectors.toList());
        assertThat(lines).as(output).contains("map: [11, 14, 19]", "module: app", "workers: 2");
    }

    private static final String RECORDS = """
            package app;

            import dev.ensemble.TaskFailedException;
            import dev.ensemble.WorkerPool;
            import java.util.List;

            public class Main {
                public record Point(int x, int y) {
                }

                public static void main(String[] args) {
                    try (WorkerPool pool = WorkerPool.processes(1)) {
                        System.out.println("points: " + pool.map(List.of(1, 2, 3), x -> new Point(x, x * x)));
                    } catch (TaskFailedException e) {
                        StringBuilder chain = new StringBuilder("failed:");
                        for (Throwable t = e; t != null; t = t.getCause()) {
                            chain.append(' ').append(t.getMessage());
                        }
                        System.out.println(chain);
                    }
                }
            }
            """;

    private String runRecords(String moduleInfo) throws Exception {
        Path source = Files.createDirectories(Files.createTempDirectory(dir, "src").resolve("app"));
        Files.createDirectories(source.resolve("app"));
        Files.writeString(source.resolve("module-info.java"), moduleInfo);
        Files.writeString(source.resolve("app/Main.java"), RECORDS);
        String modulePath = libraryModulePath();
        Path out = Files.createTempDirectory(dir, "out");
        int compiled = ToolProvider.findFirst("javac").orElseThrow().run(System.out, System.err, "--module-path",
                modulePath, "-d", out.resolve("app").toString(), source.resolve("module-info.java").toString(),
                source.resolve("app/Main.java").toString());
        assertThat(compiled).as("the application module compiles").isZero();
        return JavaApplication.run("--module-path", modulePath + File.pathSeparator + out, "-m", "app/app.Main");
    }

    @Test
    void anApplicationModule_getsItsOwnRecordsBack_onceItOpensTheirPackage() throws Exception {
        String open = runRecords("module app { requires dev.ensemble; opens app; }");
        assertThat(open.lines()).as(open).contains("points: [Point[x=1, y=1], Point[x=2, y=4], Point[x=3, y=9]]");
        String closed = runRecords("module app { requires dev.ensemble; }");
        assertThat(closed.lines().filter(l -> l.startsWith("failed:")).findFirst()).as(closed).hasValueSatisfying(
                failure -> assertThat(failure).contains("app.Main$Point", "\"opens app;\"",
                        "module app's module-info.java"));
    }
}
