package dev.ensemble.bench.compare;

import java.util.Locale;
import java.util.Map;

/** The words of the side-by-side table: the line about the machine and the run, and each row's label. */
final class Labels {
    private Labels() {
    }

    /** The line that says where, when and how the table was measured. */
    static String machine(Map<String, String> meta) {
        StringBuilder s = new StringBuilder();
        s.append("Measured by `./ensemble bench");
        if ("full".equals(meta.get("mode"))) {
            s.append(" --full");
        }
        s.append("` (").append(meta.getOrDefault("mode", "?")).append(" mode, ").append(meta.getOrDefault("runs", "?"))
                .append(" runs of each contestant, ").append(meta.getOrDefault("seconds", "?")).append(" s in all) on ")
                .append(meta.getOrDefault("date", "?")).append(": ").append(meta.getOrDefault("cores", "?"))
                .append(" cores (").append(meta.getOrDefault("cpu", "?")).append("), load average ")
                .append(meta.getOrDefault("load_start", "?")).append(" at the start and ")
                .append(meta.getOrDefault("load_end", "?")).append(" at the end (1, 5, 15 min), ")
                .append(meta.getOrDefault("os", "?")).append(", JDK ").append(meta.getOrDefault("jdk", "?"))
                .append(", ").append(meta.getOrDefault("python", "no Python")).append('.');
        return s.toString();
    }

    /** A row's label, with the sizes of the run. */
    static String row(String row, Sizes s, Map<String, String> meta) {
        return switch (row) {
            case "start_cold" -> "1a. pool creation to first result, **cold**: the first pool of a fresh JVM or "
                    + "interpreter, library loading included (ms)";
            case "start_cold_large" -> "1c. the same, cold, with a class path of "
                    + meta.getOrDefault("large_classpath", "about 120") + " jars (ms)";
            case "start_cold_aot" -> "1d. the same, cold, with the application's own AOT cache (ms)";
            case "start_warm" -> "1b. pool creation to first result, **warm**: another pool of the same "
                    + "configuration after the first closed; Ensemble processes with `keepWarm` (ms)";
            case "rt_median" -> "2a. trivial round trip, `submit(x -> x)` and wait, median after "
                    + count(s.roundTripWarmup()) + " untimed ones (µs)";
            case "rt_p99" -> "2b. trivial round trip, p99 (µs)";
            case "map" -> "3. `map` of `x -> x + 1` over " + count(s.mapInputs())
                    + " inputs, automatic chunking (million tasks/s)";
            case "cpu1" -> "4a. " + s.cpuTasks() + " tasks of " + s.taskMillis() + " ms CPU, 1 worker (ms)";
            case "cpu2" -> "4b. " + s.cpuTasks() + " tasks of " + s.taskMillis() + " ms CPU, 2 workers (ms)";
            case "speedup" -> "4c. speedup from 1 to 2 workers (4a ÷ 4b)";
            case "array" -> "5a. " + mib(s.arrayLength()) + " `double[]` argument and result round trip, median after "
                    + count(s.arrayWarmup()) + " untimed ones (ms)";
            case "shared" -> "5b. the same " + mib(s.arrayLength()) + " shared, no copy: each worker adds 1 to its "
                    + "half in place (ms)";
            case "broadcast" -> "6. instance pool: `broadcast` a call to every instance, median after "
                    + count(s.broadcastWarmup()) + " untimed ones (µs)";
            case "model" -> "7a. expensive initialisation: create a pool whose workers each build a "
                    + s.modelInitMillis() + " ms model once, then " + count(s.modelCalls()) + " small calls (ms)";
            case "model_warm" -> "7a, **warm**: another such pool after the first closed; Ensemble processes with "
                    + "`keepWarm` (its worker JVMs wait for the next pool, which builds its own models on them) (ms)";
            case "words" -> "7b. stateful word count: " + count(s.documents()) + " generated documents counted into "
                    + "per-worker state, then collected and merged (ms)";
            case "kill" -> "kill -9 of a worker during a map of 1,000 tasks (Ensemble with `retries(1)`)";
            default -> row;
        };
    }

    /** The paragraph under the table: how to read a cell, a ratio, the floor, rows 1c and 1d. */
    static String explanation(Sizes sizes, Map<String, String> meta) {
        return "Each cell: median (min–max) over the runs; a run is a fresh JVM or interpreter per contestant, the "
                + "contestants' runs interleaved. Ratios above 1: Ensemble is better by that factor (a peer's time ÷ "
                + "Ensemble's; Ensemble's rate or speedup ÷ the peer's); the process peers are PP4J and Python's two "
                + "pools. The CPU tasks of rows 4a–4c spin for " + sizes.taskMillis() + " ms of wall-clock time each, "
                + "so those rows show the pool's overhead and balance and how much of the cores the machine's other "
                + "jobs leave. The floor: " + Sizes.WORKERS + " bare JVMs started at once, with the contestants' class "
                + "path and a worker's flags, each answering one byte over a pipe; no pool of worker JVMs can start "
                + "faster, and the last column says how far Ensemble processes are from it (lower is better). Row 1c "
                + "puts " + meta.getOrDefault("large_classpath", "about 120") + " jars on the class path, as a real "
                + "application does (the benchmark's own and " + Padding.JARS + " generated ones before them). Row 1d "
                + "starts each JVM with an AOT cache of its own application (JDK 25's `-XX:AOTCache`, made by one "
                + "untimed run of the same start with `-XX:AOTCacheOutput`), as a deployment that cares about "
                + "start-up does; Ensemble's worker JVMs use their own cache in every row.";
    }

    private static String count(int n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String mib(int doubles) {
        return (doubles * 8L >> 20) + " MiB";
    }
}
