package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

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

    @Test
    void aTaskThatCapturesItsPool_isRefusedWithAClearMessage() {
        WorkerPool pool = pool(1);
        assertThatThrownBy(() -> pool.map(range(2), x -> pool.map(range(2), y -> y).size()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("captures a pool")
                .hasMessageContaining("WorkerPool.threads(n)").hasMessageNotContaining("PoolImpl")
                .hasMessageNotContaining("allow list");
        assertThat(pool.map(List.of(1, 2), x -> x)).containsExactly(1, 2);
    }

    @Test
    void anEnsembleThatCapturesItself_isRefusedWithAClearMessage() {
        try (Ensemble<StringBuilder> models = Ensemble.processes(1, StringBuilder::new)) {
            assertThatThrownBy(() -> models.broadcast(m -> models.broadcast(StringBuilder::length).size()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("captures a pool")
                    .hasMessageNotContaining("EnsembleImpl");
        }
    }
}
