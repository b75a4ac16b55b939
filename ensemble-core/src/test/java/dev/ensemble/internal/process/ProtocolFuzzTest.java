package dev.ensemble.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ensemble.CallOptions;
import dev.ensemble.LeakCheck;
import dev.ensemble.Outcome;
import dev.ensemble.Task;
import dev.ensemble.TaskFailedException;
import dev.ensemble.WorkerDiedException;
import dev.ensemble.WorkerPool;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.internal.wire.ClassPathPackages;
import dev.ensemble.internal.wire.FrameChannel;
import dev.ensemble.internal.wire.Serialization;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.apache.fory.Fory;
import org.apache.fory.config.Language;
import org.apache.fory.memory.MemoryBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes fed garbage in the protocol between a pool and its workers.
 *
 * <p>The worker's decoder: this test plays the pool of a real worker JVM ({@link WorkerMain}), sends it random,
 * mutated and truncated frames, frames over the length limit, and crafted ones (a JDK stream claiming a 2 GiB
 * array, a Fory stream holding a class off the allow-list), each followed by a correct chunk. The worker must
 * answer that chunk, or end with a clean error: an exit code and a message, not a signal, not an
 * {@link OutOfMemoryError} (it runs with {@code -Xmx64m}), never a hang.
 *
 * <p>The pool's decoder: a real pool whose worker is {@link FakeWorker}, a JDK-only program that proves itself
 * like a worker and then answers chunks with garbage of fourteen kinds. Every call must end (bounded) with the
 * outcome its answer calls for: the result, or the worker dropped ({@link WorkerDiedException}); the pool stays
 * at full size and answers correctly once the fake is calm.
 */
@ExtendWith(LeakCheck.class)
class ProtocolFuzzTest {
    private static final long SEED = Long.getLong("fuzz.seed", 0x5EED_F022L);
    private static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(30);

    @TempDir
    Path temp;

    // ================================================================ the pool's decoder

