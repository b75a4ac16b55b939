package dev.ensemble.hazelcast.internal;

import dev.ensemble.WorkerHook;

/**
 * What a member needs to host a pool's workers, sent once per member per pool.
 *
 * @param name the pool's name, for thread names and messages
 * @param workers the pool's size (what {@code WorkerContext.workerCount()} says)
 * @param shared the shared objects, or null
 * @param onStart the start hook, or null
 * @param onExit the exit hook, or null
 * @param timeoutNanos the task timeout, or 0 for none
 */
record PoolSetup(String name, int workers, Object shared, WorkerHook onStart, WorkerHook onExit, long timeoutNanos) {
}
