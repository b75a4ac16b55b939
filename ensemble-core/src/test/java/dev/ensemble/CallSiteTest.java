package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ensemble.spi.CallView;
import dev.ensemble.internal.monitor.PoolMonitor;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The dashboard names where each call was made: the first frame outside the library and the JDK. */
@ExtendWith(LeakCheck.class)
class CallSiteTest {

    private static int nextLine() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow().getLineNumber()) + 1;
    }

    private static CallView lastCall(String poolName) {
        PoolMonitor monitor = PoolMonitor.livePools().stream().filter(m -> m.name().equals(poolName)).findFirst()
                .orElseThrow();
        return monitor.view().recent().getFirst();
    }

    @Test
    void map_isCreditedToTheLineThatCalledIt() {
        try (WorkerPool pool = WorkerPool.builder().workers(1).name("site-map").build()) {
            int line = nextLine();
            pool.map(List.of(1, 2), x -> x);
            CallView call = lastCall("site-map");
            assertThat(call.callSite()).isEqualTo("CallSiteTest.java:" + line);
            assertThat(call.caller()).isEqualTo(CallSiteTest.class.getName() + ".map_isCreditedToTheLineThatCalledIt");
        }
    }

    @Test
    void submitThroughAStreamMethodReference_isCreditedToTheStreamsUser() {
        try (WorkerPool pool = WorkerPool.builder().workers(1).name("site-stream").build()) {
            int line = nextLine();
            IntStream.range(0, 1).mapToObj(i -> (Job<Integer>) () -> i).map(pool::submit).toList().getFirst().join();
            assertThat(lastCall("site-stream").callSite()).isEqualTo("CallSiteTest.java:" + line);
        }
    }
}
