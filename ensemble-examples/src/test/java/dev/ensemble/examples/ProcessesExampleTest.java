package dev.ensemble.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Runs the {@code processes} example and checks what it prints. */
class ProcessesExampleTest {
    @Test
    void processesExample() {
        String out = DemoTest.output("faults");
        assertThat(out).contains("2 worker JVMs ready in")
                .contains("every worker's first run is [1, 1]")
                .contains("1000 results in order: true").contains(", restarts 1")
                .contains("ran over its timeout of PT1S; its worker process was killed and replaced")
                .contains("and the pool goes on: [10, 20, 30]")
                .contains("refused before sending:").contains("java.lang.Thread");
    }
}
