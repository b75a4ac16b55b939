package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Calls that finish while a worker is looking for work, not when it reports a chunk: they used to hang because
 * their futures were completed only when that worker next got a chunk.
 */
class EmptyCallsTest {

    @Test
    void map_ofNoInputs_returnsAnEmptyList() {
        try (WorkerPool pool = WorkerPool.threads(2)) {
            assertThat(pool.map(List.<Integer>of(), x -> x)).isEmpty();
            assertThat(pool.mapUnordered(List.<Integer>of(), x -> x, CallOptions.defaults().chunkSize(1))).isEmpty();
            assertThat(pool.stream(List.<Integer>of(), x -> x).toList()).isEmpty();
        }
    }

    @Test
    void map_whoseInputsThrow_failsRatherThanHangs() {
        Iterable<Integer> broken = () -> new Iterator<>() {
            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Integer next() {
                throw new IllegalStateException("input source broke");
            }
        };
        try (WorkerPool pool = WorkerPool.threads(2)) {
            assertThatThrownBy(() -> pool.map(broken, x -> x)).hasRootCauseMessage("input source broke");
        }
    }
}
