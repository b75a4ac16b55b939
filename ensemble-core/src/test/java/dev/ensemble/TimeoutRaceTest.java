package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A worker process's timeout watchdog must time out only tasks that ran over the timeout. It used to check a
 * chunk whose first task had not started yet as if that task had started at time 0, so that, with a timeout set,
 * about one chunk in ten thousand failed with {@link TaskTimeoutException} at once (and when the task ended
 * before the report went out, the next chunk's task was blamed with a {@link WorkerDiedException} instead).
 * Many tiny chunks make the window between a chunk becoming the running one and its first task starting come
 * up often; none of them may fail.
 */
@ExtendWith(LeakCheck.class)
class TimeoutRaceTest {
    @Test
    void manyShortChunks_withATimeout_noneTimesOut() {
        try (WorkerPool pool = WorkerPool.builder().workers(2).processes().taskTimeout(Duration.ofSeconds(2))
                .build()) {
            List<Integer> inputs = IntStream.range(0, 10_000).boxed().toList();
            for (int round = 0; round < 2; round++) {
                List<Outcome<Integer>> outcomes = pool.mapOutcomes(inputs, x -> x + 1,
                        CallOptions.defaults().chunkSize(1));
                assertThat(outcomes.stream().filter(o -> !o.isSuccess()).toList()).as("failures").isEmpty();
            }
            assertThat(pool.insights().workers()).allSatisfy(w -> assertThat(w.restarts()).isZero());
        }
    }
}
