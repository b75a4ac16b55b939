package dev.ensemble.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The worker-state and shared-objects examples run on worker JVMs and print figures a person can check. */
class WorkerStateExamplesTest {
    @Test
    void workerState_loadsOnceAndPredictsEveryInput() {
        String out = DemoTest.output("worker-state");
        assertThat(out).contains("2 models loaded").contains("10,000 predictions")
                .contains("tasks completed: 10,000").contains("Insights of pool worker-state");
    }

    @Test
    void sharedObjects_totalsMatch() {
        String out = DemoTest.output("shared-objects");
        assertThat(out).contains("total 999,000,000 (expected 999,000,000)")
                .contains("[2000000, 2000000] rows");
    }
}
