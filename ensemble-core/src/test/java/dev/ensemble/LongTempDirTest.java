package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application whose {@code java.io.tmpdir} is long (CI runners, Bazel's {@code TEST_TMPDIR}) runs process
 * pools: a Unix domain socket's path holds at most about 100 bytes, whatever the temporary directory is.
 */
@ExtendWith(LeakCheck.class)
class LongTempDirTest {
    /** The length of the temporary directory's path, beyond what a socket path can hold. */
    private static final int TMPDIR_LENGTH = 150;

    @TempDir
    Path dir;

    @Test
    void aTempDirOf150Characters_runsProcessPools() throws Exception {
        Path app = ChildApplications.compileMain(dir, ChildApplications.POOLS_MAIN);
        StringBuilder name = new StringBuilder(dir.resolve("tmp").toString()).append('/');
        while (name.length() < TMPDIR_LENGTH) {
            name.append("a-long-temporary-directory/".substring(0, Math.min(27, TMPDIR_LENGTH - name.length())));
        }
        Path tmp = Files.createDirectories(Path.of(name.toString()));
        assertThat(tmp.toString()).hasSizeGreaterThanOrEqualTo(TMPDIR_LENGTH);
        List<String> classPath = new ArrayList<>(ChildApplications.libraryEntries());
        classPath.add(app.toString());

        String output = JavaApplication.run("-Djava.io.tmpdir=" + tmp, "-cp",
                String.join(File.pathSeparator, classPath), "app.Main");

        assertThat(output.lines()).as(output).contains("map: [11, 14, 19]", "ensemble: [ok, ok]");
        try (var left = Files.list(tmp)) {
            assertThat(left.toList()).as("left in java.io.tmpdir").isEmpty();
        }
    }
}
