package dev.ensemble.bench.compare;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./ensemble bench}: Ensemble side by side with its peers, in one run, on this machine, written to
 * {@code docs/benchmarks.md} and a summary of it copied into the README between {@code <!-- benchmarks:begin -->} and
 * {@code <!-- benchmarks:end -->}.
 *
 * <p>Contestants: Ensemble threads, Ensemble processes, {@code ExecutorService} (2 platform threads), PP4J 2.2
 * ({@link Contestant} and its subclasses, each run in a fresh JVM), and Python's {@code multiprocessing.Pool} and
 * {@code concurrent.futures.ProcessPoolExecutor} ({@code ensemble-bench/python/peers.py}, each run in a fresh
 * interpreter; skipped with a note when there is no {@code python3}). A run of a contestant does every row once;
 * runs are repeated ({@link Sizes#runs()}) and interleaved, the order rotated each time, so that a change in the
 * machine's load hits every contestant alike. Then each contestant that can kill a worker runs the kill -9 test
 * once.
 *
 * <p>Raw results go to {@code ensemble-bench/target/side-by-side/results.txt} (and each run's standard error to
 * a log next to it); {@link Report} makes the table from them.
 *
 * <p>Run: {@code ./ensemble bench} (quick, under 5 minutes on 2 cores) or {@code ./ensemble bench --full}.
 * Options for working on a contestant: {@code --runs N}, {@code --only ID,ID} (then the table goes to
 * {@code ensemble-bench/target/benchmarks.md} only), {@code --render FILE} (remake the table from a results
 * file, nothing run).
 */
public final class SideBySide {
    private static final List<String> ALL = List.of("ensemble-threads", "ensemble-processes", "executor", "pp4j",
            "python-pool", "python-ppe", "floor");
    /** The contestants also timed cold with {@link Padding}'s long class path, and with an AOT cache of their own. */
    private static final List<String> LARGE = List.of("ensemble-threads", "ensemble-processes", "executor", "floor");
    private static final Path PEERS_PY = Path.of("ensemble-bench", "python", "peers.py");

    private final Sizes sizes;
    private final String mode;
    private final List<String> contestants;
    private final Path outDir = Path.of("ensemble-bench", "target", "side-by-side");
    private final List<String> results = Collections.synchronizedList(new ArrayList<>());
    private PrintWriter raw;
    private String python;
    private String classPath;
    private String largeClassPath;

    private SideBySide(Sizes sizes, String mode, List<String> contestants) {
        this.sizes = sizes;
        this.mode = mode;
        this.contestants = contestants;
    }

    /**
     * Runs the comparison and writes the table.
     *
     * @param args {@code [--quick|--full] [--runs N] [--only ID,ID] [--render FILE]}
     * @throws Exception if the comparison could not run (a failing contestant is reported in the table instead)
     */
    public static void main(String[] args) throws Exception {
        String mode = "quick";
        Integer runs = null;
        List<String> only = ALL;
        Path render = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> mode = "quick";
                case "--full" -> mode = "full";
                case "--runs" -> runs = Integer.parseInt(value(args, ++i, "--runs"));
                case "--only" -> only = Arrays.asList(value(args, ++i, "--only").split(","));
                case "--render" -> render = Path.of(value(args, ++i, "--render"));
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; usage: ./ensemble bench [--quick|--full] [--runs N] [--only ID,ID] [--render FILE]");
            }
        }
        for (String id : only) {
            if (!ALL.contains(id)) {
                throw new IllegalArgumentException("unknown contestant " + id + "; contestants: " + ALL);
            }
        }
        if (!Files.isRegularFile(PEERS_PY)) {
            throw new IllegalStateException("run this from the project's root (no " + PEERS_PY + " here)");
        }
        boolean complete = only.equals(ALL);
        if (render != null) {
            publish(Report.parse(Files.readAllLines(render)), complete);
            return;
        }
        Sizes sizes = mode.equals("full") ? Sizes.full() : Sizes.quick();
        if (runs != null) {
            sizes = new Sizes(runs, sizes.warmPools(), sizes.roundTripWarmup(), sizes.roundTrips(), sizes.mapInputs(),
                    sizes.mapWarmup(), sizes.maps(), sizes.cpuTasks(), sizes.taskMillis(), sizes.cpuRuns(),
                    sizes.arrayLength(), sizes.arrayWarmup(), sizes.arrayTrips(), sizes.broadcastWarmup(),
                    sizes.broadcasts(), sizes.modelInitMillis(), sizes.modelCalls(), sizes.modelRuns(),
                    sizes.documents(), sizes.vocabulary(), sizes.seed(), sizes.wordRuns(), sizes.killWaitSeconds());
        }
        new SideBySide(sizes, mode, only).run(complete);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private void run(boolean complete) throws Exception {
        Files.createDirectories(outDir);
        long start = System.nanoTime();
        try (PrintWriter file = new PrintWriter(Files.newBufferedWriter(outDir.resolve("results.txt")))) {
            raw = file;
            meta("mode", mode);
            meta("runs", Integer.toString(sizes.runs()));
            meta("sizes", sizes.encode());
            meta("date", ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")));
            meta("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
            meta("cpu", cpuModel());
            meta("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                    + System.getProperty("os.arch"));
            meta("jdk", System.getProperty("java.vm.vendor") + " " + Runtime.version());
            meta("load_start", loadAverage());
            python = findPython();
            meta("python", python == null ? "no python3 (Python columns skipped)" : pythonVersion());

            // The contestants run from jars, as a packaged application does (and as an AOT cache needs).
            classPath = Padding.directoriesAsJars(outDir.resolve("classes"), System.getProperty("java.class.path"));
            largeClassPath = Padding.classPath(outDir.resolve("padding"), classPath);
            meta("large_classpath", Integer.toString(largeClassPath.split(java.io.File.pathSeparator).length));
            List<String> order = new ArrayList<>(contestants);
            if (order.contains("ensemble-processes")) {
                // Worker JVMs use an AOT cache made on first use (one per class path); making it is one-off
                // set-up, not pool creation.
                launch(0, "ensemble-processes", "prepare", 300);
                launch(0, "ensemble-processes", "prepare-large", 300);
            }
            for (String id : order) {
                if (LARGE.contains(id)) {
                    // The application's own cache, made as a deployment makes it: one run of the same start.
                    Files.deleteIfExists(aotCache(id));
                    launch(0, id, "prepare-aot", 300);
                }
            }
            for (int run = 1; run <= sizes.runs(); run++) {
                System.err.printf(Locale.ROOT, "run %d of %d:", run, sizes.runs());
                for (String id : order) {
                    long t0 = System.nanoTime();
                    launch(run, id, "run", 600);
                    if (LARGE.contains(id)) {
                        launch(run, id, "cold-large", 120);
                        launch(run, id, "cold-aot", 120);
                    }
                    System.err.printf(Locale.ROOT, " %s %.0f s,", id, (System.nanoTime() - t0) / 1e9);
                }
                System.err.println();
                Collections.rotate(order, -1);
            }
            System.err.print("kill -9 test:");
            for (String id : contestants) {
                long t0 = System.nanoTime();
                launch(0, id, "kill", 180);
                System.err.printf(Locale.ROOT, " %s %.0f s,", id, (System.nanoTime() - t0) / 1e9);
            }
            System.err.println();
            meta("load_end", loadAverage());
            meta("seconds", String.format(Locale.ROOT, "%.0f", (System.nanoTime() - start) / 1e9));
        }
        Report report = Report.parse(results);
        publish(report, complete);
        if (!report.checksAgree()) {
            System.err.println("Contestants' results differ: see the table's last line.");
            System.exit(1);
        }
    }

    private static void publish(Report report, boolean complete) throws IOException {
        String body = report.markdown();
        System.out.println(body);
        if (!complete) {
            Path out = Path.of("ensemble-bench", "target", "benchmarks.md");
            Files.writeString(out, body);
            System.err.println("(some contestants only: written to " + out + ", docs and README untouched)");
            return;
        }
        Path docs = Path.of("docs", "benchmarks.md");
        Files.createDirectories(docs.getParent());
        Files.writeString(docs, "# Benchmarks: Ensemble side by side with its peers\n\n"
                + "Generated by `./ensemble bench` (`ensemble-bench/src/main/java/dev/ensemble/bench/compare/"
                + "SideBySide.java`); do not edit by hand. The README's Performance section shows a summary of it.\n\n"
                + body);
        Path readme = Path.of("README.md");
        Files.writeString(readme, Report.splice(Files.readString(readme), report.summary()));
        System.err.println("(written to " + docs + " and README.md)");
    }

    private void meta(String key, String value) {
        record("meta " + key + " " + value);
    }

    private void record(String line) {
        results.add(line);
        raw.println(line);
        raw.flush();
    }

    /** Runs one contestant process and records what it prints; one that fails or overruns is recorded as such. */
    private void launch(int run, String id, String what, int timeoutSeconds) throws Exception {
        List<String> command = new ArrayList<>();
        if (id.startsWith("python-")) {
            if (python == null) {
                if (!what.startsWith("prepare")) {
                    record(run + " " + id + " skip * no python3 on this machine");
                }
                return;
            }
            command.addAll(List.of(python, PEERS_PY.toString(), id.substring("python-".length())));
        } else {
            boolean large = what.endsWith("-large");
            command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                    "--sun-misc-unsafe-memory-access=allow"));
            if (what.equals("prepare-aot")) {
                command.add("-XX:AOTCacheOutput=" + aotCache(id));
            } else if (what.equals("cold-aot")) {
                // "on": a cache the JVM cannot use fails the run instead of timing a start without it.
                command.addAll(List.of("-XX:AOTMode=on", "-XX:AOTCache=" + aotCache(id)));
            }
            command.addAll(List.of("-cp", large ? largeClassPath : classPath,
                    Contestant.class.getName(), id));
        }
        command.addAll(List.of(what.startsWith("prepare") ? "prepare" : what, sizes.encode()));
        Path log = outDir.resolve(id + "-" + what + (run > 0 ? "-" + run : "") + ".log");
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        process.getOutputStream().close();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.matches("(value|skip|failed|note|check|kill|info) .*")) {
                        record(run + " " + id + " " + line);
                    }
                }
            } catch (IOException e) {
                record(run + " " + id + " failed * reading its output: " + e.getMessage());
            }
        });
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            // Only what this run started: the contestant and the workers it made.
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
            record(run + " " + id + " failed * did not finish within " + timeoutSeconds + " s (see " + log + ")");
        } else if (process.exitValue() != 0) {
            record(run + " " + id + " failed * exited with " + process.exitValue() + ": " + lastLine(log));
        }
        reader.join();
    }

    /** The AOT cache of a contestant's own JVM (row 1d), made by its "prepare-aot" run. */
    private Path aotCache(String id) {
        return outDir.resolve(id + ".aot").toAbsolutePath();
    }

    private static String lastLine(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (!lines.get(i).isBlank()) {
                return lines.get(i).strip();
            }
        }
        return "(no error output)";
    }

    private static String findPython() {
        String override = System.getenv("ENSEMBLE_PYTHON");
        if (override != null && !override.isBlank()) {
            return override;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "python3");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    private String pythonVersion() throws Exception {
        Process p = new ProcessBuilder(python, "-c",
                "import sys, platform\ntry:\n import numpy; n = ', numpy ' + numpy.__version__\n"
                        + "except ImportError:\n n = ', no numpy'\nprint('Python ' + platform.python_version() + n)")
                .redirectErrorStream(true).start();
        String version = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return p.waitFor() == 0 ? version : "python3 (version unknown)";
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    private static String loadAverage() {
        try {
            String[] p = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return p[0] + " " + p[1] + " " + p[2];
        } catch (IOException e) {
            double one = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return one < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f", one);
        }
    }
}
