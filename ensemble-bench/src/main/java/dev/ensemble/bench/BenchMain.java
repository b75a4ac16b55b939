package dev.ensemble.bench;

import dev.ensemble.bench.compare.SideBySide;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * {@code ./ensemble bench}: with no benchmark name (or with {@code --quick} / {@code --full} and the options of
 * {@link SideBySide}), runs the side-by-side comparison with the peers and writes {@code docs/benchmarks.md};
 * with a name, runs that JMH benchmark.
 *
 * <p>JMH: runs the benchmarks (same arguments as JMH's own main) and prints a Markdown table in which every score is
 * also given as a ratio to the baseline measured in the same run: the first value of the benchmark's first
 * {@code @Param} (by convention, {@code runner}) is the subject, every other value a baseline. With
 * {@code --report FILE} first, the table is also written to that file, so the README's table is generated,
 * never typed.
 */
public final class BenchMain {
    private static final Set<String> SIDE_BY_SIDE_OPTIONS = Set.of("--quick", "--full", "--runs",
            "--only", "--render");
    private static final String USAGE = """
            usage: ./ensemble bench [--full]               Ensemble side by side with ExecutorService, PP4J and Python's
                                                       pools; writes docs/benchmarks.md and the README's table
                                                       (quick: under 5 minutes on 2 cores; --full: 10 runs each)
                   ./ensemble bench [--report FILE] NAME [JMH ARGS]
                                                       one JMH benchmark, for example MapThroughput, Processes,
                                                       InstanceCalls, SharedArraySum, SharedArrayChunks, ClusterScaling,
                                                       ClusterOverhead, ProgressBarOverhead (-l: list them;
                                                       -h: JMH's options)""";

    private BenchMain() {
    }

    /**
     * Runs the side-by-side comparison, or the JMH benchmarks named, and prints the table.
     *
     * @param args nothing, or {@code --quick}, {@code --full} and the other options of {@link SideBySide}; or
     *     {@code [--report FILE]} then JMH's command line, for example {@code MapThroughput -f 1}
     * @throws Exception if the comparison or JMH fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 0 || SIDE_BY_SIDE_OPTIONS.contains(args[0])) {
            SideBySide.main(args);
            return;
        }
        if (args[0].equals("--help") || args[0].equals("help")) {
            System.out.println(USAGE);
            return;
        }
        String report = null;
        if (args.length >= 2 && args[0].equals("--report")) {
            report = args[1];
            args = java.util.Arrays.copyOfRange(args, 2, args.length);
        }
        CommandLineOptions options = new CommandLineOptions(args);
        // JMH's own main answers these; its Runner alone would run every benchmark instead.
        if (options.shouldHelp()) {
            options.showHelp();
            return;
        }
        if (options.shouldList() || options.shouldListWithParams()) {
            if (options.shouldListWithParams()) {
                new Runner(options).listWithParams(options);
            } else {
                new Runner(options).list();
            }
            return;
        }
        Collection<RunResult> results = new Runner(options).run();
        String table = table(results);
        System.out.println();
        System.out.println(table);
        if (report != null) {
            Files.writeString(Path.of(report), table);
            System.out.println("(written to " + report + ")");
        }
    }

    static String table(Collection<RunResult> results) {
        // Group by benchmark and by every param except "runner"; within a group, ratios to the first runner seen.
        Map<String, List<RunResult>> groups = new LinkedHashMap<>();
        for (RunResult r : results) {
            var params = r.getParams();
            StringBuilder key = new StringBuilder(shortName(params.getBenchmark()));
            for (String p : params.getParamsKeys()) {
                if (!p.equals("runner")) {
                    key.append(' ').append(p).append('=').append(params.getParam(p));
                }
            }
            groups.computeIfAbsent(key.toString(), k -> new ArrayList<>()).add(r);
        }
        StringBuilder out = new StringBuilder();
        out.append("| benchmark | runner | score | error | unit | ensemble advantage (>1: ensemble is faster) |\n");
        out.append("| --- | --- | ---: | ---: | --- | ---: |\n");
        for (var group : groups.entrySet()) {
            double subject = Double.NaN;
            for (RunResult r : group.getValue()) {
                String runner = r.getParams().getParam("runner");
                if ("ensemble".equals(runner) || runner == null) {
                    subject = r.getPrimaryResult().getScore();
                }
            }
            for (RunResult r : group.getValue()) {
                var primary = r.getPrimaryResult();
                String runner = r.getParams().getParam("runner");
                double ratio = subject / primary.getScore();
                boolean higherIsBetter = primary.getScoreUnit().contains("/s") || primary.getScoreUnit().contains("/ms")
                        || primary.getScoreUnit().contains("/us");
                out.append(String.format(Locale.ROOT, "| %s | %s | %.3g | ± %.2g | %s | %s |%n", group.getKey(),
                        runner == null ? "-" : runner, primary.getScore(), primary.getScoreError(),
                        primary.getScoreUnit(), Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.2fx",
                                higherIsBetter ? ratio : 1 / ratio)));
            }
        }
        return out.toString();
    }

    private static String shortName(String benchmark) {
        String[] parts = benchmark.split("\\.");
        return parts.length >= 2 ? parts[parts.length - 2].replace("Benchmark", "") + "." + parts[parts.length - 1]
                : benchmark;
    }

}
