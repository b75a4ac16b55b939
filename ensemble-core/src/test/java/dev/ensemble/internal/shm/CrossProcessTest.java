package dev.ensemble.internal.shm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ensemble.LeakCheck;
import dev.ensemble.SharedArray;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Shared arrays between JVMs this test starts itself (no pool): crash cleanup, exit cleanup, atomics. */
@ExtendWith(LeakCheck.class)
@Timeout(120)
class CrossProcessTest {
    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void noChildAndNoFileLeft() {
        for (Process child : children) {
            child.destroyForcibly();
        }
        assertThat(ShmDirectory.liveFiles()).isEmpty();
        assertThat(ShmDirectory.directory()).doesNotExist();
    }

    @Test
    void filesOfAJvmKilledWithSigkill_areDeletedByTheNextCleanup() throws Exception {
        Process child = start("hold");
        Path file = readyFile(child);
        assertThat(file).exists();
        child.destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(file).exists();

        assertThat(ShmDirectory.cleanStale()).isGreaterThanOrEqualTo(1);
        assertThat(file).doesNotExist();
        assertThat(file.getParent()).doesNotExist();
    }

    @Test
    void filesOfAJvmThatExitsWithoutClosing_areDeletedOnItsExit() throws Exception {
        Process child = start("exit");
        Path file = readyFile(child);
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isZero();
        assertThat(file).doesNotExist();
        assertThat(file.getParent()).doesNotExist();
    }

    @Test
    void twoProcesses_incrementACounterAtomically_andTheParentSeesTheirWrites() throws Exception {
        try (SharedArray.OfLong counter = SharedArray.ofLongs(3)) {
            String handle = base64(counter);
            Process first = start("add", handle, "500000", "1");
            Process second = start("add", handle, "500000", "2");
            for (Process child : List.of(first, second)) {
                try (BufferedReader out = reader(child)) {
                    assertThat(out.readLine()).isEqualTo("DONE");
                }
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(child.exitValue()).isZero();
            }
            assertThat(counter.get(0)).isEqualTo(1_000_000);
            assertThat(counter.get(1)).isEqualTo(500_000);
            assertThat(counter.get(2)).isEqualTo(500_000);
        }
    }

    private Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                ShmChild.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        children.add(process);
        return process;
    }

    private static Path readyFile(Process child) throws IOException {
        String line = reader(child).readLine();
        assertThat(line).as("the child's first line").startsWith("READY ");
        return Path.of(line.substring("READY ".length()));
    }

    private static BufferedReader reader(Process child) {
        return new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    }

    private static String base64(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }
}
