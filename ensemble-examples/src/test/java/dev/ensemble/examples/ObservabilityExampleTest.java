package dev.ensemble.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ObservabilityExampleTest {
    @Test
    void observability_showsTheDashboardInsightsAndJmxName() {
        String out = DemoTest.output("observability");
        assertThat(out).contains("dashboard of every live pool in this JVM: http://127.0.0.1:")
                .contains("the dashboard sees: \"running\":[{\"id\":1,\"name\":\"simulate\",\"site\":\"Observability.java:")
                .contains("simulated 200 values")
                .contains("Insights of pool observed: 2 workers, 200 tasks")
                .contains("JMX bean dev.ensemble:type=WorkerPool,name=observed");
    }
}
