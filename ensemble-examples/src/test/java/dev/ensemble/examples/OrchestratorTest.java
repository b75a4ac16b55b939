package dev.ensemble.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The mpaio orchestrator example runs and gathers the right results. */
class OrchestratorTest {
    @Test
    void orchestrator_gathersBothKindsOfWork() {
        String out = DemoTest.output("orchestrator");
        assertThat(out).contains("two kinds of work, 16 + 16 chunks, ran at once")
                .contains("numbers: count 8,000,000, sum 3,996,000,000, mean 499.5, min 0, max 999")
                .contains("gathered results match a single pass over the whole arrays: true");
    }
}
