package dev.ensemble.internal.cluster;

import dev.ensemble.WorkerHook;
import java.util.List;

/**
 * What a member needs to host a pool's workers, sent once per member per pool.
 *
 * @param name the pool's name, for thread names and messages
 * @param workers the pool's size (what {@code WorkerContext.workerCount()} says)
 * @param shared the shared objects, or null
 * @param onStart the start hook, or null
 * @param onExit the exit hook, or null
 * @param timeoutNanos the task timeout, or 0 for none
 * @param processes whether the member runs each worker in a worker JVM of its own rather than a thread
 * @param jvmArgs options of those worker JVMs
 */
record PoolSetup(String name, int workers, Object shared, WorkerHook onStart, WorkerHook onExit, long timeoutNanos,
        boolean processes, List<String> jvmArgs) {
}
