package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract on virtual threads, plus many blocking tasks at once. */
class VirtualThreadsTest extends WorkerPoolContract {
    @Override
    protected WorkerPool.Builder builder() {
        return WorkerPool.builder().virtualThreads();
    }

    @Test
    void manyVirtualWorkers_overlapBlockingTasks() throws Exception {
        int workers = 200;
        FileLatch all = FileLatch.create(temp, workers);
        WorkerPool pool = track(builder().workers(workers).build());
        List<Boolean> onVirtual = pool.map(range(workers), i -> {
            all.countDown("t" + i);
            all.await(PATIENCE); // 200 tasks blocked at once: only possible with 200 workers running together
            return Thread.currentThread().isVirtual();
        }, CallOptions.defaults().chunkSize(1));
        assertThat(onVirtual).hasSize(workers).containsOnly(true);
    }
}
