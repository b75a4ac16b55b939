package dev.ensemble.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The table generator on a small made-up results file: cells, ratio direction, notes, checks, the README splice. */
class ReportTest {

    private static List<String> sample() throws IOException {
        try (InputStream in = ReportTest.class.getResourceAsStream("/side-by-side-sample.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    private static String row(String markdown, String prefix) {
        return markdown.lines().filter(l -> l.startsWith("| " + prefix)).findFirst().orElseThrow();
    }

    private static List<String> cells(String row) {
        List<String> cells = new ArrayList<>();
        for (String c : row.split("\\|", -1)) {
            cells.add(c.strip());
        }
        return cells.subList(1, cells.size() - 1);
    }

    @Test
    void cell_isMedianWithMinToMax_overRuns() throws IOException {
        List<String> cold = cells(row(Report.parse(sample()).markdown(), "1a."));

        // columns: measure, Ensemble threads, Ensemble processes, ExecutorService, PP4J, Pool, PPE, floor, 3 ratios
        assertThat(cold.get(2)).isEqualTo("400 (300–500)");
        assertThat(cold.get(4)).isEqualTo("200");
        assertThat(cold.get(5)).isEqualTo("12 (10–12)"); // two runs: the upper middle value, as every contestant
        assertThat(cold.get(1)).isEqualTo("-");
    }

    @Test
    void ratio_isPeerOverEnsemble_forTimes_againstTheBestProcessPeer() throws IOException {
        List<String> cold = cells(row(Report.parse(sample()).markdown(), "1a."));

        assertThat(cold.get(8)).isEqualTo("0.03x vs Pool"); // 12 / 400: Ensemble is 33 times slower here
        assertThat(cold.get(9)).isEmpty(); // neither threads nor the executor measured
    }

    @Test
    void ratio_isEnsembleOverPeer_forRatesAndSpeedups() throws IOException {
        String md = Report.parse(sample()).markdown();
        List<String> map = cells(row(md, "3."));

        assertThat(map.get(2)).isEqualTo("20");  // million tasks/s
        assertThat(map.get(8)).isEqualTo("**4.00x** vs Pool");
        assertThat(map.get(9)).isEqualTo("**4.00x**");
        assertThat(cells(row(md, "4c.")).get(8)).isEqualTo("0.97x vs Pool");
        assertThat(Report.advantage(new Report.Row("t", false, 1, -1), 2, 10)).isEqualTo(5);
        assertThat(Report.advantage(new Report.Row("r", true, 1, -1), 2, 10)).isEqualTo(0.2);
    }

    @Test
    void theFloor_isAColumn_andProcessesStartUpIsARatioToIt() throws IOException {
        String md = Report.parse(sample()).markdown();
        List<String> cold = cells(row(md, "1a."));

        assertThat(cold.get(7)).isEqualTo("160 (150–170)");
        assertThat(cold.get(10)).isEqualTo("2.50x"); // 400 / 160
        assertThat(cells(row(md, "3.")).get(7)).matches("- \\[.\\]");
        assertThat(cells(row(md, "3.")).get(10)).isEmpty(); // only the start-up rows
        assertThat(Report.parse(sample()).summary()).contains("Processes' cold start is 2.50x the floor");
    }

    @Test
    void theApplicationsOwnCacheRow_comparesThreadsToTheExecutor_andProcessesToTheFloor() throws IOException {
        List<String> aot = cells(row(Report.parse(sample()).markdown(), "1d."));

        assertThat(aot.get(0)).contains("the application's own AOT cache");
        assertThat(aot.get(9)).isEqualTo("0.33x"); // 2 / 6
        assertThat(aot.get(10)).isEqualTo("3.00x"); // 300 / 100
    }

    @Test
    void skippedFailedAndAnnotatedCells_carryANote() throws IOException {
        String md = Report.parse(sample()).markdown();
        List<String> map = cells(row(md, "3."));
        List<String> shared = cells(row(md, "5b."));

        assertThat(map.get(4)).isEqualTo("0.3 [a]");
        assertThat(md).contains("[a] PP4J has no map: chunked by hand");
        assertThat(shared.get(4)).matches("- \\[.\\]");
        assertThat(md).contains("PP4J has no shared memory");
        assertThat(shared.get(6)).matches("failed \\[.\\]");
        assertThat(md).contains("Python ProcessPoolExecutor failed: AssertionError: the shared array is wrong");
        assertThat(shared.get(8)).isEmpty(); // no process peer has a value
    }

    @Test
    void killRow_showsWhatEachContestantGot() throws IOException {
        List<String> kill = cells(row(Report.parse(sample()).markdown(), "kill -9"));

        assertThat(kill.get(2)).isEqualTo("all 1,000 results in order");
        assertThat(kill.get(5)).isEqualTo("hangs: no result within 5 s");
        assertThat(kill.get(1)).isEqualTo(kill.get(3)).matches("- \\[.\\]");
    }

    @Test
    void header_namesTheMachineAndTheRun() throws IOException {
        String md = Report.parse(sample()).markdown();

        assertThat(md.lines().findFirst().orElseThrow()).contains("quick mode, 3 runs", "2 cores (Test CPU)",
                "load average 1.00 2.00 3.00 at the start and 4.00 5.00 6.00 at the end", "JDK Test 25",
                "Python 3.11.7, numpy 2.4.6", "2026-01-02");
    }

    @Test
    void checks_agreeWhenEveryContestantReportsTheSameValue() throws IOException {
        List<String> lines = new ArrayList<>(sample());
        Report same = Report.parse(lines);
        lines.add("1 pp4j check model 41");
        Report differs = Report.parse(lines);

        assertThat(same.checksAgree()).isTrue();
        assertThat(same.markdown()).contains("the same model checksum 42 from Ensemble processes, Python Pool");
        assertThat(differs.checksAgree()).isFalse();
        assertThat(differs.markdown()).contains("**Results differ between contestants**");
    }

    @Test
    void format_keepsThreeSignificantDigits() {
        Report.Row ms = new Report.Row("x", false, 1, -1);

        assertThat(Report.format(ms, 1234.5)).isEqualTo("1,235");
        assertThat(Report.format(ms, 56.78)).isEqualTo("56.8");
        assertThat(Report.format(ms, 0.012345)).isEqualTo("0.0123");
        assertThat(Report.format(ms, 400)).isEqualTo("400");
    }

    @Test
    void splice_replacesOnlyWhatLiesBetweenTheMarkers() {
        String readme = "# T\n\n<!-- benchmarks:begin -->\nold\n<!-- benchmarks:end -->\n\nafter\n";

        assertThat(Report.splice(readme, "new table\n")).isEqualTo(
                "# T\n\n<!-- benchmarks:begin -->\nnew table\n<!-- benchmarks:end -->\n\nafter\n");
        assertThatThrownBy(() -> Report.splice("# no markers", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("benchmarks:begin");
    }

    @Test
    void sizes_travelAsText() {
        assertThat(Sizes.decode(Sizes.full().encode())).isEqualTo(Sizes.full());
        assertThatThrownBy(() -> Sizes.decode("runs=3")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("warmPools");
    }
}
