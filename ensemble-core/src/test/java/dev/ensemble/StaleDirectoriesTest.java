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
 * The private directories that killed JVMs leave in the temporary directory (worker sockets, position files) are
 * deleted by the next JVM's first pool, as safely as the shared-memory ones: only when their JVM is gone.
 */
@ExtendWith(LeakCheck.class)
class StaleDirectoriesTest {
    @TempDir
    Path dir;

    @Test
    void aDeadJvmsPoolDirectory_isDeletedByTheNextJvmsFirstPool_aLiveOnesIsKept() throws Exception {
        Path app = ChildApplications.compileMain(dir, ChildApplications.POOLS_MAIN);
        Path tmp = Files.createDirectories(dir.resolve("t"));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path stale = Files.createDirectory(tmp.resolve("ensemble-" + gone.pid() + "-0123456789abcdef"));
        Files.write(stale.resolve("w0-0.pos"), new byte[8]);
        Path live = Files.createDirectory(tmp.resolve("ensemble-" + ProcessHandle.current().pid()
                + "-fedcba9876543210"));
        List<String> classPath = new ArrayList<>(ChildApplications.libraryEntries());
        classPath.add(app.toString());

        String output = JavaApplication.run("-Djava.io.tmpdir=" + tmp, "-cp",
                String.join(File.pathSeparator, classPath), "app.Main");

        assertThat(output.lines()).as(output).contains("map: [11, 14, 19]");
        assertThat(stale).doesNotExist();
        assertThat(live).isDirectory();
        Files.delete(live);
    }
}
