package dev.ensemble.spi.cluster;

import dev.ensemble.Ensemble;
import dev.ensemble.EnsembleContract;
import org.junit.jupiter.api.AfterAll;

/**
 * The instance-pool contract on the SPI-only cluster module ({@link InMemoryCluster}): instances live on its
 * members. Its workers cannot be killed by a call, so the contract's death tests are skipped here (the Hazelcast
 * module runs them on member JVMs).
 */
class InMemoryEnsembleTest extends EnsembleContract {
    private static final InMemoryCluster CLUSTER = new InMemoryCluster(2);

    @AfterAll
    static void closeCluster() {
        CLUSTER.close();
    }

    @Override
    protected <S> Ensemble<S> build(Ensemble.Builder<S> builder) {
        return builder.cluster(CLUSTER).build();
    }
}
