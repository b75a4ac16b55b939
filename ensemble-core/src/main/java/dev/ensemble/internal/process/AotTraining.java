package dev.ensemble.internal.process;

import dev.ensemble.Task;
import dev.ensemble.internal.wire.FrameChannel;
import dev.ensemble.internal.wire.Serialization;
import dev.ensemble.internal.worker.ChunkResult;
import dev.ensemble.internal.worker.ChunkRunner;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.fory.memory.MemoryBuffer;

/**
 * The training run of the AOT cache ({@link AotCache}): a JVM started with {@code -XX:AOTCacheOutput} and only
 * the library's own jars on its class path runs what a worker runs at start and on its first chunks (Fory,
 * frames over a Unix domain socket, the chunk runner, exception encoding), then a real worker served by a pool it
 * plays ({@link TrainingPool}), so that those classes are loaded, linked and profiled from the cache in every later
 * worker.
 */
public final class AotTraining {
    private AotTraining() {
    }

    /**
     * Runs the training workload and exits.
     *
     * @param args a scratch directory for a socket
     * @throws Exception if the workload fails (the cache is then not written)
     */
    public static void main(String[] args) throws Exception {
        // The pool's JVM holds the other end of standard input: if it dies, so does this run (no cache is made).
        Thread.ofPlatform().daemon().name("ensemble-training-stdin").start(() -> {
            try {
                while (System.in.read() >= 0) {
                    // nothing is sent
                }
            } catch (java.io.IOException ignored) {
                // the same as its end
            }
            Runtime.getRuntime().halt(1);
        });
        Path dir = Path.of(args[0]);
        Path socketPath = dir.resolve("train.sock");
        Serialization serialization = Serialization.forWorker(true);
        serialization.allow(List.of("dev.ensemble"));
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socketPath));
            SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
            client.connect(UnixDomainSocketAddress.of(socketPath));
            SocketChannel accepted = server.accept();
            try (FrameChannel a = new FrameChannel(client, FrameChannel.DEFAULT_MAX_FRAME_BYTES);
                    FrameChannel b = new FrameChannel(accepted, FrameChannel.DEFAULT_MAX_FRAME_BYTES)) {
                Task<Object, Object> task = x -> x;
                MemoryBuffer buffer = MemoryBuffer.newHeapBuffer(1024);
                for (int round = 0; round < 200; round++) {
                    FrameChannel.begin(buffer, Protocol.CHUNK);
                    Protocol.writeBytes(buffer, serialization.toBytes(task));
                    serialization.write(buffer, sampleInputs(round));
                    a.send(buffer);
                    MemoryBuffer frame = b.receive();
                    frame.readByte();
                    @SuppressWarnings("unchecked")
                    Task<Object, Object> back = (Task<Object, Object>) serialization.read(
                            MemoryBuffer.fromByteArray(Protocol.readBytes(frame)));
                    Object[] inputs = (Object[]) serialization.read(frame);
                    ChunkResult result = new ChunkRunner(back, Arrays.asList(inputs), false, round % 2 == 0)
                            .run(0, () -> false);
                    FrameChannel.begin(buffer, Protocol.RESULTS);
                    serialization.write(buffer, result.values());
                    Protocol.writeBytes(buffer, Serialization.encodeThrowable(new IllegalStateException("x")));
                    b.send(buffer);
                    MemoryBuffer answer = a.receive();
                    answer.readByte();
                    serialization.read(answer);
                    Serialization.decodeThrowable(Protocol.readBytes(answer));
                    // The JDK-serialized path of a worker's first chunks.
                    Serialization.jdkRead(Serialization.jdkBytes(new Object[] {task, round, "x", 1.5, 2L}),
                            java.util.Set.of("dev.ensemble.internal.process"));
                }
            }
        } finally {
            Files.deleteIfExists(socketPath);
        }
        TrainingPool.serveWorker(dir); // a real worker's start and first chunks; its exit ends this JVM
    }

    private static Object[] sampleInputs(int round) {
        List<Object> inputs = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            inputs.add(i + round);
            inputs.add((long) i);
            inputs.add((double) i / 3);
            inputs.add("input-" + i);
        }
        inputs.add(new double[256]);
        inputs.add(new int[16]);
        inputs.add(new byte[16]);
        inputs.add(List.of(1, 2, 3));
        inputs.add(new ArrayList<>(List.of("a", "b")));
        inputs.add(Map.of("k", 1));
        inputs.add(null);
        return inputs.toArray();
    }
}
