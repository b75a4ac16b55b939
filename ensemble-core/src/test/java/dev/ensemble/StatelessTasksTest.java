package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ensemble.internal.backend.Jobs;
import dev.ensemble.internal.wire.Stateless;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Which tasks a worker process may keep and reuse across calls (stateless ones), and that this is invisible: a
 * task that captures state gets a fresh copy in every call, as it would if it were deserialized every time. A
 * user's record or lambda capturing a value is never taken as stateless; the library's wrapper of a stateless
 * job is.
 */
@ExtendWith(LeakCheck.class)
class StatelessTasksTest {
    record UserRecord(Task<Integer, Integer> task) {
    }

    @Test
    void nonCapturingLambdaAndStaticMethodReference_areStateless() {
        Task<Integer, Integer> lambda = x -> x + 1;
        Task<Integer, Integer> reference = Math::abs;
        assertThat(Stateless.is(lambda)).isTrue();
        assertThat(Stateless.fieldless(lambda)).isTrue();
        assertThat(Stateless.is(reference)).isTrue();
    }

    @Test
    void capturingLambda_isNot() {
        int[] counter = {0};
        Task<Integer, Integer> lambda = x -> counter[0]++;
        assertThat(Stateless.is(lambda)).isFalse();
        assertThat(Stateless.fieldless(lambda)).isFalse();
        assertThat(Stateless.is(null)).isFalse();
    }

    @Test
    void libraryWrapper_isStatelessExactlyWhenWhatItWrapsIs() {
        Job<Object> plain = () -> 1;
        String captured = "state";
        Job<Object> capturing = () -> captured;
        assertThat(Stateless.is(Jobs.asTask(plain))).isTrue();
        assertThat(Stateless.fieldless(Jobs.asTask(plain))).isFalse(); // its serialized form depends on the job
        assertThat(Stateless.is(Jobs.asTask(capturing))).isFalse();
    }

    @Test
    void userRecord_isTreatedAsStateful() {
        assertThat(Stateless.is(new UserRecord(x -> x))).isFalse();
    }

    @Test
    void onWorkerProcesses_aCapturingTaskStartsFromItsCapturedStateInEveryCall_andStatelessOnesAreReused() {
        try (WorkerPool pool = WorkerPool.builder().workers(1).processes().build()) {
            int[] counter = {0};
            Job<Integer> increments = () -> ++counter[0];
            List<Integer> seen = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                seen.add(pool.apply(increments));
            }
            assertThat(seen).containsOnly(1); // the worker's copy is never carried over to the next call
            for (int i = 0; i < 50; i++) {
                int expected = i;
                assertThat(pool.apply(() -> 7)).isEqualTo(7);
                assertThat(pool.submit(() -> expected * 2).join()).isEqualTo(expected * 2);
            }
            assertThat(pool.map(List.of(1, 2, 3), x -> x * 10)).containsExactly(10, 20, 30);
            assertThat(pool.map(List.of(1, 2, 3), x -> x * 10)).containsExactly(10, 20, 30);
        }
    }
}
