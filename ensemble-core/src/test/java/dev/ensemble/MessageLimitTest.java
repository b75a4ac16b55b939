package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ensemble.internal.wire.FrameChannel;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A message between a pool and a worker process has a size limit (1 GiB; lowered here to 1 MiB, through the
 * {@value FrameChannel#MAX_FRAME_PROPERTY} system property, so that tests need not move gigabytes). A result or
 * an input over it fails its own task with a message saying so; the worker lives on, and the other tasks of
 * the chunk are unaffected. Before, a result over the limit killed its worker (twice with a retry) and was
 * reported as a worker death, and an input over it made the pool kill the worker it was meant for.
 */
@ExtendWith(LeakCheck.class)
class MessageLimitTest {
    private static final int LIMIT = 1 << 20;

    private static long pid(WorkerPool pool) {
        return pool.apply(() -> ProcessHandle.current().pid());
    }

    private static int length(Object value) {
        return value instanceof byte[] bytes ? bytes.length : -1;
    }

    @Test
    void aResultOverTheLimit_failsItsOwnTask_andTheWorkerLivesOn() {
        try (WorkerPool pool = WorkerPool.builder().workers(1).processes().retries(1)
                .jvmArgs("-D" + FrameChannel.MAX_FRAME_PROPERTY + "=" + LIMIT).build()) {
            long before = pid(pool);
            List<Outcome<byte[]>> outcomes = pool.mapOutcomes(List.of(10, 2 * LIMIT, 20, LIMIT / 2, 30),
                    n -> new byte[n], CallOptions.defaults().chunkSize(5));
            assertThat(outcomes).hasSize(5);
            assertThat(outcomes.get(1)).isInstanceOfSatisfying(Outcome.Failure.class, f -> assertThat(f.error())
                    .isExactlyInstanceOf(TaskFailedException.class).hasMessageContaining("index 1").cause()
                    .hasMessageContaining("could not be sent back").hasMessageContaining("at most " + LIMIT));
            for (int i : new int[] {0, 2, 3, 4}) {
                assertThat(length(outcomes.get(i).getOrThrow())).isEqualTo(List.of(10, 0, 20, LIMIT / 2, 30).get(i));
            }
            // Results that fit one by one but not together: the largest give way, the others arrive.
            List<Outcome<byte[]>> together = pool.mapOutcomes(List.of(LIMIT * 2 / 5, LIMIT * 2 / 5 + 1,
                    LIMIT * 2 / 5 + 2), n -> new byte[n], CallOptions.defaults().chunkSize(3));
            assertThat(together.stream().filter(o -> o instanceof Outcome.Failure<?> f
                    && f.error().getCause().getMessage().contains("smaller chunkSize")).count()).isEqualTo(1);
            assertThat(together.get(2)).as("the largest").isInstanceOf(Outcome.Failure.class);
            // Each alone fits: many of them, results batched per message, all arrive.
            assertThat(pool.map(List.of(LIMIT / 3, LIMIT / 3, LIMIT / 3, LIMIT / 3, LIMIT / 3, LIMIT / 3),
                    n -> new byte[n], CallOptions.defaults().chunkSize(1))).hasSize(6)
                    .allSatisfy(b -> assertThat(b).hasSize(LIMIT / 3));
            assertThat(pid(pool)).as("the same worker").isEqualTo(before);
            assertThat(pool.insights().workers().getFirst().restarts()).isZero();
        }
    }

    @Test
    void anInputOverTheLimit_failsItsOwnTask_andTheWorkerLivesOn() {
        String previous = System.setProperty(FrameChannel.MAX_FRAME_PROPERTY, Integer.toString(LIMIT));
        try (WorkerPool pool = WorkerPool.builder().workers(1).processes().retries(1).build()) {
            long before = pid(pool);
            List<Object> inputs = List.of(new byte[10], new byte[2 * LIMIT], new byte[20], new byte[LIMIT / 2]);
            List<Outcome<Integer>> outcomes = pool.mapOutcomes(inputs, MessageLimitTest::length,
                    CallOptions.defaults().chunkSize(4));
            assertThat(outcomes.get(1)).isInstanceOfSatisfying(Outcome.Failure.class, f -> assertThat(f.error())
                    .isExactlyInstanceOf(TaskFailedException.class).hasMessageContaining("index 1").cause()
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be sent")
                    .hasMessageContaining("at most " + LIMIT));
            assertThat(outcomes.get(0).getOrThrow()).isEqualTo(10);
            assertThat(outcomes.get(2).getOrThrow()).isEqualTo(20);
            assertThat(outcomes.get(3).getOrThrow()).isEqualTo(LIMIT / 2);
            // a task that captures more than a message holds fails with that reason, before any worker dies
            byte[] captured = new byte[2 * LIMIT];
            List<Outcome<Integer>> heavy = pool.mapOutcomes(List.of(1, 2), x -> x + captured.length);
            assertThat(heavy).allSatisfy(o -> assertThat(o).isInstanceOfSatisfying(Outcome.Failure.class,
                    f -> assertThat(f.error()).hasMessageContaining("captures too much data")));
            assertThat(pool.map(List.of(1, 2, 3), x -> x * 2)).containsExactly(2, 4, 6);
            assertThat(pid(pool)).as("the same worker").isEqualTo(before);
            assertThat(pool.insights().workers().getFirst().restarts()).isZero();
        } finally {
            if (previous == null) {
                System.clearProperty(FrameChannel.MAX_FRAME_PROPERTY);
            } else {
                System.setProperty(FrameChannel.MAX_FRAME_PROPERTY, previous);
            }
        }
    }
}