    private Path fakeWorkerJar() throws IOException {
        Path classes;
        try {
            classes = Path.of(FakeWorker.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, FakeWorker.class.getName());
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classes.toUri().toString());
        Path jar = temp.resolve("fake-worker.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream ignored = new JarOutputStream(out,
                manifest)) {
            ignored.flush();
        }
        return jar;
    }

    @Test
    void thePoolsDecoder_endsEveryCallCleanly_whateverTheWorkerSends() throws Exception {
        Path calm = temp.resolve("calm");
        // "-jar" makes the fake the worker JVM's program; the worker's own arguments become its arguments. The
        // builder refuses it (a user's -jar would replace the worker): the pool is made from its options directly.
        PoolConfig.Draft draft = new PoolConfig.Draft();
        draft.set(PoolConfig.Option.WORKERS, 1);
        draft.set(PoolConfig.Option.BACKEND, PoolConfig.Kind.PROCESSES);
        draft.set(PoolConfig.Option.JVM_ARGS, List.of("-Dfuzz.seed=" + SEED, "-Dfuzz.calm=" + calm, "-jar",
                fakeWorkerJar().toString()));
        WorkerPool pool = dev.ensemble.internal.Pools.start(draft.freeze());
        Map<String, Integer> endings = new TreeMap<>();
        try {
            for (int call = 0; call < 2 * FakeWorker.ANSWERS; call++) {
                int kind = call % FakeWorker.ANSWERS; // the fake answers input n with answer n % ANSWERS
                int input = call;
                Task<Integer, Integer> echo = x -> x; // the fake echoes, it runs no task
                List<Outcome<Integer>> outcomes = bounded(() -> pool.mapOutcomes(List.of(input), echo,
                        CallOptions.defaults().chunkSize(1)));
                assertThat(outcomes).hasSize(1);
                Outcome<Integer> outcome = outcomes.getFirst();
                String what = "answer " + kind + " gave " + outcome;
                endings.merge(outcome.isSuccess() ? "result" : ((Outcome.Failure<Integer>) outcome).error()
                        .getClass().getSimpleName(), 1, Integer::sum);
                switch (kind) {
                    // 16: before, the pool allocated a Throwable[2^31 - 9] to read it, and ran out of memory
                    case 0, 12, 16 -> assertThat(outcome.getOrThrow()).as(what).isEqualTo(input);
                    // 14, 15: before, the chunk was forgotten and its call waited forever
                    case 3, 4, 6, 7, 11, 14, 15 -> assertThat(outcome).as(what).isInstanceOfSatisfying(
                            Outcome.Failure.class,
                            f -> assertThat(f.error()).isInstanceOf(WorkerDiedException.class));
                    case 8 -> assertThat(outcome).as(what).isInstanceOfSatisfying(Outcome.Failure.class,
                            f -> assertThat(f.error()).isExactlyInstanceOf(TaskFailedException.class).cause()
                                    .isInstanceOf(dev.ensemble.WorkerException.class)
                                    .hasMessageContaining("could not be rebuilt"));
                    case 2 -> {
                        // changed bytes: a changed value may pass as a result; anything else drops the worker
                        if (!outcome.isSuccess()) {
                            assertThat(((Outcome.Failure<Integer>) outcome).error()).as(what)
                                    .isInstanceOf(WorkerDiedException.class);
                        }
                    }
                    default -> {
                        if (outcome.isSuccess()) {
                            assertThat(outcome.getOrThrow()).as(what).isEqualTo(input);
                        } else {
                            assertThat(((Outcome.Failure<Integer>) outcome).error()).as(what)
                                    .isInstanceOf(WorkerDiedException.class);
                        }
                    }
                }
            }
            Files.createFile(calm);
            assertThat(bounded(() -> pool.map(List.of(1, 2, 3), x -> x))).containsExactly(1, 2, 3);
            assertThat(bounded(() -> pool.broadcast(() -> 0))).as("one answer per worker").hasSize(1);
            assertThat(endings).containsKeys("result", "WorkerDiedException", "TaskFailedException");
        } finally {
            bounded(() -> {
                pool.close();
                return null;
            });
        }
    }

    private static <T> T bounded(java.util.concurrent.Callable<T> call) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = Thread.ofPlatform().name("fuzz-caller").start(() -> {
            try {
                result.complete(call.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(PATIENCE_NANOS, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            thread.interrupt();
            throw new AssertionError("a call did not return within 30 s", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : new IllegalStateException(e.getCause());
        }
    }

    // ================================================================ the worker's decoder

    /** This test as the pool of one real worker process. */
    private final class FakePool implements AutoCloseable {
        final WorkerLauncher launcher;
        final Process process;
        final FrameChannel channel;
        final SocketChannel socket;
        final Path stderr;
        final Path position;
        final MemoryBuffer out = MemoryBuffer.newHeapBuffer(1024);
        private int nextSeq;
        private long nextCall = 1;

        FakePool(int generation) throws Exception {
            PoolConfig config = new PoolConfig("fuzz", PoolConfig.Kind.PROCESSES, 1, null, null, null, null, null, 0, 0,
                    false, List.of("-Xmx64m"), java.time.Duration.ZERO,
                    PoolConfig.DEFAULT_EXIT_GRACE_PERIOD, null,
                PoolConfig.DEFAULT_EXIT_HOOK_TIMEOUT, List.of(), null);
            launcher = new WorkerLauncher(config);
            Path socket = launcher.socketPath(0, generation);
            position = launcher.directory().resolve("w0-" + generation + ".pos");
            Files.write(position, new byte[8]);
            stderr = temp.resolve("worker-" + generation + ".err");
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(socket), 1);
                server.configureBlocking(false);
                process = new ProcessBuilder(command(launcher, socket, position))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile()).start();
                process.getOutputStream().write((launcher.secretHex() + "\n").getBytes(StandardCharsets.US_ASCII));
                process.getOutputStream().flush();
                long deadline = System.nanoTime() + PATIENCE_NANOS;
                SocketChannel accepted;
                while ((accepted = server.accept()) == null) {
                    assertThat(process.isAlive() && System.nanoTime() < deadline).as("the worker connects").isTrue();
                    LockSupport.parkNanos(1_000_000);
                }
                accepted.configureBlocking(true);
                this.socket = accepted;
                channel = new FrameChannel(accepted, FrameChannel.DEFAULT_MAX_FRAME_BYTES);
            }
            MemoryBuffer hello = next();
            assertThat(hello.readByte()).isEqualTo(Protocol.HELLO);
            assertThat(Protocol.readBytes(hello)).isEqualTo(launcher.secret());
            channel.send(init());
            assertThat(next().readByte()).isEqualTo(Protocol.READY);
        }

        MemoryBuffer init() {
            MemoryBuffer init = FrameChannel.begin(out, Protocol.INIT);
            init.writeInt32(0);
            init.writeInt32(1);
            init.writeInt64(0);
            Set<String> packages = ClassPathPackages.ofThisJvm();
            init.writeInt32(packages.size());
            packages.forEach(p -> Protocol.writeString(init, p));
            Protocol.writeBytes(init, new byte[0]);
            Protocol.writeString(init, position.toString());
            return init;
        }

        /** A CHUNK of {@code inputs} (JDK-serialized: readable before the worker's Fory is built). */
        byte[] chunk(int seq, Object[] inputs) throws IOException {
            Task<Object, Object> twice = x -> (Integer) x * 2;
            return chunk(seq, (byte) (Protocol.FLAG_HAS_TASK | Protocol.FLAG_JDK | Protocol.FLAG_KEEP_GOING),
                    Serialization.jdkBytes(twice), Protocol.CODEC_JDK, Serialization.jdkBytes(inputs));
        }

        /** A CHUNK frame with the given parts; the inputs in {@code codec}, length-prefixed if JDK bytes. */
        byte[] chunk(int seq, byte flags, byte[] task, byte codec, byte[] inputs) {
            MemoryBuffer chunk = FrameChannel.begin(MemoryBuffer.newHeapBuffer(1024), Protocol.CHUNK);
            chunk.writeInt32(seq);
            chunk.writeInt64(nextCall++);
            chunk.writeByte(flags);
            chunk.writeInt64(0); // no task timeout
            Protocol.writeBytes(chunk, task);
            chunk.writeByte(codec);
            if (codec == Protocol.CODEC_JDK) {
                Protocol.writeBytes(chunk, inputs);
            } else {
                chunk.writeBytes(inputs);
            }
            chunk.putInt32(0, chunk.writerIndex() - 4);
            return chunk.getBytes(0, chunk.writerIndex());
        }

        /** Sends a whole frame (its length is set from its size). */
        void sendRaw(byte[] frame) throws IOException {
            MemoryBuffer buffer = MemoryBuffer.fromByteArray(frame);
            buffer.writerIndex(frame.length);
            channel.send(buffer);
        }

        /** Writes bytes as they are: a length that lies, a frame cut short. */
        void sendUnframed(byte[] bytes) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            long deadline = System.nanoTime() + PATIENCE_NANOS;
            while (buffer.hasRemaining() && System.nanoTime() < deadline) {
                if (socket.write(buffer) == 0) {
                    LockSupport.parkNanos(100_000);
                }
            }
        }

        /** The next frame from the worker, or null if it ended; fails if it neither answers nor ends in time. */
        MemoryBuffer next() throws IOException {
            long deadline = System.nanoTime() + PATIENCE_NANOS;
            while (true) {
                MemoryBuffer frame;
                try {
                    frame = channel.poll();
                } catch (IOException e) {
                    return null; // the worker closed its end
                }
                if (frame != null) {
                    return frame;
                }
                assertThat(System.nanoTime()).as("the worker answers or ends within 30 s").isLessThan(deadline);
                LockSupport.parkNanos(200_000);
            }
        }

        /**
         * Sends a correct chunk and reads until its result: its value, or null if the worker ended first. Errors
         * of other chunks' results (the fuzzed ones) are collected in {@code others}.
         */
        Integer probe(int input, List<Throwable> others) throws IOException {
            int seq = 1_000_000 + nextSeq++;
            sendRaw(chunk(seq, new Object[] {input}));
            while (true) {
                MemoryBuffer frame = next();
                if (frame == null) {
                    return null;
                }
                if (frame.readByte() != Protocol.RESULTS) {
                    continue;
                }
                int count = frame.readInt32();
                for (int r = 0; r < count; r++) {
                    int resultSeq = frame.readInt32();
                    int processed = frame.readInt32();
                    frame.readerIndex(frame.readerIndex() + 28);
                    Object[] values = Values.read(frame, ClassPathPackages.ofThisJvm(), Serialization::forParent);
                    Throwable[] errors = Protocol.readErrors(frame, null, Math.max(1, processed));
                    if (resultSeq == seq) {
                        assertThat(errors).as("errors of the correct chunk").isNull();
                        return (Integer) values[0];
                    }
                    if (errors != null) {
                        Arrays.stream(errors).filter(e -> e != null).forEach(others::add);
                    }
                }
            }
        }

        /** Waits for the worker to end; returns its exit code. */
        int awaitExit() throws InterruptedException {
            assertThat(process.waitFor(PATIENCE_NANOS, TimeUnit.NANOSECONDS)).as("the worker ends").isTrue();
            return process.exitValue();
        }

        String errors() throws IOException {
            return Files.exists(stderr) ? Files.readString(stderr) : "";
        }

        @Override
        public void close() throws Exception {
            channel.close();
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            launcher.deleteDirectory();
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> command(WorkerLauncher launcher, Path socket, Path position)
            throws ReflectiveOperationException {
        for (Method m : WorkerLauncher.class.getDeclaredMethods()) {
            if (m.getName().equals("command")) {
                m.setAccessible(true);
                return (List<String>) m.invoke(launcher, m.getParameterCount() == 2 ? new Object[] {0, socket}
                        : new Object[] {0, socket, position});
            }
        }
        throw new IllegalStateException("no WorkerLauncher.command");
    }

    /** A JDK stream of an Object[] holding a long[] that claims 2^31 - 256 elements, in 150 bytes. */
    private static byte[] hugeArrayClaim() throws IOException {
        byte[] bytes = Serialization.jdkBytes(new Object[] {new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}});
        for (int i = 0; i + 12 <= bytes.length; i++) {
            if (bytes[i] == 0 && bytes[i + 1] == 0 && bytes[i + 2] == 0 && bytes[i + 3] == 10) {
                ByteBuffer.wrap(bytes).putInt(i, Integer.MAX_VALUE - 255);
                return bytes;
            }
        }
        throw new AssertionError("no long[10] in the stream");
    }

    @Test
    void theWorkersDecoder_answersOrEndsCleanly_whateverThePoolSends() throws Exception {
        Random random = new Random(SEED);
        Map<String, Integer> endings = new TreeMap<>();
        int generation = 0;
        FakePool pool = new FakePool(generation++);
        try {
            for (int round = 0; round < 24; round++) {
                // four crafted cases first, then seeded garbage: mostly changed bytes, which a worker survives
                int draw = random.nextInt(100);
                String kind = round < 5
                        ? List.of("huge-array", "gadget", "cut-then-gone", "over-limit", "plain-claim").get(round)
                        : draw < 50 ? "changed" : draw < 65 ? "short" : draw < 80 ? "random" : draw < 90 ? "cancel"
                        : "over-limit";
                List<Throwable> others = new ArrayList<>();
                boolean gone = false;
                switch (kind) {
                    case "huge-array" -> pool.sendRaw(pool.chunk(7,
                            (byte) (Protocol.FLAG_HAS_TASK | Protocol.FLAG_JDK | Protocol.FLAG_KEEP_GOING),
                            Serialization.jdkBytes((Task<Object, Object>) x -> x), Protocol.CODEC_JDK,
                            hugeArrayClaim()));
                    case "gadget" -> {
                        Fory permissive = Fory.builder().withLanguage(Language.JAVA).requireClassRegistration(false)
                                .suppressClassRegistrationWarnings(true).withRefTracking(true).build();
                        byte[] gadget = permissive.serialize(new Object[] {URI.create("http://x.invalid/").toURL()});
                        byte[] task = Serialization.forParent().toBytes((Task<Object, Object>) x -> x);
                        pool.sendRaw(pool.chunk(8, (byte) (Protocol.FLAG_HAS_TASK | Protocol.FLAG_KEEP_GOING), task,
                                Protocol.CODEC_FORY, gadget));
                    }
                    case "plain-claim" -> {
                        // plain inputs that claim 2^31 - 1 values in four bytes
                        byte[] claim = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                                .putInt(0, Integer.MAX_VALUE).array();
                        pool.sendRaw(pool.chunk(11, (byte) (Protocol.FLAG_HAS_TASK | Protocol.FLAG_JDK
                                | Protocol.FLAG_KEEP_GOING), Serialization.jdkBytes((Task<Object, Object>) x -> x),
                                Protocol.CODEC_PLAIN, claim));
                    }
                    case "cut-then-gone" -> {
                        byte[] frame = pool.chunk(9, new Object[] {1});
                        pool.sendUnframed(Arrays.copyOf(frame, 4 + random.nextInt(frame.length - 4)));
                        pool.channel.close();
                        gone = true;
                    }
                    case "over-limit" -> pool.sendUnframed(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                            .putInt(0, random.nextBoolean() ? -1 : Integer.MAX_VALUE).array());
                    case "changed", "short" -> {
                        byte[] frame = pool.chunk(10 + round, new Object[] {round});
                        if (kind.equals("short")) {
                            frame = Arrays.copyOf(frame, 5 + random.nextInt(frame.length - 5));
                        } else {
                            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                                frame[5 + random.nextInt(frame.length - 5)] = (byte) random.nextInt(256);
                            }
                        }
                        pool.sendRaw(frame);
                    }
                    case "random" -> {
                        byte[] frame = new byte[5 + random.nextInt(64)];
                        random.nextBytes(frame);
                        frame[4] = (byte) random.nextInt(20);
                        if (frame[4] == Protocol.EXIT) {
                            frame[4] = Protocol.CANCEL;
                        }
                        pool.sendRaw(frame);
                    }
                    default -> {
                        byte[] frame = new byte[5 + random.nextInt(9)];
                        random.nextBytes(frame);
                        frame[4] = Protocol.CANCEL;
                        pool.sendRaw(frame);
                    }
                }
                Integer answer = gone ? null : pool.probe(round, others);
                if (answer != null) {
                    assertThat(answer).as("the correct chunk after garbage (%s)", kind).isEqualTo(2 * round);
                    if (kind.equals("huge-array")) {
                        assertThat(others).as("the chunk claiming a huge array").singleElement().asString()
                                .contains("REJECTED");
                    } else if (kind.equals("plain-claim")) {
                        assertThat(others).as("the chunk claiming 2^31 - 1 plain values").singleElement().asString()
                                .contains("claims");
                    } else if (kind.equals("gadget")) {
                        assertThat(others).as("the chunk holding a URL").singleElement().asString()
                                .contains("java.net.URL");
                    }
                    endings.merge("answered", 1, Integer::sum);
                    continue;
                }
                int exit = pool.awaitExit();
                String errors = pool.errors();
                assertThat(kind).as("the worker died of garbage (%s); its errors: %s", kind, errors)
                        .isNotIn("huge-array", "gadget", "plain-claim");
                assertThat(exit).as("exit code after garbage (%s); its errors: %s", kind, errors).isIn(0, 3);
                assertThat(errors).doesNotContain("OutOfMemoryError").doesNotContain("SIGSEGV");
                assertThat(pool.launcher.directory().resolve("hs_err_pid" + pool.process.pid() + ".log"))
                        .doesNotExist();
                endings.merge("ended with exit code " + exit, 1, Integer::sum);
                pool.close();
                pool = new FakePool(generation++);
            }
            assertThat(endings).containsKey("answered").containsKey("ended with exit code 3");
        } finally {
            pool.close();
        }
    }
}
