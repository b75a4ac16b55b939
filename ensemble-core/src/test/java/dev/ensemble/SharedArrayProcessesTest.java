package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ensemble.internal.shm.Regions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared-array contract on worker processes: each maps the caller's files, once per worker JVM. */
class SharedArrayProcessesTest extends SharedArrayContract {
    @Override
    protected WorkerPool.Builder builder() {
        return WorkerPool.builder().processes();
    }

    @Test
    void eachWorkerProcess_mapsAnArrayOnce_forAllItsChunks() {
        try (SharedArray.OfDouble a = SharedArray.ofDoubles(1000)) {
            a.fill(1.0);
            assertThat(pool.mapChunks(a, 10, chunk -> chunk.view().sum())).hasSize(100)
                    .allSatisfy(sum -> assertThat(sum).isEqualTo(10.0));
            // Every chunk, slice and captured copy in a worker reuses one mapping; older arrays' are released.
            List<Integer> mapped = pool.broadcast(() -> a.length() > 0 ? Regions.mappedCount() : -1);
            assertThat(mapped).containsExactly(1, 1);
            List<Long> pids = pool.broadcast(() -> ProcessHandle.current().pid());
            assertThat(pids).doesNotContain(ProcessHandle.current().pid());
        }
    }
}
