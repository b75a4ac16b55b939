package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What users read when something they did fails with worker processes: it names what they set and what to do,
 * never one of the library's internal classes or a serializer's own advice.
 */
@ExtendWith(LeakCheck.class)
class UserMessagesTest {
    @TempDir
    Path dir;

    /** Every line a user would see of a failure: its and its causes' and suppressed exceptions' texts. */
    private static String everything(Throwable failure) {
        List<String> texts = new ArrayList<>();
        collect(failure, texts);
        return String.join("\n", texts);
    }

    private static void collect(Throwable t, List<String> texts) {
        if (t == null || texts.size() > 50) {
            return;
        }
        texts.add(t.toString());
        for (Throwable s : t.getSuppressed()) {
            collect(s, texts);
        }
        collect(t.getCause(), texts);
    }

    @Test
    void anInstanceFactoryCapturingAThread_isBlamedAsTheInstanceFactory() {
        Thread thread = Thread.currentThread();
        Throwable failure = catchThrowable(() -> Ensemble.builder(() -> new StringBuilder(thread.getName()))
                .workers(1).processes().build().close());
        assertThat(failure).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the instance factory").hasMessageNotContaining("onWorkerStart");
    }

    @Test
    void aClusterBackendNoModuleServes_isRefusedNamingTheModuleToAdd() {
        ClusterBackend homeMade = () -> "my own cluster";
        Throwable failure = catchThrowable(() -> WorkerPool.builder().cluster(homeMade).build().close());
        assertThat(failure).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("my own cluster").hasMessageContaining("ensemble-hazelcast");
        assertThat(everything(failure)).doesNotContain("dev.ensemble.internal");
    }

    @Test
    void aWorkerThatDiesWhileStarting_isReportedWithoutInternalClassNames() {
        Throwable failure = catchThrowable(() -> WorkerPool.builder().workers(1).processes()
                .onWorkerStart(context -> Runtime.getRuntime().halt(3)).build().close());
        assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessageContaining("failed to start");
        assertThat(everything(failure)).doesNotContain("dev.ensemble.internal", "$", "AsynchronousCloseException",
                ": null");
    }

    @Test
    void aTaskCapturingAClassWorkersCannotLoad_isExplainedWithoutTheSerializersAdvice() throws Exception {
        Path source = dir.resolve("src/elsewhere/Secret.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, "package elsewhere; public class Secret implements java.io.Serializable {}");
        int compiled = java.util.spi.ToolProvider.findFirst("javac").orElseThrow().run(System.out, System.err,
                "-d", dir.resolve("classes").toString(), source.toString());
        assertThat(compiled).isZero();
        try (java.net.URLClassLoader loader = new java.net.URLClassLoader(
                new java.net.URL[] {dir.resolve("classes").toUri().toURL()}, null);
                WorkerPool pool = WorkerPool.processes(1)) {
            Object secret = loader.loadClass("elsewhere.Secret").getConstructor().newInstance();
            Throwable failure = catchThrowable(() -> pool.map(List.of(1), x -> secret.hashCode() + x));
            assertThat(failure).isInstanceOf(IllegalArgumentException.class);
            assertThat(everything(failure)).contains("elsewhere.Secret")
                    .doesNotContain("AllowListChecker", "allow list");
        }
    }
}
