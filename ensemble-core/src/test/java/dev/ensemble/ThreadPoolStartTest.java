package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thread pool's first result, in a fresh JVM, loads nothing that only worker processes, JMX, progress bars or a
 * timeout need: each class a cold JVM loads from a jar costs it about 0.3 ms here (docs/start-up.md), and a thread
 * pool is to start like an {@code ExecutorService}. Run in a JVM of its own, with the JVM's class-loading log.
 */
@ExtendWith(LeakCheck.class)
class ThreadPoolStartTest {
    /** The application: a thread pool's first result, as a command-line tool would get it. */
    public static final class FirstResult {
        public static void main(String[] args) {
            try (WorkerPool pool = WorkerPool.threads(2)) {
                System.out.println("first: " + pool.apply(() -> 40 + 2));
            }
        }
    }

    @Test
    void aThreadPoolsFirstResult_loadsNothingOfProcessesJmxProgressOrTimeouts(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("classes.log");
        String output = JavaApplication.run("-Xlog:class+load=info:file=" + log, "-cp",
                System.getProperty("java.class.path"), FirstResult.class.getName());
        assertThat(output).contains("first: 42");
        List<String> loaded = Files.readAllLines(log).stream()
                .map(line -> line.replaceFirst("^.*\\] ", "").replaceFirst(" source: .*$", ""))
                .toList();
        assertThat(loaded).as("the log of the JVM's loaded classes").contains(WorkerPool.class.getName());
        assertThat(loaded).as("classes a thread pool's first result must not load").noneMatch(name ->
                name.startsWith("dev.ensemble.internal.process.") // worker processes
                        || name.startsWith("dev.ensemble.internal.wire.") // their transport and serialization
                        || name.startsWith("org.apache.fory.")
                        || name.startsWith("javax.management.") // the JMX bean, registered seconds later
                        || name.startsWith("java.lang.management.")
                        || name.startsWith("me.tongfei.progressbar.") // progress bars, on request
                        || name.startsWith("org.jline.")
                        || name.startsWith("jdk.jfr.events.") // flight recorder events, while recording
                        || name.equals("dev.ensemble.TaskTimeoutException") // timeouts, when one passes
                        || name.equals("dev.ensemble.CallTimeoutException")
                        || name.startsWith("dev.ensemble.internal.worker.Watchdog")
                        || name.equals("java.lang.ThreadBuilders$PlatformThreadBuilder") // no ExecutorService loads
                        || name.equals("java.util.concurrent.CompletableFuture")
                        || name.equals("java.util.concurrent.atomic.LongAdder"));
    }
}
