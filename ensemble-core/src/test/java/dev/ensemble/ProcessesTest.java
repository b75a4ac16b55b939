package dev.ensemble;

/** The contract on worker processes; the faults only processes have are in {@link ProcessFaultsTest}. */
class ProcessesTest extends WorkerPoolContract {
    @Override
    protected WorkerPool.Builder builder() {
        return WorkerPool.builder().processes();
    }

    @Override
    protected boolean isInProcess() {
        return false;
    }
}
