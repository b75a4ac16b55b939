package dev.ensemble.internal.process;

import dev.ensemble.internal.wire.FrameChannel;
import dev.ensemble.internal.wire.Serialization;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.fory.memory.MemoryBuffer;

/**
 * A worker's Fory: built on a thread of its own when first needed, admitting the packages of the pool the worker
 * serves, and announced to that pool (READY says whether it is there; FORY_READY follows if it was not). Until it
 * is built, chunks and results travel JDK-serialized where they can. Thread-safe.
 */
final class WorkerFory {
    /**
     * Builds Fory (about 100 ms of CPU) only when a frame needs it (INIT's setup, a chunk sent by Fory: a large or
     * not JDK-serializable one) or once the worker has read enough small JDK-serialized chunks to be worth it
     * ({@link #noteJdkChunk}). Built while connecting, it competed for the CPUs with the start of the other workers
     * and delayed every READY; built after the first result, it competed with what a short pool does next: its
     * close, and the next pool that takes its workers (see docs/start-up.md).
     */
    private static final boolean DEFER_FORY = !"false".equals(System.getProperty("ensemble.worker.deferFory"));
    /** Small JDK-serialized chunks read before the worker builds its Fory in the background. */
    static final int JDK_CHUNKS_BEFORE_FORY = 32;
    /** JDK-serialized bytes read before the worker builds its Fory in the background. */
    static final long JDK_BYTES_BEFORE_FORY = 1L << 20;

    private final CompletableFuture<Serialization> foryBuild = new CompletableFuture<>();
    private final Thread builder;
    private final AtomicBoolean started = new AtomicBoolean();
    /** Where FORY_READY goes: set once, before anything can install a Fory. */
    private volatile FrameChannel channel;
    /** Fory once built and admitting the pool's packages; until then, JDK serialization where it can. */
    private volatile Serialization fory;
    private Set<String> packages = Set.of();
    private final Object foryLock = new Object();
    private boolean readySent;
    private boolean readySaidFory;
    private int jdkChunks;  // the frame reader's thread only
    private long jdkBytes;  // the frame reader's thread only

    /** Prepares the builder thread, and starts it at once unless the build is deferred. */
    WorkerFory() {
        boolean codegen = !"false".equals(System.getProperty("ensemble.worker.codegen"));
        builder = Thread.ofPlatform().daemon().name("ensemble-worker-init").unstarted(() -> {
            try {
                foryBuild.complete(Serialization.forWorker(codegen));
            } catch (Throwable t) {
                foryBuild.completeExceptionally(t);
            }
        });
        if (!DEFER_FORY) {
            build();
        }
    }

    /** Sets the channel FORY_READY is sent on; called once, before the first INIT is read. */
    void announceOn(FrameChannel channel) {
        this.channel = channel;
    }

    /** Starts building Fory unless it is started already (a no-op then). */
    void build() {
        if (!started.get() && started.compareAndSet(false, true)) {
            builder.start();
        }
    }

    /**
     * Counts a JDK-serialized chunk read; past {@link #JDK_CHUNKS_BEFORE_FORY} chunks or {@link #JDK_BYTES_BEFORE_FORY}
     * bytes, the pool is busy enough to pay for Fory, and it is built in the background.
     *
     * @param bytes the chunk's frame size
     */
    void noteJdkChunk(int bytes) {
        jdkChunks++;
        jdkBytes += bytes;
        if (jdkChunks >= JDK_CHUNKS_BEFORE_FORY || jdkBytes >= JDK_BYTES_BEFORE_FORY) {
            build();
        }
    }

    /** Runs {@code action} once Fory is built (for the start timeline). */
    void whenBuilt(Runnable action) {
        foryBuild.thenRun(action);
    }

    /** Fory if built and installed, else null. */
    Serialization built() {
        return fory;
    }

    /** Fory, waiting for it to be built if need be. */
    Serialization get() {
        Serialization s = fory;
        if (s != null) {
            return s;
        }
        build();
        return install(foryBuild.join());
    }

    /** The packages of the pool this worker serves, which its filters admit. */
    Set<String> packages() {
        return packages;
    }

    /** Takes the packages a pool's INIT lists; Fory admits them once built. */
    void admit(Set<String> poolPackages) {
        this.packages = poolPackages;
        foryBuild.thenAccept(this::install);
    }

    /** Makes a built Fory the one to use (once), and tells the pool if READY said it was not there yet. */
    private Serialization install(Serialization built) {
        synchronized (foryLock) {
            if (fory == null) {
                built.allow(packages);
                fory = built;
                if (readySent && !readySaidFory) {
                    try {
                        channel.send(FrameChannel.begin(MemoryBuffer.newHeapBuffer(16), Protocol.FORY_READY));
                    } catch (IOException e) {
                        ParentDeath.poolGone();
                    }
                }
            }
            return fory;
        }
    }

    /**
     * Sends READY, saying whether Fory is there, so that it and a FORY_READY cannot cross.
     *
     * @param ready the READY frame, begun and filled but for that flag
     */
    void sendReady(MemoryBuffer ready) throws IOException {
        synchronized (foryLock) {
            readySaidFory = fory != null;
            ready.writeBoolean(readySaidFory);
            channel.send(ready);
            readySent = true;
        }
    }
}
