package dev.ensemble.bench.compare;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns the raw results of a side-by-side run into the Markdown table of {@code docs/benchmarks.md} and the
 * README. Pure: lines in, text out, so a test can feed it a small made-up file.
 *
 * <p>Input: one line per fact, {@code RUN CONTESTANT KEYWORD REST}, where RUN is the run's number (0 for what
 * is not part of a numbered run: the kill test, a contestant skipped as a whole) and KEYWORD one of the
 * contestants' protocol ({@link Contestant}): {@code value ROW NUMBER}, {@code skip ROW REASON},
 * {@code failed ROW REASON} ({@code *} as ROW: every row), {@code note ROW TEXT}, {@code check NAME VALUE},
 * {@code kill TEXT}; plus {@code meta KEY VALUE} lines of the machine and the run. Anything else (a worker's
 * forwarded output, a contestant's {@code info} line, say) is ignored.
 *
 * <p>Each numeric cell is the median over runs of the contestant's per-run value, with min–max. The two ratio
 * columns compare Ensemble processes with the best process peer (PP4J, Python's {@code Pool} and
 * {@code ProcessPoolExecutor}) and Ensemble threads with {@code ExecutorService}: above 1 means Ensemble is
 * better by that factor (peer ÷ Ensemble for times, Ensemble ÷ peer for rates and speedups).
 */
public final class Report {

    /** A contestant's column, and whether it is Ensemble or which kind of peer. */
    enum Column {
        ENSEMBLE_THREADS("ensemble-threads", "Ensemble threads", "threads"),
        ENSEMBLE_PROCESSES("ensemble-processes", "Ensemble processes", "processes"),
        EXECUTOR("executor", "ExecutorService", "ExecutorService"),
        PP4J("pp4j", "PP4J 2.2", "PP4J"),
        PYTHON_POOL("python-pool", "Python `Pool`", "Pool"),
        PYTHON_PPE("python-ppe", "Python `ProcessPoolExecutor`", "ProcessPoolExecutor"),
        FLOOR("floor", "floor: bare JVMs", "floor");

        final String id;
        final String label;
        final String shortName;

        Column(String id, String label, String shortName) {
            this.id = id;
            this.label = label;
            this.shortName = shortName;
        }

        boolean processPeer() {
            return this == PP4J || this == PYTHON_POOL || this == PYTHON_PPE;
        }

        static Column of(String id) {
            for (Column c : values()) {
                if (c.id.equals(id)) {
                    return c;
                }
            }
            return null;
        }
    }

    /** A row of the table. */
    record Row(String id, boolean higherIsBetter, double scale, int decimals) {
    }

    static final List<Row> ROWS = List.of(
            new Row("start_cold", false, 1, -1), new Row("start_cold_large", false, 1, -1),
            new Row("start_cold_aot", false, 1, -1),
            new Row("start_warm", false, 1, -1),
            new Row("rt_median", false, 1, -1), new Row("rt_p99", false, 1, -1),
            new Row("map", true, 1e-6, -1),
            new Row("cpu1", false, 1, -1), new Row("cpu2", false, 1, -1), new Row("speedup", true, 1, 2),
            new Row("array", false, 1, -1), new Row("shared", false, 1, -1),
            new Row("broadcast", false, 1, -1),
            new Row("model", false, 1, -1), new Row("model_warm", false, 1, -1), new Row("words", false, 1, -1),
            new Row("kill", false, 1, -1));

    private final Map<String, String> meta = new LinkedHashMap<>();
    private final Map<String, Map<Column, List<Double>>> values = new LinkedHashMap<>();
    private final Map<String, Map<Column, Set<String>>> notes = new LinkedHashMap<>();
    private final Map<String, Map<Column, Set<String>>> failures = new LinkedHashMap<>();
    private final Map<String, Map<Column, String>> skips = new LinkedHashMap<>();
    private final Map<String, Map<Column, Set<String>>> checks = new TreeMap<>();
    private final Map<Column, String> kills = new LinkedHashMap<>();
    private final Map<String, String> footnotes = new LinkedHashMap<>();

    private Report() {
    }

    /**
     * Reads raw result lines.
     *
     * @param lines the lines, in any order
     * @return the report
     */
    public static Report parse(List<String> lines) {
        Report r = new Report();
        for (String line : lines) {
            r.read(line.strip());
        }
        return r;
    }

    private void read(String line) {
        String[] p = line.split(" ", 4);
        if (p.length >= 3 && p[0].equals("meta")) {
            meta.put(p[1], line.substring(("meta " + p[1] + " ").length()).strip());
            return;
        }
        if (p.length < 4 || !p[0].chars().allMatch(Character::isDigit)) {
            return;
        }
        Column c = Column.of(p[1]);
        if (c == null) {
            return;
        }
        String keyword = p[2];
        String rest = p[3];
        String[] rowAndText = rest.split(" ", 2);
        String row = rowAndText[0];
        String text = rowAndText.length > 1 ? rowAndText[1].strip() : "";
        switch (keyword) {
            case "value" -> {
                try {
                    values.computeIfAbsent(row, k -> new LinkedHashMap<>()).computeIfAbsent(c, k -> new ArrayList<>())
                            .add(Double.parseDouble(text));
                } catch (NumberFormatException e) {
                    addTo(failures, row, c, "reported '" + text + "', not a number");
                }
            }
            case "skip" -> forRows(row, id -> skips.computeIfAbsent(id, k -> new LinkedHashMap<>()).putIfAbsent(c, text));
            case "failed" -> forRows(row, id -> addTo(failures, id, c, text));
            case "note" -> addTo(notes, row, c, text);
            case "check" -> addTo(checks, row, c, text);
            case "kill" -> kills.put(c, rest.strip());
            default -> {
                // not ours
            }
        }
    }

    private static void forRows(String row, java.util.function.Consumer<String> action) {
        if (row.equals("*")) {
            ROWS.forEach(r -> action.accept(r.id()));
        } else {
            action.accept(row);
        }
    }

    private static void addTo(Map<String, Map<Column, Set<String>>> map, String row, Column c, String text) {
        map.computeIfAbsent(row, k -> new LinkedHashMap<>()).computeIfAbsent(c, k -> new LinkedHashSet<>()).add(text);
    }

    /**
     * The values of one cell.
     *
     * @return the per-run values, empty if none
     */
    List<Double> values(String row, Column c) {
        return values.getOrDefault(row, Map.of()).getOrDefault(c, List.of());
    }

    /**
     * The median of a cell: the middle value, or the upper middle one of an even count (as every contestant
     * computes its own medians).
     *
     * @return the median, or NaN if the cell is empty
     */
    double median(String row, Column c) {
        List<Double> v = values(row, c);
        if (v.isEmpty()) {
            return Double.NaN;
        }
        double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        return Contestant.median(a);
    }

    /**
     * Ensemble's advantage over a peer on a row: above 1, Ensemble is better by that factor.
     *
     * @param row the row
     * @param ensemble Ensemble's median
     * @param peer the peer's median
     * @return peer ÷ Ensemble for a row where lower is better, Ensemble ÷ peer otherwise
     */
    static double advantage(Row row, double ensemble, double peer) {
        return row.higherIsBetter() ? ensemble / peer : peer / ensemble;
    }

    /** The peer with the best median on a row among the process peers, or null if none has a value. */
    Column bestProcessPeer(Row row) {
        Column best = null;
        for (Column c : Column.values()) {
            double m = median(row.id(), c);
            if (!c.processPeer() || Double.isNaN(m)) {
                continue;
            }
            double b = best == null ? Double.NaN : median(row.id(), best);
            if (best == null || (row.higherIsBetter() ? m > b : m < b)) {
                best = c;
            }
        }
        return best;
    }

    /**
     * The table, its notes and the machine it ran on, as Markdown.
     *
     * @return the Markdown
     */
    public String markdown() {
        footnotes.clear();
        Sizes sizes = meta.containsKey("sizes") ? Sizes.decode(meta.get("sizes")) : Sizes.quick();
        StringBuilder out = new StringBuilder();
        out.append(Labels.machine(meta)).append("\n\n");
        out.append("| measure (2 workers unless stated) |");
        for (Column c : Column.values()) {
            out.append(' ').append(c.label).append(" |");
        }
        out.append(" processes vs best process peer | threads vs ExecutorService | processes ÷ floor |\n");
        out.append("| --- |").append(" ---: |".repeat(Column.values().length)).append(" ---: | ---: | ---: |\n");
        for (Row row : ROWS) {
            out.append("| ").append(Labels.row(row.id(), sizes, meta)).append(" |");
            for (Column c : Column.values()) {
                out.append(' ').append(row.id().equals("kill") ? killCell(c) : cell(row, c)).append(" |");
            }
            out.append(' ').append(row.id().equals("kill") ? "" : processRatio(row)).append(" |");
            out.append(' ').append(row.id().equals("kill") ? "" : threadRatio(row)).append(" |");
            out.append(' ').append(floorRatio(row.id())).append(" |\n");
        }
        out.append('\n');
        out.append(Labels.explanation(sizes, meta)).append('\n');
        for (var note : footnotes.entrySet()) {
            out.append("\n- [").append(note.getValue()).append("] ").append(note.getKey());
        }
        out.append("\n\n").append(checksLine()).append('\n');
        return out.toString();
    }

    /** The rows of the README's summary: the ones a newcomer asks about first. */
    static final List<String> SUMMARY_ROWS = List.of("start_cold", "start_cold_aot", "rt_median", "map", "array",
            "words");

    /**
     * A short table of {@link #SUMMARY_ROWS} for the README: Ensemble's two columns and the two ratios, with a
     * link to the full table.
     *
     * @return the Markdown
     */
    public String summary() {
        footnotes.clear();
        Sizes sizes = meta.containsKey("sizes") ? Sizes.decode(meta.get("sizes")) : Sizes.quick();
        StringBuilder out = new StringBuilder();
        out.append("| measure (2 workers) | Ensemble threads | Ensemble processes | processes vs best process peer "
                + "| threads vs ExecutorService |\n| --- | ---: | ---: | ---: | ---: |\n");
        for (Row row : ROWS) {
            if (!SUMMARY_ROWS.contains(row.id())) {
                continue;
            }
            out.append("| ").append(Labels.row(row.id(), sizes, meta)).append(" | ").append(cell(row, Column.ENSEMBLE_THREADS))
                    .append(" | ").append(cell(row, Column.ENSEMBLE_PROCESSES)).append(" | ")
                    .append(processRatio(row)).append(" | ").append(threadRatio(row)).append(" |\n");
        }
        String cold = floorRatio("start_cold");
        String large = floorRatio("start_cold_large");
        if (!cold.isEmpty()) {
            out.append("\nProcesses' cold start is ").append(cold).append(" the floor (").append(Sizes.WORKERS)
                    .append(" bare JVMs answering, ").append(format(ROWS.getFirst(), median("start_cold", Column.FLOOR)))
                    .append(" ms)");
            if (!large.isEmpty()) {
                out.append(", ").append(large).append(" with a class path of ")
                        .append(meta.getOrDefault("large_classpath", "about 120")).append(" jars");
            }
            out.append(".\n");
        }
        // The README says where the figures come from; the machine's load and the rest of the conditions stay on
        // the benchmark page, which the README links to.
        out.append("\nMedians of a quick `./ensemble bench` run on a ").append(meta.getOrDefault("cores", "?"))
                .append("-core machine; every row, the peers' own figures and the conditions: "
                + "[docs/benchmarks.md](docs/benchmarks.md).\n");
        footnotes.clear();
        return out.toString();
    }

    private String cell(Row row, Column c) {
        List<Double> v = values(row.id(), c);
        StringBuilder s = new StringBuilder();
        if (!v.isEmpty()) {
            double min = v.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            double max = v.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            s.append(format(row, median(row.id(), c)));
            if (v.size() > 1) {
                s.append(" (").append(format(row, min)).append('–').append(format(row, max)).append(')');
            }
        } else if (skips.getOrDefault(row.id(), Map.of()).containsKey(c)) {
            s.append('-').append(mark(skips.get(row.id()).get(c)));
        } else if (failures.getOrDefault(row.id(), Map.of()).containsKey(c)) {
            s.append("failed");
        } else {
            s.append('-');
        }
        for (String failure : failures.getOrDefault(row.id(), Map.of()).getOrDefault(c, Set.of())) {
            s.append(mark(c.label.replace("`", "") + " failed" + (v.isEmpty() ? "" : " in some runs") + ": " + failure));
        }
        for (String note : notes.getOrDefault(row.id(), Map.of()).getOrDefault(c, Set.of())) {
            s.append(mark(note));
        }
        return s.toString();
    }

    private String killCell(Column c) {
        String text = kills.get(c);
        if (text != null) {
            return text;
        }
        Map<Column, String> skipped = skips.getOrDefault("kill", Map.of());
        if (skipped.containsKey(c)) {
            return "-" + mark(skipped.get(c));
        }
        Set<String> failed = failures.getOrDefault("kill", Map.of()).getOrDefault(c, Set.of());
        return failed.isEmpty() ? "-" : "failed" + mark(c.label.replace("`", "") + " failed: " + String.join("; ", failed));
    }

    private String processRatio(Row row) {
        double ensemble = median(row.id(), Column.ENSEMBLE_PROCESSES);
        Column best = bestProcessPeer(row);
        if (best == null || Double.isNaN(ensemble)) {
            return "";
        }
        return ratio(advantage(row, ensemble, median(row.id(), best))) + " vs " + best.shortName;
    }

    private String threadRatio(Row row) {
        double ensemble = median(row.id(), Column.ENSEMBLE_THREADS);
        double executor = median(row.id(), Column.EXECUTOR);
        if (Double.isNaN(ensemble) || Double.isNaN(executor)) {
            return "";
        }
        return ratio(advantage(row, ensemble, executor));
    }

    /** Ensemble processes' time ÷ the floor's, on the start-up rows. */
    private String floorRatio(String row) {
        double ensemble = median(row, Column.ENSEMBLE_PROCESSES);
        double floor = median(row, Column.FLOOR);
        if (!row.startsWith("start_") || Double.isNaN(ensemble) || Double.isNaN(floor)) {
            return "";
        }
        return String.format(Locale.ROOT, "%.2fx", ensemble / floor);
    }

    private static String ratio(double r) {
        return r >= 10 ? String.format(Locale.ROOT, "**%.0fx**", r)
                : r >= 1 ? String.format(Locale.ROOT, "**%.2fx**", r) : String.format(Locale.ROOT, "%.2fx", r);
    }

    /**
     * A number with three significant digits, thousands grouped ({@code 1,234}, {@code 56.7}, {@code 0.0123}).
     */
    static String format(Row row, double value) {
        double v = value * row.scale();
        if (row.decimals() >= 0) {
            return String.format(Locale.ROOT, "%." + row.decimals() + "f", v);
        }
        if (v == 0 || Double.isNaN(v) || Double.isInfinite(v)) {
            return String.valueOf(v);
        }
        if (Math.abs(v) >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }

    private String mark(String note) {
        String letter = footnotes.computeIfAbsent(note, k -> String.valueOf((char) ('a' + footnotes.size())));
        return " [" + letter + "]";
    }

    private String checksLine() {
        List<String> agreed = new ArrayList<>();
        List<String> differ = new ArrayList<>();
        for (var check : checks.entrySet()) {
            Set<String> all = new LinkedHashSet<>();
            check.getValue().values().forEach(all::addAll);
            List<String> who = check.getValue().keySet().stream().map(c -> c.label.replace("`", "")).toList();
            String what = check.getKey().equals("model") ? "model checksum" : "word counts (total:distinct:digest)";
            if (all.size() == 1) {
                agreed.add(what + " " + all.iterator().next() + " from " + String.join(", ", who));
            } else {
                StringBuilder d = new StringBuilder(what + ":");
                check.getValue().forEach((c, v) -> d.append(' ').append(c.label.replace("`", "")).append('=')
                        .append(String.join("/", v)));
                differ.add(d.toString());
            }
        }
        StringBuilder s = new StringBuilder();
        if (!differ.isEmpty()) {
            s.append("**Results differ between contestants**: ").append(String.join("; ", differ)).append(". ");
        }
        if (!agreed.isEmpty()) {
            s.append("Every result was checked by its contestant (maps element by element, arrays equal, counts "
                    + "against a sequential count); the same ").append(String.join("; the same ", agreed)).append('.');
        }
        return s.toString();
    }

    /**
     * Whether every contestant that reported a checksum reported the same one, for each checksum.
     *
     * @return true if no checksum differs
     */
    public boolean checksAgree() {
        for (var check : checks.values()) {
            Set<String> all = new LinkedHashSet<>();
            check.values().forEach(all::addAll);
            if (all.size() > 1) {
                return false;
            }
        }
        return true;
    }

    /**
     * Replaces what lies between the begin and end markers of {@code text} with {@code body}.
     *
     * @param text the README
     * @param body the new content
     * @return the new README
     * @throws IllegalArgumentException if the markers are missing or out of order
     */
    public static String splice(String text, String body) {
        String begin = "<!-- benchmarks:begin -->";
        String end = "<!-- benchmarks:end -->";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("the README has no '" + begin + "' ... '" + end + "' markers");
        }
        return text.substring(0, from + begin.length()) + "\n" + body.strip() + "\n" + text.substring(to);
    }
}
