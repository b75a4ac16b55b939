package dev.ensemble.internal.cluster;

import dev.ensemble.WorkerHook;
import dev.ensemble.internal.backend.ComposedHook;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.spi.cluster.MemberLayout;
import java.time.Duration;
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

    /**
     * The setup of a pool, encoded for its members. If it cannot be, each of the user's parts is tried on its own,
     * so that the one that cannot be sent is named (the instance factory, the shared objects, a hook), not the
     * setup; the parts are not encoded twice when all is well (shared objects can be large).
     *
     * @param config the pool's options
     * @param workers the pool's size
     * @param layout what runs on each member
     * @param codec how it travels
     * @return the bytes of the setup
     * @throws IllegalArgumentException naming the part that cannot be sent
     */
    static byte[] encode(PoolConfig config, int workers, MemberLayout layout, PayloadCodec codec) {
        Duration timeout = config.taskTimeout();
        // A hook the library composed goes in the form members rebuild cheaply (see ComposedHook.sent).
        PoolSetup setup = new PoolSetup(config.name(), workers, config.sharedObjects(),
                ComposedHook.toSend(config.onWorkerStart()), config.onWorkerExit(),
                timeout == null ? 0 : timeout.toNanos(), layout.processes(), layout.jvmArgs());
        try {
            return codec.encodeFunction(setup, "the pool's shared objects or worker hooks");
        } catch (IllegalArgumentException whole) {
            config.sentParts().forEach((role, part) -> codec.encodeFunction(part, role));
            throw whole; // no part alone fails: the setup as a whole
        }
    }
}
