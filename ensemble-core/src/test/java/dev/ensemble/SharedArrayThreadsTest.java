package dev.ensemble;

/** The shared-array contract on platform threads: workers use the very same segment as the caller. */
class SharedArrayThreadsTest extends SharedArrayContract {
    @Override
    protected WorkerPool.Builder builder() {
        return WorkerPool.builder().threads();
    }
}
