package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shared memory where {@code /dev/shm} is not the place (macOS, a container with a small one): an application
 * started with {@code -Densemble.shm.dir} on an ordinary directory shares arrays and large messages with its
 * worker processes there, and leaves nothing behind.
 */
@ExtendWith(LeakCheck.class)
class ShmDirectoryElsewhereTest {
    @TempDir
    Path dir;

    static final String MAIN = """
            package app;

            import dev.ensemble.SharedArray;
            import dev.ensemble.WorkerPool;
            import java.nio.file.Files;
            import java.nio.file.Path;
            import java.util.List;

            public class Main {
                public static void main(String[] args) throws Exception {
                    try (WorkerPool pool = WorkerPool.processes(2);
                            SharedArray.OfDouble a = SharedArray.ofDoubles(1 << 20)) {
                        List<Long> done = pool.mapChunks(a, 1 << 19, chunk -> {
                            for (long i = chunk.from(); i < chunk.to(); i++) {
                                a.set(i, 1.0);
                            }
                            return chunk.length();
                        });
                        try (var files = Files.walk(Path.of(args[0]))) {
                            System.out.println("files there: " + files.filter(Files::isRegularFile).count());
                        }
                        double[] big = pool.apply(() -> new double[1 << 19]); // 4 MiB: a shared-memory message
                        System.out.println("sum " + a.sum() + " chunks " + done.size() + " big " + big.length);
                    }
                }
            }
            """;

    @Test
    void sharedArraysAndLargeMessages_workInAnOrdinaryDirectory() throws Exception {
        Path app = ChildApplications.compileMain(dir, MAIN);
        Path shm = Files.createDirectories(dir.resolve("shm"));
        List<String> classPath = new ArrayList<>(ChildApplications.libraryEntries());
        classPath.add(app.toString());

        String output = JavaApplication.run("-Densemble.shm.dir=" + shm, "-cp",
                String.join(File.pathSeparator, classPath), "app.Main", shm.toString());

        assertThat(output.lines()).as(output).contains("sum 1048576.0 chunks 2 big 524288");
        assertThat(output).as(output).containsPattern("files there: [1-9]");
        try (Stream<Path> left = Files.list(shm)) {
            assertThat(left.toList()).as("left in the shared-memory directory").isEmpty();
        }
    }
}
