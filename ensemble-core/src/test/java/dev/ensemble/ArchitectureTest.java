package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.FieldRefEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The structure of the library's own code, read from its class files with the JDK's class-file API: which
 * package uses which. The rules the design states are checked here so that no change breaks them unseen.
 */
class ArchitectureTest {
    private static final String ROOT = "dev.ensemble";
    private static final String SPI = ROOT + ".spi";
    private static final Map<String, Set<String>> USES = new TreeMap<>();
    /** The classes that read {@code System.err}, by internal name. */
    private static final Set<String> READ_STDERR = new TreeSet<>();

    @BeforeAll
    static void readClasses() throws IOException {
        Path classes = Path.of("target/classes");
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")
                    && !f.getFileName().toString().equals("module-info.class")).toList()) {
                ClassModel model = ClassFile.of().parse(file);
                String from = packageOf(model.thisClass().asInternalName());
                Set<String> uses = USES.computeIfAbsent(from, k -> new TreeSet<>());
                for (PoolEntry entry : model.constantPool()) {
                    if (entry instanceof FieldRefEntry field && field.owner().asInternalName().equals("java/lang/System")
                            && field.name().equalsString("err")) {
                        READ_STDERR.add(model.thisClass().asInternalName());
                    }
                    if (entry instanceof ClassEntry ce) {
                        String to = packageOf(ce.asInternalName().replaceFirst("^\\[+L?", "").replace(";", ""));
                        if (to.startsWith(ROOT) && !to.equals(from)) {
                            uses.add(to);
                        }
                    }
                }
            }
        }
    }

    private static String packageOf(String internalName) {
        int slash = internalName.lastIndexOf('/');
        return slash < 0 ? "" : internalName.substring(0, slash).replace('/', '.');
    }

    @Test
    void theSchedulerKnowsNoBackendNorTheWire() {
        assertThat(USES.get(ROOT + ".internal.schedule")).as("what the scheduler uses")
                .doesNotContain(ROOT + ".internal.process", ROOT + ".internal.thread", ROOT + ".internal.wire",
                        ROOT + ".internal.shm", ROOT + ".internal.monitor");
    }

    @Test
    void exportedPackagesAreTheApiAndSpiOnly_toEveryModule() throws IOException {
        try (var in = Files.newInputStream(Path.of("target/classes/module-info.class"))) {
            var module = java.lang.module.ModuleDescriptor.read(in);
            // No qualified exports: a module that extends Ensemble (the cluster module, the dashboard) sees what
            // any other could, the API and the SPI.
            assertThat(module.exports()).allSatisfy(e -> {
                assertThat(e.isQualified()).as("%s exported to %s", e.source(), e.targets()).isFalse();
                assertThat(e.source()).isIn(ROOT, SPI, SPI + ".cluster");
            });
            assertThat(module.uses()).contains(SPI + ".cluster.ClusterProvider");
        }
    }

    @Test
    void theApiPackageIsFreeOfBackends() {
        assertThat(USES.get(ROOT)).as("what the API package uses")
                .doesNotContain(ROOT + ".internal.process", ROOT + ".internal.thread", ROOT + ".internal.wire");
    }

    @Test
    void theSpiPackageIsFreeOfBackends() {
        assertThat(USES.get(SPI)).as("what the SPI package uses")
                .doesNotContain(ROOT + ".internal.process", ROOT + ".internal.thread", ROOT + ".internal.wire",
                        ROOT + ".internal.schedule");
    }

    /**
     * Diagnostics go through {@code System.Logger} ({@code internal.platform.Log}), where the application's logging
     * sends them. {@code System.err} is read only by what writes output a person reads on the terminal, which is not
     * logging: a worker's forwarded standard error, the progress bars, and a worker JVM's last words to its pool.
     */
    @Test
    void onlyTerminalOutputWritesToSystemErr() {
        assertThat(READ_STDERR).as("classes that read System.err; log through internal.platform.Log instead")
                .containsExactlyInAnyOrder("dev/ensemble/internal/process/OutputForwarder",
                        "dev/ensemble/internal/monitor/ProgressDisplay$Shared",
                        "dev/ensemble/internal/process/ParentReport");
    }

    /**
     * No cycles among the internal packages. The API and SPI packages are left out: their entry points reach the
     * implementation ({@code WorkerPool.builder()} builds a pool of the internal package, {@code MemberHost} a
     * member's runtime) and the implementation implements or fills in their types, as in the JDK's own API and
     * implementation packages.
     */
    @Test
    void internalPackagesFormNoCycles() {
        List<String> cycles = new ArrayList<>();
        for (String start : USES.keySet()) {
            if (isApiOrSpi(start)) {
                continue;
            }
            findCycle(start, start, new ArrayList<>(List.of(start)), new TreeSet<>(), cycles);
        }
        assertThat(cycles).as("package cycles").isEqualTo(List.of());
    }

    private static boolean isApiOrSpi(String pkg) {
        return pkg.equals(ROOT) || pkg.equals(SPI) || pkg.startsWith(SPI + ".");
    }

    private static void findCycle(String start, String at, List<String> path, Set<String> seen, List<String> out) {
        for (String next : USES.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                // Report each cycle once: from its smallest package.
                if (path.stream().allMatch(p -> p.compareTo(start) >= 0)) {
                    out.add(String.join(" -> ", path) + " -> " + start);
                }
            } else if (!isApiOrSpi(next) && next.compareTo(start) > 0 && seen.add(next)) {
                path.add(next);
                findCycle(start, next, path, seen, out);
                path.removeLast();
            }
        }
    }
}
