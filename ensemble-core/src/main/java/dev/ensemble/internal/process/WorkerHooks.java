package dev.ensemble.internal.process;

import dev.ensemble.WorkerExitFunction;
import dev.ensemble.WorkerHook;
import dev.ensemble.internal.wire.FrameChannel;
import dev.ensemble.internal.wire.Serialization;
import dev.ensemble.internal.worker.CurrentWorker;
import dev.ensemble.internal.worker.WorkerState;
import java.io.IOException;
import org.apache.fory.memory.MemoryBuffer;

/**
 * The setup of the pool a worker serves, as its INIT sent it: the worker's state and the pool's start hook, exit
 * hook and exit function, run on the main thread and reported to the pool (READY's hook time, EXITED). A retired
 * worker forgets the hooks and keeps its state until the next pool's INIT replaces it.
 */
final class WorkerHooks {
    private WorkerState state;
    private WorkerHook onExit;
    private WorkerExitFunction<?> exitResult;

    /** Whether the worker served a pool before (it is a warm worker, retired or taken by a new pool). */
    boolean servedBefore() {
        return state != null;
    }

    /**
     * Takes a pool's setup and runs its start hook.
     *
     * @param slot the worker's slot in the pool
     * @param workers the pool's number of workers
     * @param setup the shared objects, start hook, exit hook and exit function (each may be null)
     * @return how long the start hook ran
     * @throws Exception what the start hook threw, which fails the worker's start
     */
    long start(int slot, int workers, Object[] setup) throws Exception {
        state = new WorkerState(slot, workers, setup[0]);
        WorkerHook onStart = (WorkerHook) setup[1];
        onExit = (WorkerHook) setup[2];
        exitResult = (WorkerExitFunction<?>) setup[3];
        CurrentWorker.set(state);
        long hookStart = System.nanoTime();
        if (onStart != null) {
            onStart.run(state);
        }
        return System.nanoTime() - hookStart;
    }

    /**
     * Runs the exit hook and the exit function, and answers EXITED with the function's value or failure.
     *
     * @param slot the worker's slot, for messages
     * @param fory the worker's Fory, which writes the value
     * @param channel the pool's connection
     */
    void runExit(int slot, WorkerFory fory, FrameChannel channel) throws IOException {
        long hookStart = System.nanoTime();
        if (onExit != null) {
            try {
                onExit.run(state);
            } catch (Throwable t) {
                ParentReport.line("worker " + slot + ": onWorkerExit threw " + t);
            }
        }
        long hookNanos = System.nanoTime() - hookStart;
        byte kind = Protocol.EXIT_NO_VALUE;
        byte[] bytes = new byte[0];
        if (exitResult != null) {
            try {
                Object value = exitResult.apply(state);
                bytes = fory.get().toBytes(value);
                kind = Protocol.EXIT_VALUE;
            } catch (Throwable t) {
                bytes = Serialization.encodeThrowable(t);
                kind = Protocol.EXIT_FAILED;
            }
        }
        MemoryBuffer exited = FrameChannel.begin(MemoryBuffer.newHeapBuffer(64 + bytes.length), Protocol.EXITED);
        exited.writeInt64(hookNanos);
        exited.writeByte(kind);
        Protocol.writeBytes(exited, bytes);
        channel.send(exited);
    }

    /** Forgets the pool's hooks and the current worker (warm reuse); the state stays until the next INIT. */
    void forget() {
        CurrentWorker.clear();
        onExit = null;
        exitResult = null;
    }
}
