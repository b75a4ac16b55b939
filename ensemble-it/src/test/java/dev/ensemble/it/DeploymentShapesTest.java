package dev.ensemble.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ensemble.LeakCheck;
import dev.ensemble.WorkerPool;
import dev.ensemble.hazelcast.HazelcastBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A user's application (an own record, an own exception, a process pool, a {@code SharedArray}, an instance pool
 * of processes, a pool on a Hazelcast cluster of its own) built by Maven from a real POM in every shape users ship, then run the way each shape is run. The
 * application's build reads this build's local repository and downloads nothing it already holds; the library
 * comes from this reactor, placed in a repository of the test's own.
 */
@ExtendWith(LeakCheck.class)
class DeploymentShapesTest {
    /** What the application prints when every feature works (its own test expects the same). */
    private static final List<String> WORKS = List.of(
            "map: [Point[x=1, y=1], Point[x=2, y=4], Point[x=3, y=9]] own class: true",
            "failure: bad 2 own class: true",
            "shared: 499500.0 read back: 999.0",
            "ensemble: [2, 2]",
            "cluster: [Point[x=1, y=1], Point[x=2, y=4], Point[x=3, y=9]] own class: true");
    private static final Path WORK = Path.of("target", "it").toAbsolutePath();
    private static final Path APP = WORK.resolve("app");

    private static String buildLog;

    @BeforeAll
    static void buildTheApplication() throws Exception {
        // The repository is kept between runs (what the application's build downloaded), the library replaced.
        Path repository = WORK.resolve("repository");
        deleteTree(APP);
        deleteTree(repository.resolve("dev/ensemble"));
        copyTemplate(Path.of(DeploymentShapesTest.class.getResource("/shapes").toURI()), APP);
        installLibrary(repository);
        List<String> command = new ArrayList<>(List.of(Path.of(property("ensemble.it.mavenHome"), "bin", "mvn")
                .toString(), "-B", "-Dmaven.repo.local=" + repository,
                "-Dmaven.repo.local.tail=" + property("ensemble.it.localRepository"),
                "-Dstyle.color=never", "package", "exec:java"));
        ProcessBuilder maven = new ProcessBuilder(command).directory(APP.toFile()).redirectErrorStream(true)
                .redirectOutput(WORK.resolve("build.log").toFile());
        maven.environment().put("JAVA_HOME", System.getProperty("java.home"));
        maven.environment().remove("MAVEN_ARGS");
        Process build = maven.start();
        try {
            assertThat(build.waitFor(5, TimeUnit.MINUTES)).as("the application's Maven build ends").isTrue();
        } finally {
            build.destroyForcibly();
        }
        buildLog = Files.readString(WORK.resolve("build.log"));
        assertThat(build.exitValue()).as("the application's Maven build; its log:%n%s", buildLog).isZero();
    }

    @Test
    void aTestUnderSurefiresDefaults_runsProcessPools() {
        assertThat(buildLog).as(buildLog).contains("Running app.MainTest")
                .containsPattern("Tests run: 1, Failures: 0, Errors: 0, Skipped: 0");
    }

    @Test
    void execJava_runsTheApplicationInItsOwnClassLoader() {
        String output = buildLog.substring(buildLog.indexOf("--- exec:"));
        assertThat(output.lines()).as(buildLog).containsSubsequence(WORKS);
    }

    @Test
    void aShadedJarWithTheMultiReleaseLine_runs() throws Exception {
        assertThat(run(Map.of(), "-jar", jar("shaded-mr")).lines()).containsSubsequence(WORKS);
    }

    @Test
    void aShadedJarWithItsOwnAotCache_runs_andTakesTheLibraryFromTheCache() throws Exception {
        // JDK 25's start-up cache for the application's JVM: one training run, then every start maps it.
        Path cache = WORK.resolve("app.aot");
        Path classes = WORK.resolve("app-classes.log");
        try {
            Files.deleteIfExists(cache);
            assertThat(run(Map.of(), "-XX:AOTCacheOutput=" + cache, "-jar", jar("shaded-mr")).lines())
                    .containsSubsequence(WORKS);
            assertThat(cache).as("the cache the training run wrote").isNotEmptyFile();
            // AOTMode=on: a cache the JVM cannot use fails the start instead of being skipped.
            String output = run(Map.of(), "-XX:AOTMode=on", "-XX:AOTCache=" + cache,
                    "-Xlog:class+load=info:file=" + classes, "-jar", jar("shaded-mr"));
            assertThat(output.lines()).as(output).containsSubsequence(WORKS);
            assertThat(Files.readAllLines(classes)).as("how the application's JVM loaded the library's pool")
                    .anyMatch(line -> line.contains(" dev.ensemble.WorkerPool source: shared objects file"));
        } finally {
            Files.deleteIfExists(cache);
            Files.deleteIfExists(classes);
        }
    }

    @Test
    void aShadedJarWithThePluginsDefaults_failsAtOnceNamingTheLineToAdd() throws Exception {
        String output = fails("-jar", jar("shaded"));
        assertThat(message(output)).contains("Multi-Release: true").doesNotContain("dev.ensemble.internal");
        assertThat(output).doesNotContain("map: ");
    }

