package dev.ensemble.spi;

import dev.ensemble.internal.monitor.PoolMonitor;
import java.util.List;

/**
 * The live pools of this JVM, as a monitoring module (the dashboard) reads them: every pool, instance pool or
 * batched ensemble that has started and not yet stopped.
 */
public final class LivePools {
    private LivePools() {
    }

    /**
     * A snapshot of every live pool, oldest first. Cheap enough to call a few times per second: each pool's figures
     * are read without waiting for its dispatch.
     *
     * @return one view per live pool
     */
    public static List<PoolView> snapshot() {
        return PoolMonitor.livePools().stream().map(PoolMonitor::view).toList();
    }
}
