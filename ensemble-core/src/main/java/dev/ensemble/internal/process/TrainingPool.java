package dev.ensemble.internal.process;

import dev.ensemble.Task;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.internal.schedule.CallRef;
import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.wire.FrameChannel;
import dev.ensemble.internal.worker.TaskCache;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.fory.memory.MemoryBuffer;

/**
 * The last part of the AOT cache's training run ({@link AotTraining}): a real worker, {@link WorkerMain}, started in
 * the training JVM and served by a pool that this class plays over a Unix domain socket, as a pool's JVM would:
 * the secret, HELLO, INIT with a position file, READY, chunks (JDK-serialized, plain and Fory ones, with tasks
 * timed one by one) and their results, then EXIT. The worker's own start path (its classes, the JDK classes they
 * use, their linking and profiles) is then in the cache too; without it, every worker JVM loaded about a hundred
 * classes from the library's jar and the JDK's image at each start. The worker's exit ends the training JVM, which
 * writes the cache.
 */
final class TrainingPool {
    private static final int CHUNKS = 60;
    /** The training's task, as a pool's call would carry a user's. */
    private static final Task<Object, Object> IDENTITY = x -> x;

    private TrainingPool() {
    }

    /**
     * Starts the worker and serves it until it exits, which ends this JVM.
     *
     * @param dir a scratch directory for the socket and the position file
     * @throws Exception if the worker could not be served (the cache is then not written)
     */
    static void serveWorker(Path dir) throws Exception {
        Path socketPath = dir.resolve("worker.sock");
        Path position = dir.resolve("worker.pos");
        Files.write(position, new byte[8]);
        byte[] secret = new byte[16];
        for (int i = 0; i < secret.length; i++) {
            secret[i] = (byte) (i * 31 + 7);
        }
        System.setIn(new SecretThenNothing(HexFormat.of().formatHex(secret) + "\n"));
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socketPath));
            Thread.ofPlatform().name("ensemble-training-worker").start(new Runnable() {
                @Override
                public void run() {
                    try {
                        WorkerMain.main(new String[] {socketPath.toString(), "0", position.toString()});
                    } catch (Exception e) {
                        Runtime.getRuntime().halt(1); // no cache from a training that failed
                    }
                }
            });
            try (FrameChannel pool = new FrameChannel(server.accept(), FrameChannel.DEFAULT_MAX_FRAME_BYTES)) {
                serve(pool, position); // returns only if the worker went away without exiting
            }
        }
        Runtime.getRuntime().halt(1); // no cache from a training that failed
    }

    private static void serve(FrameChannel pool, Path position) {
        try {
            serveFrames(pool, position);
        } catch (IOException | RuntimeException e) {
            // the worker went away or answered wrongly: no cache
        }
    }

    private static void serveFrames(FrameChannel pool, Path position) throws IOException {
        MemoryBuffer hello = pool.receive();
        if (hello.readByte() != Protocol.HELLO) {
            throw new IOException("the training worker did not say HELLO");
        }
        PoolConfig config = new PoolConfig("training", PoolConfig.Kind.PROCESSES, 1, null, null, null, null, null,
                0, 0, false, List.of(), Duration.ZERO, PoolConfig.DEFAULT_EXIT_GRACE_PERIOD, null,
                PoolConfig.DEFAULT_EXIT_HOOK_TIMEOUT, List.of(), null);
        InitFrame initFrame = new InitFrame(config);
        initFrame.build();
        pool.send(InitFrame.forWorker(initFrame.get(), 0, position));
        awaitFrame(pool, Protocol.READY);

        ChunkCodec codec = new ChunkCodec();
        TaskCache<Boolean> taskMirror = new TaskCache<>(Protocol.TASK_CACHE_SIZE);
        MemoryBuffer buffer = MemoryBuffer.newHeapBuffer(64 * 1024);
        for (int seq = 0; seq < CHUNKS; seq++) {
            // A call per few chunks, so that tasks travel and are kept as a pool's calls do; small chunks travel
            // as a pool's first ones (JDK-serialized, plain values), larger ones by Fory.
            long callId = seq / 4;
            List<Object> inputs = new ArrayList<>();
            int size = seq % 3 == 2 ? 80 : 4;
            for (int i = 0; i < size; i++) {
                inputs.add(i % 2 == 0 ? (Object) (seq * 1000 + i) : "input-" + i);
            }
            Chunk chunk = Chunk.of(CallRef.plain(callId, IDENTITY), (long) seq * size, inputs,
                    seq % 2 == 0 ? Chunk.Timing.EACH_TASK : Chunk.Timing.CHUNK);
            codec.encodeChunk(buffer, seq, chunk, taskMirror, true, FrameChannel.DEFAULT_MAX_FRAME_BYTES);
            pool.send(buffer);
            awaitFrame(pool, Protocol.RESULTS); // one chunk at a time: its results are the next RESULTS frame
        }
        pool.send(FrameChannel.begin(buffer, Protocol.EXIT));
        // EXITED, then nothing: the worker's exit ends this JVM, which writes the cache.
        while (true) {
            pool.receive();
        }
    }

    /** The next frame of {@code type}, positioned after its type; frames of other types are read past. */
    private static MemoryBuffer awaitFrame(FrameChannel pool, byte type) throws IOException {
        while (true) {
            MemoryBuffer frame = pool.receive();
            if (frame.readByte() == type) {
                return frame;
            }
        }
    }

    /**
     * The worker's standard input in the training: its secret, then nothing, for good. The end of a worker's
     * standard input means that its pool died.
     */
    private static final class SecretThenNothing extends InputStream {
        private final byte[] line;
        private int next;

        SecretThenNothing(String line) {
            this.line = line.getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public synchronized int read() {
            if (next < line.length) {
                return line[next++] & 0xff;
            }
            while (true) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    // nothing more ever comes
                }
            }
        }
    }
}