    @Test
    void aJarWithDependencies_failsAtOnceNamingTheLineToAdd() throws Exception {
        String output = fails("-jar", jar("jar-with-dependencies"));
        assertThat(message(output)).contains("Multi-Release: true").doesNotContain("dev.ensemble.internal");
        assertThat(output).doesNotContain("map: ");
    }

    @Test
    void aSpringBootExecutableJar_runs() throws Exception {
        Path cache = Files.createDirectories(WORK.resolve("cache"));
        String output = run(Map.of("XDG_CACHE_HOME", cache.toString()), "-jar", jar("boot"));
        assertThat(output.lines()).as(output).containsSubsequence(WORKS);
    }

    @Test
    void anotherUserWithoutHome_runsTheShadedJar() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to switch user");
        // Where the nobody user can read it: the build's own directories may not be.
        Path shared = Files.createTempDirectory("ensemble-it-");
        // The JVM leaves its perf-data directory for that user behind: removed after, unless it was there before.
        Path perfData = Path.of(System.getProperty("java.io.tmpdir"), "hsperfdata_nobody");
        boolean hadPerfData = Files.exists(perfData);
        try {
            Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path jar = Files.copy(Path.of(jar("shaded-mr")), shared.resolve("app.jar"));
            Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
            List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534",
                    "--clear-groups", "env", "-u", "HOME", "-u", "XDG_CACHE_HOME"));
            command.addAll(javaCommand("-jar", jar.toString()));
            Result result = start(command, Map.of());
            assertThat(result.exit).as(result.output).isZero();
            assertThat(result.output.lines()).as(result.output).containsSubsequence(WORKS);
        } finally {
            deleteTree(shared);
            if (!hadPerfData) {
                try (Stream<Path> left = Files.list(perfData)) {
                    if (left.findAny().isEmpty()) {
                        Files.delete(perfData);
                    }
                } catch (java.nio.file.NoSuchFileException gone) {
                    // not made
                }
            }
        }
    }

    private static String jar(String classifier) {
        return APP.resolve("target/app-1.0-" + classifier + ".jar").toString();
    }

    /** Runs {@code java ARGUMENTS} as the guide says to start a JVM that uses worker processes. */
    private static String run(Map<String, String> environment, String... arguments) throws Exception {
        Result result = start(javaCommand(arguments), environment);
        assertThat(result.exit).as("exit code; output:%n%s", result.output).isZero();
        return result.output;
    }

    private static String fails(String... arguments) throws Exception {
        Result result = start(javaCommand(arguments), Map.of());
        assertThat(result.exit).as("exit code; output:%n%s", result.output).isNotZero();
        return result.output;
    }

    /** The uncaught exception's line: its class and message, without the stack. */
    private static String message(String output) {
        return output.lines().filter(l -> l.startsWith("Exception in thread")).findFirst().orElse(output);
    }

    private static List<String> javaCommand(String... arguments) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--sun-misc-unsafe-memory-access=allow"));
        command.addAll(List.of(arguments));
        return command;
    }

    private record Result(int exit, String output) {
    }

    private static Result start(List<String> command, Map<String, String> environment) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process app = builder.start();
        try {
            String output = new String(app.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("the application ends").isTrue();
            return new Result(app.exitValue(), output);
        } finally {
            app.destroyForcibly();
        }
    }

    /** Places the library's jars and POMs, as this reactor built them, where the application's build finds them. */
    private static void installLibrary(Path repository) throws IOException, URISyntaxException {
        String version = property("ensemble.version");
        Path root = Path.of(property("ensemble.it.root")).normalize();
        Path parent = Files.createDirectories(repository.resolve("dev/ensemble/ensemble-parent/" + version));
        Files.copy(root.resolve("pom.xml"), parent.resolve("ensemble-parent-" + version + ".pom"));
        install(repository, root, version, "ensemble-core", WorkerPool.class);
        install(repository, root, version, "ensemble-hazelcast", HazelcastBackend.class);
    }

    /** Places one module's POM and jar; {@code type} is one of its classes, which says where the reactor put them. */
    private static void install(Path repository, Path root, String version, String artifact, Class<?> type)
            throws IOException, URISyntaxException {
        Path dir = Files.createDirectories(repository.resolve("dev/ensemble/" + artifact + "/" + version));
        Files.copy(root.resolve(artifact + "/pom.xml"), dir.resolve(artifact + "-" + version + ".pom"));
        Path built = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path jar = dir.resolve(artifact + "-" + version + ".jar");
        if (Files.isDirectory(built)) { // a reactor run that stopped before packaging: its classes directory
            int status = ToolProvider.findFirst("jar").orElseThrow().run(System.out, System.err, "--create",
                    "--file", jar.toString(), "-C", built.toString(), ".");
            assertThat(status).as("jar of " + built).isZero();
        } else {
            Files.copy(built, jar);
        }
    }

    /** Copies the application's sources, filling in the versions this build uses. */
    private static void copyTemplate(Path from, Path to) throws IOException {
        Pattern token = Pattern.compile("@([a-z][a-z.-]*)@");
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                Files.createDirectories(target.getParent());
                Matcher m = token.matcher(Files.readString(f));
                Files.writeString(target, m.replaceAll(r -> Matcher.quoteReplacement(property(r.group(1)))));
            }
        }
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        assertThat(value).as("system property %s (set by this module's POM)", name).isNotBlank();
        return value;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
