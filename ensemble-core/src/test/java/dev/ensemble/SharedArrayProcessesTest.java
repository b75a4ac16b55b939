package dev.ensemble;

/** The shared-array contract on worker processes: every JVM maps the same file. */
class SharedArrayProcessesTest extends SharedArrayContract {
    @Override
    protected WorkerPool.Builder builder() {
        return WorkerPool.builder().processes();
    }
}
