package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who can talk to a pool's workers. The transport is a Unix domain socket in a directory only its user may enter
 * (0700), bound only until the worker connects; the first frame must carry the pool's 256-bit secret, which the
 * worker got on its standard input. Shared-memory files are 0600 in a 0700 directory. Deserialization admits
 * only allowed classes (see {@code AllowListTest} and {@code ProtocolFuzzTest} for the decoders).
 *
 * <p>To look at a pool's socket while it exists, its worker is held at start by a Java agent (made by the test)
 * that waits for a file before the worker's {@code main} runs.
 */
@ExtendWith(LeakCheck.class)
class SecurityTest {
    private static final long PATIENCE_SECONDS = 60;

    @TempDir
    Path temp;

    /** A Java agent that holds a worker JVM before its main until the file named by its argument exists. */
    public static final class HoldStart {
        private HoldStart() {
        }

        /**
         * Waits for the release file.
         *
         * @param release the file's path
         */
        public static void premain(String release) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
            while (!Files.exists(Path.of(release)) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
        }
    }

    /** A pool being built whose one worker is held at start; its socket exists until the worker is released. */
    private final class HeldStart implements AutoCloseable {
        final Path release = temp.resolve("release");
        final CompletableFuture<WorkerPool> pool = new CompletableFuture<>();
        final Path socket;

        HeldStart() throws IOException {
            Path agent = temp.resolve("hold.jar");
            Manifest manifest = new Manifest();
            manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            manifest.getMainAttributes().putValue("Premain-Class", HoldStart.class.getName());
            try (OutputStream out = Files.newOutputStream(agent); JarOutputStream jar = new JarOutputStream(out,
                    manifest)) {
                jar.flush();
            }
            String agentArg = "-javaagent:" + agent + "=" + release;
            Thread.ofPlatform().name("security-builder").start(() -> {
                try {
                    pool.complete(WorkerPool.builder().workers(1).processes().jvmArgs(agentArg).build());
                } catch (Throwable t) {
                    pool.completeExceptionally(t);
                }
            });
            socket = awaitSocket(agentArg);
        }

        /** The socket path on the held worker's command line, once the file exists. */
        private Path awaitSocket(String agentArg) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
            while (System.nanoTime() < deadline) {
                Optional<String> path = ProcessHandle.current().children()
                        .map(p -> p.info().arguments().orElse(new String[0]))
                        .filter(args -> List.of(args).contains(agentArg))
                        .flatMap(Stream::of).filter(a -> a.endsWith(".sock")).findFirst();
                if (path.isPresent() && Files.exists(Path.of(path.get()))) {
                    return Path.of(path.get());
                }
                assertThat(pool).as("the pool being built").isNotDone();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            throw new AssertionError("no held worker with a socket");
        }

        /** Lets the worker go on, and waits for the build's outcome. */
        WorkerPool released() throws Exception {
            Files.createFile(release);
            try {
                return pool.get(PATIENCE_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw (Exception) e.getCause();
            }
        }

        @Override
        public void close() throws Exception {
            if (!Files.exists(release)) {
                Files.createFile(release);
            }
            try {
                pool.get(PATIENCE_SECONDS, TimeUnit.SECONDS).close();
            } catch (ExecutionException e) {
                // the start failed: nothing to close
            }
        }
    }

    private static Set<PosixFilePermission> permissions(Path path) throws IOException {
        return Files.getPosixFilePermissions(path);
    }

