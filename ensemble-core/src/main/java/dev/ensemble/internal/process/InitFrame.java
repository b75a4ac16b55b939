package dev.ensemble.internal.process;

import dev.ensemble.internal.backend.ComposedHook;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.internal.wire.ClassPathPackages;
import dev.ensemble.internal.wire.FrameChannel;
import dev.ensemble.internal.wire.Serialization;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.fory.memory.MemoryBuffer;

/**
 * A pool's INIT frame, the same for each of its workers but for the slot and position file
 * ({@link Protocol#INIT}): the pool's size and task timeout, the packages of this JVM's class path (the
 * allow-list), and the pool's shared objects and hooks. Those are checked at once, when the pool is built, so that
 * one that cannot be sent fails {@code build()} rather than every worker's start.
 */
final class InitFrame {
    private final PoolConfig config;
    private final Object[] setup;
    private final CompletableFuture<byte[]> frame = new CompletableFuture<>();

    /**
     * Encodes the frame if the pool has shared objects or hooks, checking that they can be sent.
     *
     * @throws IllegalArgumentException naming what cannot be serialized
     */
    InitFrame(PoolConfig config) {
        this.config = config;
        this.setup = new Object[] {config.sharedObjects(), config.onWorkerStart(), config.onWorkerExit(),
            config.exitResult()};
        for (int i = 0; i < setup.length; i++) {
            if (setup[i] instanceof ComposedHook composed) {
                setup[i] = ComposedHook.toSend(composed);
            }
        }
        if (hasSetup()) {
            try {
                frame.complete(encode());
            } catch (RuntimeException | StackOverflowError whole) {
                // Only once the frame failed, since shared objects can be large: the part that cannot be sent is
                // named rather than the frame.
                Serialization serialization = Serialization.forParent();
                config.sentParts().forEach((role, part) -> serialization.requireSendable(part, role));
                throw whole; // no part alone fails
            }
        }
    }

    private boolean hasSetup() {
        return setup[0] != null || setup[1] != null || setup[2] != null || setup[3] != null;
    }

    /**
     * Encodes the frame if it is not yet: a pool without setup lists the class path here, while its workers boot,
     * rather than in its constructor. A failure is kept for every worker's start to throw.
     */
    void build() {
        if (frame.isDone()) {
            return;
        }
        try {
            frame.complete(encode());
        } catch (RuntimeException | Error e) {
            frame.completeExceptionally(e);
        }
    }

    /**
     * One worker's INIT: the pool's frame with the worker's slot and position file filled in.
     *
     * @param frame the pool's frame ({@link #get})
     * @param slot the worker's slot
     * @param position the file where the worker marks its running task
     * @return the frame to send
     */
    static MemoryBuffer forWorker(byte[] frame, int slot, Path position) {
        MemoryBuffer init = MemoryBuffer.newHeapBuffer(frame.length + 512);
        init.writeBytes(frame);
        init.putInt32(5, slot); // after the frame's length and type
        Protocol.writeString(init, position.toString());
        return init;
    }

    /**
     * The frame, once built.
     *
     * @throws java.util.concurrent.CompletionException if it could not be built
     */
    byte[] get() {
        return frame.join();
    }

    /** The encoded allow-list of this JVM's class path, the same for every pool: encoded once. */
    private static volatile PackagesBlock packagesBlock;

    private record PackagesBlock(Set<String> packages, byte[] bytes) {
    }

    private static byte[] packagesBlock(Set<String> packages) {
        PackagesBlock block = packagesBlock;
        if (block == null || block.packages != packages) { // the JVM's set is made once: the same instance
            MemoryBuffer buffer = MemoryBuffer.newHeapBuffer(16 * 1024);
            buffer.writeInt32(packages.size());
            for (String p : packages) {
                Protocol.writeString(buffer, p);
            }
            block = new PackagesBlock(packages, buffer.getBytes(0, buffer.writerIndex()));
            packagesBlock = block;
        }
        return block.bytes;
    }

    private byte[] encode() {
        byte[] packages = packagesBlock(ClassPathPackages.ofThisJvm());
        // Sized for what it holds (it grows if the setup needs more): a pool's build zeroes every byte of it.
        MemoryBuffer init = FrameChannel.begin(MemoryBuffer.newHeapBuffer(packages.length + 1024), Protocol.INIT);
        init.writeInt32(0); // the slot, filled in per worker
        init.writeInt32(config.workers());
        init.writeInt64(config.taskTimeout() == null ? 0 : config.taskTimeout().toNanos());
        init.writeBytes(packages);
        // Nothing to set up: the worker answers without waiting for its Fory to be built.
        Protocol.writeBytes(init, hasSetup() ? Serialization.forParent().toBytes(setup) : new byte[0]);
        init.putInt32(0, init.writerIndex() - 4);
        return init.getBytes(0, init.writerIndex());
    }
}
