package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pool's JVM killed with {@code kill -9} while its workers are busy leaves nothing behind: its worker JVMs
 * exit, and its private directory (sockets, marks, crash logs) and its shared-memory files are deleted, within
 * five seconds. Nothing in the dead JVM can do it (no shutdown hook runs on SIGKILL): the workers notice the end
 * of the pipe from their pool's JVM and clean up before they exit.
 */
@ExtendWith(LeakCheck.class)
class ParentDeathTest {
    private static final long CLEANUP_NANOS = TimeUnit.SECONDS.toNanos(5);

    @TempDir
    Path temp;

    /**
     * The pool's JVM: builds a pool of two worker processes and a shared array, reports its workers, then keeps
     * them busy with tasks that read the array, until it is killed.
     */
    public static final class BusyPool {
        public static void main(String[] args) throws Exception {
            Path marks = Path.of(args[0]);
            WorkerPool pool = WorkerPool.builder().workers(2).processes().build();
            SharedArray.OfDouble array = SharedArray.ofDoubles(100_000);
            List<String> workers = pool.broadcast(() -> {
                String socket = Stream.of(ProcessHandle.current().info().arguments().orElseThrow())
                        .filter(a -> a.endsWith(".sock")).findFirst().orElseThrow();
                return ProcessHandle.current().pid() + " " + Path.of(socket).getParent();
            });
            String marksDir = marks.toString();
            pool.mapAsync(IntStream.range(0, 10_000_000).boxed().toList(), i -> {
                Path busy = Path.of(marksDir, "busy-" + ProcessHandle.current().pid());
                if (!Files.exists(busy)) {
                    Files.createFile(busy);
                }
                Thread.sleep(2);
                return array.get(i % 100_000) + i;
            });
            System.out.println("POOL " + ProcessHandle.current().pid() + " " + array.file() + " " + workers);
            System.out.flush();
            Thread.sleep(TimeUnit.MINUTES.toMillis(2)); // until killed
        }
    }

    @Test
    void poolJvmKilledWhileBusy_leavesNoWorkerAndNoFile_withinFiveSeconds() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = temp.resolve("pool-jvm.log");
        Process parent = new ProcessBuilder(java, "--sun-misc-unsafe-memory-access=allow", "-cp",
                System.getProperty("java.class.path"), BusyPool.class.getName(), temp.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        List<ProcessHandle> workers = new ArrayList<>();
        try {
            String line = awaitLine(log, "POOL ", parent);
            // POOL <pid> <shm file> [<pid> <dir>, <pid> <dir>]
            String[] words = line.replaceAll("[\\[\\],]", " ").trim().split("\\s+");
            Path shmFile = Path.of(words[2]);
            Path shmDir = shmFile.getParent();
            List<Path> poolDirs = new ArrayList<>();
            for (int i = 3; i + 1 < words.length; i += 2) {
                workers.add(ProcessHandle.of(Long.parseLong(words[i])).orElseThrow());
                poolDirs.add(Path.of(words[i + 1]));
            }
            assertThat(workers).hasSize(2);
            assertThat(shmFile).exists();
            assertThat(poolDirs).allSatisfy(d -> assertThat(d).isDirectory());
            for (ProcessHandle worker : workers) {
                awaitFile(temp.resolve("busy-" + worker.pid()));
            }
            parent.destroyForcibly(); // SIGKILL: no shutdown hook, no close
            long killed = System.nanoTime();
            assertThat(parent.waitFor(10, TimeUnit.SECONDS)).isTrue();
            while (System.nanoTime() - killed < CLEANUP_NANOS && !(workers.stream().noneMatch(ProcessHandle::isAlive)
                    && poolDirs.stream().noneMatch(Files::exists) && !Files.exists(shmDir))) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            String output = "\nthe output of the pool's JVM and its workers:\n" + Files.readString(log);
            assertThat(workers).as("worker JVMs" + output).noneMatch(ProcessHandle::isAlive);
            assertThat(poolDirs).as("the pool's private directory" + output)
                    .allSatisfy(d -> assertThat(d).doesNotExist());
            assertThat(shmDir).as("the pool JVM's shared-memory directory" + output).doesNotExist();
        } finally {
            parent.destroyForcibly();
            workers.forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** The first line of {@code log} that starts with {@code prefix}, once written. */
    private static String awaitLine(Path log, String prefix, Process writer) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
            assertThat(writer.isAlive() && System.nanoTime() < deadline)
                    .as("the pool's JVM reports its pool; its output: %s", Files.readString(log)).isTrue();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    private static void awaitFile(Path file) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(file)) {
            assertThat(System.nanoTime()).as("a task wrote " + file).isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
