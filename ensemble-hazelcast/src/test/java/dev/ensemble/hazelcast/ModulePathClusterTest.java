package dev.ensemble.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import dev.ensemble.LeakCheck;
import dev.ensemble.WorkerPool;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application module on the module path (nothing on the class path) builds a pool on a Hazelcast member of its
 * own: core finds the cluster module through its {@code provides}, and the pool's setup (a record of the
 * application as its shared object) and tasks travel to the member once the application opens its package; a
 * module that does not is told which line to add.
 */
@ExtendWith(LeakCheck.class)
class ModulePathClusterTest {
    @TempDir
    Path dir;

    private static final String MAIN = """
            package app;

            import com.hazelcast.config.Config;
            import com.hazelcast.config.JoinConfig;
            import com.hazelcast.core.Hazelcast;
            import com.hazelcast.core.HazelcastInstance;
            import dev.ensemble.WorkerPool;
            import dev.ensemble.hazelcast.HazelcastBackend;
            import java.net.InetAddress;
            import java.net.ServerSocket;
            import java.util.List;
            import java.util.UUID;

            public class Main {
                public record Point(int x, int y) {
                }

                public static void main(String[] args) throws Exception {
                    int port;
                    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                        port = probe.getLocalPort();
                    }
                    Config config = new Config().setClusterName("module-path-" + UUID.randomUUID());
                    config.setProperty("hazelcast.phone.home.enabled", "false");
                    config.setProperty("hazelcast.logging.type", "none");
                    config.getNetworkConfig().setPort(port).setPortAutoIncrement(false).getInterfaces()
                            .setEnabled(true).addInterface("127.0.0.1");
                    JoinConfig join = config.getNetworkConfig().getJoin();
                    join.getMulticastConfig().setEnabled(false);
                    join.getAutoDetectionConfig().setEnabled(false);
                    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + port);
                    HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
                    try (WorkerPool pool = WorkerPool.builder().cluster(HazelcastBackend.of(member).workersPerMember(2))
                            .sharedObjects(new Point(0, 0)).build()) {
                        int offset = 10;
                        System.out.println("map: " + pool.map(List.of(1, 2, 3), x -> new Point(x, x * x + offset)));
                        System.out.println("size: " + pool.size());
                    } finally {
                        member.shutdown();
                    }
                }
            }
            """;

    /** Where a class was loaded from: the jar (or classes directory) that becomes a module path entry. */
    private static String locationOf(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private record Result(int exit, String output) {
    }

    /** Compiles the application module with {@code moduleInfo} and runs it on the module path. */
    private Result run(String moduleInfo) throws Exception {
        Set<String> entries = new LinkedHashSet<>();
        for (Class<?> anchor : List.of(WorkerPool.class, HazelcastBackend.class, HazelcastInstance.class,
                org.apache.fory.Fory.class, me.tongfei.progressbar.ProgressBar.class,
                org.jline.terminal.Terminal.class)) {
            entries.add(locationOf(anchor));
        }
        String modulePath = String.join(File.pathSeparator, entries);
        Path source = Files.createDirectories(Files.createTempDirectory(dir, "src").resolve("app"));
        Files.writeString(source.resolve("module-info.java"), moduleInfo);
        Files.createDirectories(source.resolve("app"));
        Files.writeString(source.resolve("app/Main.java"), MAIN);
        Path out = Files.createTempDirectory(dir, "out");
        int compiled = ToolProvider.findFirst("javac").orElseThrow().run(System.out, System.err, "--module-path",
                modulePath, "-d", out.resolve("app").toString(), source.resolve("module-info.java").toString(),
                source.resolve("app/Main.java").toString());
        assertThat(compiled).as("the application module compiles").isZero();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                // Hazelcast, an automatic module, needs JDK modules that nothing requires (javax.transaction.xa): its
                // own start-up warning asks for --add-modules java.se.
                .toString(), "--sun-misc-unsafe-memory-access=allow", "--add-modules", "java.se", "--module-path",
                modulePath + File.pathSeparator + out, "-m", "app/app.Main"));
        Process app = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(app.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("the application ends").isTrue();
            return new Result(app.exitValue(), output);
        } finally {
            app.destroyForcibly();
        }
    }

    @Test
    void anApplicationModule_runsAClusterPool_foundThroughTheModulesProvides() throws Exception {
        Result result = run("module app { requires dev.ensemble.hazelcast; opens app; }");
        assertThat(result.exit()).as("exit code; output:%n%s", result.output()).isZero();
        assertThat(result.output().lines()).as(result.output()).contains(
                "map: [Point[x=1, y=11], Point[x=2, y=14], Point[x=3, y=19]]", "size: 2");
    }

    @Test
    void anApplicationModuleThatKeepsItsPackageClosed_isToldWhichLineToAdd() throws Exception {
        Result result = run("module app { requires dev.ensemble.hazelcast; }");
        assertThat(result.exit()).as(result.output()).isNotZero();
        String failure = result.output().lines().filter(l -> l.startsWith("Exception in thread")).findFirst()
                .orElse(result.output());
        assertThat(failure).contains("the pool's sharedObjects", "app.Main$Point", "\"opens app;\"",
                "module app's module-info.java").doesNotContain("dev.ensemble.internal");
    }
}