    @Test
    void theSocketDirectory_isPrivateToItsUser_andTheSocketIsGoneOnceTheWorkerConnected() throws Exception {
        try (HeldStart start = new HeldStart()) {
            Path directory = start.socket.getParent();
            assertThat(permissions(directory)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
            assertThat(Files.getOwner(directory).getName()).isEqualTo(System.getProperty("user.name"));
            try (WorkerPool pool = start.released()) {
                assertThat(pool.map(List.of(1, 2), x -> x + 1)).containsExactly(2, 3);
                assertThat(start.socket).as("the socket after the worker connected").doesNotExist();
                try (Stream<Path> files = Files.list(directory)) {
                    assertThat(files.filter(f -> f.toString().endsWith(".sock"))).isEmpty();
                }
            }
            assertThat(directory).doesNotExist();
        }
    }

    /**
     * As root this machine cannot show a refusal by being another user, except by becoming one: a process of
     * user {@code nobody} tries to connect to the pool's socket, and the kernel refuses it (the directory is
     * 0700). Skipped where the test cannot switch users.
     */
    @Test
    void anotherUser_cannotConnectToTheSocket() throws Exception {
        Path setpriv = Path.of("/usr/bin/setpriv");
        Path python = Path.of("/usr/bin/python3");
        assumeThat(System.getProperty("user.name")).as("switching users needs root").isEqualTo("root");
        assumeThat(Files.isExecutable(setpriv) && Files.isExecutable(python)).as("setpriv and python3").isTrue();
        try (HeldStart start = new HeldStart()) {
            String connect = "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ntry:\n s.connect(sys.argv[1])\n"
                    + " print('CONNECTED')\nexcept OSError as e:\n print('REFUSED', e)\n";
            Process other = new ProcessBuilder(setpriv.toString(), "--reuid=65534", "--regid=65534",
                    "--clear-groups", python.toString(), "-c", connect, start.socket.toString())
                    .redirectErrorStream(true).start();
            String answer = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(other.waitFor(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(answer).startsWith("REFUSED").contains("Permission denied");
            try (WorkerPool pool = start.released()) {
                assertThat(pool.apply(() -> 42)).isEqualTo(42);
            }
        }
    }

    /** Writes a frame: 4-byte little-endian length, then the body. */
    private static void sendFrame(SocketChannel channel, byte[] body) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(4 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt(body.length).put(body).flip();
        while (frame.hasRemaining()) {
            channel.write(frame);
        }
    }

    @Test
    void aConnectionWithTheWrongSecret_isRefused() throws Exception {
        try (HeldStart start = new HeldStart();
                SocketChannel impostor = connectOnceListening(start.socket)) {
            // HELLO (type 1), a 32-byte secret of zeros, a pid
            ByteBuffer hello = ByteBuffer.allocate(1 + 4 + 32 + 8).order(ByteOrder.LITTLE_ENDIAN);
            hello.put((byte) 1).putInt(32).put(new byte[32]).putLong(ProcessHandle.current().pid());
            sendFrame(impostor, hello.array());
            assertThat(catchFailure(start)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("without the pool's secret");
        }
    }

    @Test
    void aConnectionThatSaysNothing_doesNotHoldTheStartForever() throws Exception {
        try (HeldStart start = new HeldStart();
                SocketChannel impostor = connectOnceListening(start.socket)) {
            // The real worker, released, finds no socket any more and exits: the start fails instead of waiting
            // for a HELLO that never comes (before, build() waited forever).
            assertThat(catchFailure(start)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("failed to start");
        }
    }

    /**
     * Connects to the pool's socket. Its file appears when it is bound, a moment before it listens (two system
     * calls): a connection in between is refused, so that one is tried again, briefly.
     */
    private static SocketChannel connectOnceListening(Path socket) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
        while (true) {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                return channel;
            } catch (java.net.ConnectException refused) {
                channel.close(); // a refused connect leaves the channel closed: the next try takes a new one
                if (System.nanoTime() > deadline) {
                    throw refused;
                }
                Thread.onSpinWait();
            }
        }
    }

    private static Exception catchFailure(HeldStart start) {
        try {
            WorkerPool pool = start.released();
            pool.close();
            throw new AssertionError("the pool started with an impostor on its socket");
        } catch (Exception e) {
            return e;
        }
    }

    @Test
    void sharedMemoryFiles_areReadableOnlyByTheirUser() throws Exception {
        try (SharedArray.OfDouble array = SharedArray.ofDoubles(1_000)) {
            assertThat(permissions(array.file())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(permissions(array.file().getParent())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
            assertThat(Files.getOwner(array.file()).getName()).isEqualTo(System.getProperty("user.name"));
        }
    }
}
