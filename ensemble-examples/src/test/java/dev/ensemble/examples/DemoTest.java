package dev.ensemble.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Every example runs and prints what it promises, so that examples never rot. */
class DemoTest {
    static String output(String example) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Demo.main(new String[] {example});
        } finally {
            System.setOut(original);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        original.print(text);
        return text;
    }

    @Test
    void basics_printsCheckableResults() {
        String out = output("basics");
        assertThat(out).contains("sum = 333,332,833,333,500,000 (expected 333,332,833,333,500,000)")
                .contains("first 10 primes: [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]")
                .contains("[worker 0 of 2, worker 1 of 2]")
                .contains("index 2 (input: \"three\")")
                .contains("[ok 1, failed at 1, ok 3]")
                .contains("Insights of pool basics");
    }

    @Test
    void cluster_runsOnTwoMembersAndStopsTheSecond() {
        String out = output("cluster");
        assertThat(out).contains(": 2 members on 127.0.0.1")
                .contains("pool: 4 workers, 2 on each member")
                .contains("sum = 333,328,333,350,000 (expected 333,328,333,350,000)")
                .contains("40 slow tasks ran on 2 member JVMs")
                .contains("shared objects, sent once per member: hello from a member")
                .contains("second member stopped: true");
    }
}
