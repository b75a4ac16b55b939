package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application launched with a class path of thousands of entries (as IDEs, Gradle and Bazel do, through an
 * argument file) runs process pools: its workers get the same class path, though one command-line argument
 * could not hold it.
 */
@ExtendWith(LeakCheck.class)
class LongClassPathTest {
    /** Entries of the class path, as many as a large Gradle or Bazel build puts there. */
    private static final int ENTRIES = 3_000;
    /** Of those, how many are real (empty) directories; the rest do not exist, which the JVM allows. */
    private static final int REAL_DIRECTORIES = 300;

    @TempDir
    Path dir;

    @Test
    void aClassPathOfThreeThousandEntries_runsProcessPools() throws Exception {
        Path app = ChildApplications.compileMain(dir, ChildApplications.POOLS_MAIN);
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < ENTRIES; i++) {
            // A path as long as those of a build cache, about 100 characters.
            Path entry = dir.resolve("caches/modules-2/files-2.1/org.example.group" + i + "/artifact-" + i
                    + "/1.0.0/0123456789abcdef0123456789abcdef01234567");
            if (i < REAL_DIRECTORIES) {
                Files.createDirectories(entry);
            }
            entries.add(entry.toString());
        }
        entries.add(ENTRIES / 2, app.toString());
        entries.addAll(ENTRIES / 3, ChildApplications.libraryEntries());

        String output = JavaApplication.run("@" + ChildApplications.classPathArgFile(dir, entries), "app.Main");

        assertThat(output.lines()).as(output).contains("map: [11, 14, 19]", "ensemble: [ok, ok]");
    }

    @Test
    void theArgumentFile_isPrivateToItsUser_andRemovedWithThePool() throws Exception {
        Path file;
        try (WorkerPool pool = WorkerPool.processes(1)) {
            assertThat(pool.apply(() -> 1)).isEqualTo(1);
            file = ProcessHandle.current().children().flatMap(p -> Stream.of(p.info().arguments().orElse(
                    new String[0]))).filter(a -> a.startsWith("@")).map(a -> Path.of(a.substring(1))).findFirst()
                    .orElseThrow(() -> new AssertionError("no worker started with an argument file"));
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(Files.readString(file)).contains(System.getProperty("java.class.path"));
        }
        assertThat(file).doesNotExist();
    }
}
