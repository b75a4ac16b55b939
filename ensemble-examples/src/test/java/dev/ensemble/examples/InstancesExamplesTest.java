package dev.ensemble.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Runs the {@code ensemble} and {@code batched} examples and checks what they print. */
class InstancesExamplesTest {

    private static String run(String name) {
        return DemoTest.output(name);
    }

    @Test
    void ensembleExample() {
        String out = run("ensemble");
        assertThat(out).contains("scatter, seed i to instance i, answered by workers [0, 1, 2, 3]")
                .contains("beta 0.12 -> peak").contains("on(2), one chosen instance: instance 2:");
        // Every instance logged its reseed, its broadcast run and its share of the 12-run sweep.
        assertThat(out).containsPattern("instance 0: \\d+ log entries");
    }

    @Test
    void batchedExample() {
        String out = run("batched");
        assertThat(out).contains("4 results of sizes [25, 25, 25, 25]")
                .contains("with flatten: 100 values, [0, 2, 4, 6, 8] ...")
                .contains("flatten then average: 99.0")
                .contains("sum of squares, each batch sums its own: 328350")
                .contains("the=4").contains("over=3").contains("any line mentions a fox (or): true")
                .contains("largest squared distance to the nearest centre: 104.0");
    }
}
