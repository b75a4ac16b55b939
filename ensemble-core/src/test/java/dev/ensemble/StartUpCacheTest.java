package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up cache that worker JVMs map holds a worker's own start path: an application's first pool trains it
 * (its close waits for that), and a later application's worker loads its main class and the classes it starts
 * with from the cache, not from the library's jar.
 */
@ExtendWith(LeakCheck.class)
class StartUpCacheTest {
    @TempDir
    Path dir;

    private static final String MAIN = """
            package app;

            import dev.ensemble.WorkerPool;

            public class Main {
                public static void main(String[] args) throws Exception {
                    WorkerPool.Builder builder = WorkerPool.builder().processes().workers(1);
                    if (args.length > 0) {
                        builder.jvmArgs(args[0]);
                    }
                    try (WorkerPool pool = builder.build()) {
                        System.out.println("answer: " + pool.apply(() -> 6 * 7));
                    }
                }
            }
            """;

    @Test
    void aFirstPoolTrainsTheCache_andLaterWorkersStartFromIt() throws Exception {
        Path app = ChildApplications.compileMain(dir, MAIN);
        List<String> classPath = new ArrayList<>(ChildApplications.libraryEntries());
        classPath.add(app.toString());
        Path cacheHome = Files.createDirectories(dir.resolve("cache-home"));
        Map<String, String> environment = Map.of("XDG_CACHE_HOME", cacheHome.toString());
        String cp = String.join(File.pathSeparator, classPath);

        assertThat(JavaApplication.run(environment, "-cp", cp, "app.Main")).contains("answer: 42");
        Path caches = cacheHome.resolve("ensemble").resolve("aot");
        try (Stream<Path> files = Files.list(caches)) {
            assertThat(files.filter(f -> f.toString().endsWith(".aot")).toList())
                    .as("the cache the first pool's training wrote").hasSize(1);
        }

        Path log = dir.resolve("worker-classes.log");
        assertThat(JavaApplication.run(environment, "-cp", cp, "app.Main", "-Xlog:class+load=info:file=" + log))
                .contains("answer: 42");
        List<String> loaded = Files.readAllLines(log);
        for (String started : List.of("dev.ensemble.internal.process.WorkerMain",
                "dev.ensemble.internal.process.ParentDeath", "dev.ensemble.internal.process.WorkerHooks",
                "dev.ensemble.internal.process.ChunkDecoder", "dev.ensemble.internal.worker.ChunkRunner")) {
            assertThat(loaded).as("how the worker loaded %s", started)
                    .anyMatch(line -> line.contains(" " + started + " source: shared objects file"));
        }
    }
}
