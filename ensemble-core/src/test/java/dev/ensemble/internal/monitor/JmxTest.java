package dev.ensemble.internal.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ensemble.LeakCheck;
import dev.ensemble.WorkerPool;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class JmxTest {
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    private static ObjectName registeredName(String poolName) throws Exception {
        return PoolMonitorTest.monitorOf(poolName).jmx().awaitRegistered(30, TimeUnit.SECONDS);
    }

    @Test
    void pool_registersABeanWithItsFiguresAndUnregistersItOnClose() throws Exception {
        ObjectName name;
        try (WorkerPool pool = WorkerPool.builder().workers(2).name("jmx-figures").build()) {
            name = registeredName("jmx-figures");
            assertThat(name).isEqualTo(new ObjectName("dev.ensemble:type=WorkerPool,name=jmx-figures"));
            pool.map(IntStream.range(0, 30).boxed().toList(), x -> x);

            assertThat(server.isRegistered(name)).isTrue();
            assertThat(server.getAttribute(name, "Name")).isEqualTo("jmx-figures");
            assertThat(server.getAttribute(name, "Kind")).isEqualTo("threads");
            assertThat(server.getAttribute(name, "State")).isEqualTo("running");
            assertThat(server.getAttribute(name, "Workers")).isEqualTo(2);
            assertThat(server.getAttribute(name, "TasksCompleted")).isEqualTo(30L);
            assertThat(server.getAttribute(name, "CallsCompleted")).isEqualTo(1L);
            assertThat(server.getAttribute(name, "CallsFailed")).isEqualTo(0L);
            assertThat(server.getAttribute(name, "RunningCalls")).isEqualTo(0);
            assertThat(server.getAttribute(name, "Restarts")).isEqualTo(0);
            assertThat((Double) server.getAttribute(name, "WorkingSeconds")).isPositive();
            assertThat((Double) server.getAttribute(name, "Utilization")).isBetween(0.0, 1.0);
            assertThat((String) server.getAttribute(name, "InsightsTable"))
                    .startsWith("Insights of pool jmx-figures: 2 workers, 30 tasks");

            TabularData workers = (TabularData) server.getAttribute(name, "WorkerStats");
            assertThat(workers.size()).isEqualTo(2);
            CompositeData first = workers.get(new Object[] {0});
            assertThat(first.get("state")).isEqualTo("idle");
            long tasks = 0;
            for (Object row : workers.values()) {
                tasks += (Long) ((CompositeData) row).get("tasksCompleted");
            }
            assertThat(tasks).isEqualTo(30);

            TabularData slowest = (TabularData) server.getAttribute(name, "SlowestTasks");
            assertThat(slowest.size()).isBetween(1, 5);
            assertThat(slowest.get(new Object[] {1}).get("input")).isInstanceOf(String.class);

            List<String> attributes = List.of(server.getMBeanInfo(name).getAttributes()).stream()
                    .map(a -> a.getName()).toList();
            assertThat(attributes).contains("StartingSeconds", "StartHookSeconds", "WaitingSeconds",
                    "ExitHookSeconds", "MeanTaskSeconds");
        }
        assertThat(server.isRegistered(name)).isFalse();
    }

    @Test
    void twoLivePoolsOfOneName_getDistinctBeans() throws Exception {
        try (WorkerPool first = WorkerPool.builder().workers(1).name("jmx-twin").build()) {
            ObjectName firstName = registeredName("jmx-twin");
            try (WorkerPool second = WorkerPool.builder().workers(1).name("jmx-twin").build()) {
                PoolMonitor secondMonitor = PoolMonitor.livePools().getLast();
                assertThat(secondMonitor.name()).isEqualTo("jmx-twin");
                ObjectName secondName = secondMonitor.jmx().awaitRegistered(30, TimeUnit.SECONDS);
                assertThat(secondName).isNotEqualTo(firstName);
                assertThat(secondName.getKeyProperty("id")).isEqualTo(Long.toString(secondMonitor.id()));
                assertThat(server.isRegistered(secondName)).isTrue();
                assertThat(first.size() + second.size()).isEqualTo(2);
            }
            assertThat(server.isRegistered(firstName)).isTrue();
        }
    }

    @Test
    void objectName_quotesPoolNamesThatJmxWouldMisread() throws Exception {
        assertThat(JmxRegistration.objectName("a,b=c", -1).getKeyProperty("name")).isEqualTo("\"a,b=c\"");
        assertThat(JmxRegistration.objectName("plain-name", 3))
                .isEqualTo(new ObjectName("dev.ensemble:type=WorkerPool,name=plain-name,id=3"));
    }
}
