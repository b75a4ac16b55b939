package dev.ensemble.internal.process;

import dev.ensemble.internal.platform.Log;
import dev.ensemble.internal.schedule.WorkerStart;
import dev.ensemble.internal.wire.FrameChannel;
import dev.ensemble.internal.wire.Serialization;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.fory.memory.MemoryBuffer;

/**
 * How a {@link WorkerLink} comes to be: a new worker JVM spawned and proven ({@link #launch}: socket and position
 * file made while it boots, the secret on its standard input, HELLO with the secret back, INIT answered READY once
 * its start hook ran), or a warm one that another pool retired taken over ({@link #adopt}). Either returns a link
 * only once its worker is ready; a failed start throws {@link StartFailure} with the worker's own output.
 * {@code -Densemble.debug.start=true} logs the time of each step.
 */
final class WorkerSpawn {
    private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final boolean DEBUG_START = Boolean.getBoolean("ensemble.debug.start");

    private WorkerSpawn() {
    }

    /**
     * A daemon thread that runs {@code onTimeout} after {@code millis}, unless interrupted first because what it
     * guards ended in time. A platform thread: a JVM's first virtual thread costs about 10 ms more, on a start's path.
     */
    private static Thread timer(String name, long millis, Runnable onTimeout) {
        return Thread.ofPlatform().daemon().name(name).start(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                return; // in time
            }
            onTimeout.run();
        });
    }

    /**
     * Starts a worker process and waits until it is ready: connected, proven, initialized, start hook run.
     *
     * @return the running link, its reader not yet started
     * @throws StartFailure with the worker's error output if it did not get ready
     */
    static WorkerLink launch(LinkHost host, int slot, int generation) {
        WorkerLauncher launcher = host.launcher();
        Path socketPath = launcher.socketPath(slot, generation);
        long asked = System.nanoTime();
        Path positionPath = launcher.positionPath(slot, generation);
        List<String> command = launcher.command(slot, socketPath, positionPath);
        // The JVM is spawned first, and boots while this thread makes its socket and position file (tens of ms in
        // a JVM's first pool): it connects, and maps the file, only after it has read the secret, sent after both.
        Process process;
        try {
            process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new StartFailure("worker " + slot + " of pool " + host.poolName() + " could not be started ("
                    + command.get(0) + "): " + e, e);
        }
        long spawned = System.nanoTime();
        ServerSocketChannel server;
        try {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socketPath), 1);
        } catch (IOException e) {
            process.destroyForcibly();
            throw new StartFailure("worker " + slot + " of pool " + host.poolName()
                    + " could not get a socket at " + socketPath + ": " + e, e);
        }
        try {
            Files.write(positionPath, new byte[8]);
        } catch (IOException e) {
            process.destroyForcibly();
            WorkerLink.closeQuietly(server);
            WorkerLink.deleteQuietly(socketPath);
            throw new StartFailure("worker " + slot + " of pool " + host.poolName() + " could not create "
                    + positionPath + ": " + e, e);
        }
        long connected = 0;
        WorkerLink link = new WorkerLink(host, slot, generation, process);
        link.positionPath = positionPath;
        try {
            link.stdin.write((launcher.secretHex() + "\n").getBytes(StandardCharsets.US_ASCII));
            link.stdin.flush();
            long secretSent = System.nanoTime();
            // Until the worker has proven itself, closing what the start waits on (the server socket, then the
            // connection) ends the wait: when the worker exits, or at the start timeout. A connection that never
            // says HELLO would otherwise hold the start forever.
            StartWatch watch = new StartWatch(server);
            process.onExit().thenRun(watch::abandon);
            Thread timer = timer(host.poolName() + "-worker-" + slot + "-start-timer",
                    TimeUnit.NANOSECONDS.toMillis(START_TIMEOUT_NANOS), watch::abandon);
            try {
                SocketChannel socket;
                try {
                    socket = server.accept();
                    connected = System.nanoTime();
                } finally {
                    WorkerLink.closeQuietly(server);
                    WorkerLink.deleteQuietly(socketPath);
                }
                watch.watch(socket);
                link.channel = new FrameChannel(socket, FrameChannel.configuredMaxFrameBytes());
                watch.watch(link.channel);
                MemoryBuffer hello = link.channel.receive();
                if (hello.readByte() != Protocol.HELLO
                        || !MessageDigest.isEqual(Protocol.readBytes(hello), launcher.secret())) {
                    throw new IOException("a process connected to the pool's socket without the pool's secret");
                }
                watch.proven();
                link.pid = hello.readInt64();
            } finally {
                timer.interrupt();
            }
            long proven = System.nanoTime();
            initialize(link, asked);
            if (DEBUG_START) {
                long ready = System.nanoTime();
                long secretAt = secretSent;
                long connectedAt = connected;
                Log.log(WorkerSpawn.class, System.Logger.Level.INFO, () -> String.format("worker %d: spawned %.1f ms, "
                        + "secret sent %.1f ms, connected %.1f ms, proven %.1f ms, ready %.1f ms", slot,
                        (spawned - asked) / 1e6, (secretAt - asked) / 1e6, (connectedAt - asked) / 1e6,
                        (proven - asked) / 1e6, (ready - asked) / 1e6));
            }
            return link;
        } catch (StartFailure e) {
            link.destroy();
            throw e;
        } catch (IOException | RuntimeException e) {
            boolean exited = awaitExit(process);
            link.destroy();
            String what;
            Throwable cause = e;
            if (e instanceof java.nio.channels.ClosedChannelException || e instanceof java.io.EOFException) {
                cause = null; // says no more than the message: the worker's own output, appended, says why
                // The connection closed under the start: the worker's end, or the start timeout's.
                what = exited ? "the worker JVM exited before " + (link.channel == null ? "connecting" : "it was ready")
                        : "the worker JVM did not get ready within " + TimeUnit.NANOSECONDS.toSeconds(START_TIMEOUT_NANOS)
                                + " s";
            } else {
                what = e.getMessage() != null ? e.getMessage() : e.toString();
            }
            throw startFailure(link, what, cause);
        }
    }

    /** How long a failed start waits for the worker JVM's exit to tell "it exited" from "it hung". */
    private static final long EXIT_GRACE_MILLIS = 500;

    /** Whether the process has exited, or does within {@link #EXIT_GRACE_MILLIS}. */
    private static boolean awaitExit(Process process) {
        try {
            return process.waitFor(EXIT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /**
     * Takes a warm worker JVM that another pool of this JVM retired (see {@link WarmWorkers}) and initializes it
     * for this pool: it runs this pool's start hook and gets fresh worker state.
     *
     * @return the running link, its reader not yet started; null if the idle worker turned out dead or unusable
     *     (it is then destroyed, and the caller starts a new one)
     * @throws StartFailure if this pool's start hook failed on it (a new worker would fail the same way)
     */
    static WorkerLink adopt(LinkHost host, int slot, int generation, WarmWorkers.Idle idle) {
        long asked = System.nanoTime();
        String name = host.poolName() + "-worker-" + slot;
        idle.stdout().rename(WorkerLink.prefix(slot), name + "-out");
        idle.stderr().rename(WorkerLink.prefix(slot), name + "-err");
        WorkerLink link = new WorkerLink(host, slot, generation, idle.process(), idle.stdout(), idle.stderr(),
                idle.stdin());
        link.channel = idle.channel();
        link.pid = idle.pid();
        link.foryReady = idle.foryReady();
        // A JVM recycled after maxTasksPerWorker tasks is recycled after that many in all, whatever its pools.
        link.lifespan.ranBefore(idle.tasksDone());
        link.positionPath = host.launcher().positionPath(slot, generation);
        try {
            if (link.tasksLeft() <= 0) {
                throw new IOException("it ran " + idle.tasksDone() + " tasks, as many as this pool's "
                        + "maxTasksPerWorker allows");
            }
            Files.write(link.positionPath, new byte[8]);
            long initializing = System.nanoTime();
            initialize(link, asked);
            if (DEBUG_START) {
                long ready = System.nanoTime();
                Log.log(WorkerSpawn.class, System.Logger.Level.INFO, () -> String.format("worker %d: warm worker %d "
                        + "adopted, INIT sent %.1f ms, ready %.1f ms", slot, idle.pid(), (initializing - asked) / 1e6,
                        (ready - asked) / 1e6));
            }
            return link;
        } catch (StartFailure e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            if (DEBUG_START) {
                Log.log(WorkerSpawn.class, System.Logger.Level.WARNING, () -> "warm worker " + idle.pid()
                        + " could not be reused: " + e);
            }
            link.destroy();
            link.stderr.awaitEnd(500);
            link.stdout.awaitEnd(200);
            WorkerLink.deleteQuietly(link.positionPath);
            return null;
        }
    }

    /**
     * Sends INIT (this pool's allow-list, setup, slot and position file) and waits for READY.
     *
     * @throws StartFailure if the start hook failed
     */
    private static void initialize(WorkerLink link, long asked) throws IOException {
        byte[] initFrame;
        try {
            initFrame = link.host.initFrame();
        } catch (java.util.concurrent.CompletionException e) {
            link.destroy();
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        link.channel.send(InitFrame.forWorker(initFrame, link.slot, link.positionPath));
        java.time.Duration hookLimit = link.host.startHookTimeout();
        java.util.concurrent.atomic.AtomicBoolean overdue = new java.util.concurrent.atomic.AtomicBoolean();
        String hookTimerName = link.host.poolName() + "-worker-" + link.slot + "-start-hook-timer";
        Thread hookTimer = hookLimit == null ? null : timer(hookTimerName, hookLimit.toMillis(), () -> {
            overdue.set(true);
            link.killTree(); // the answer's wait then ends with the connection
        });
        MemoryBuffer answer;
        byte type;
        try {
            answer = link.channel.receive();
            type = answer.readByte();
            while (type == Protocol.FORY_READY) {
                link.foryReady = true; // a warm worker whose Fory was built after its last pool's READY
                answer = link.channel.receive();
                type = answer.readByte();
            }
        } catch (IOException e) {
            if (overdue.get()) {
                link.destroy();
                // The same every time: a replacement is not started again and again for it.
                throw new StartFailure("worker " + link.slot + " of pool " + link.host.poolName() + " failed to start: its "
                        + "onWorkerStart hook did not finish within startHookTimeout (" + hookLimit + "); the worker "
                        + "was killed", null, "start hook over its timeout");
            }
            throw e;
        } finally {
            if (hookTimer != null) {
                hookTimer.interrupt();
            }
        }
        if (type == Protocol.START_FAILED) {
            Throwable cause = Serialization.decodeThrowable(Protocol.readBytes(answer));
            throw startFailure(link, "its onWorkerStart hook threw " + cause, cause);
        }
        if (type != Protocol.READY) {
            throw new IOException("unexpected answer " + type + " to INIT");
        }
        long hookNanos = answer.readInt64();
        if (answer.readBoolean() || link.foryReady) {
            link.workerHasFory();
        }
        link.host.source().workerStarted(link.slot, System.nanoTime() - asked - hookNanos, hookNanos,
                link.generation > 0 ? WorkerStart.REPLACEMENT : WorkerStart.FIRST);
    }

    /**
     * What a start waits on until the worker has proven itself (the server socket, then the connection, then its
     * frame channel); {@link #abandon()} closes it, so the wait ends.
     */
    private static final class StartWatch {
        private AutoCloseable current;
        private boolean abandoned;
        private boolean proven;

        StartWatch(AutoCloseable first) {
            current = first;
        }

        synchronized void watch(AutoCloseable next) {
            current = next;
            if (abandoned) {
                WorkerLink.closeQuietly(next);
            }
        }

        synchronized void proven() {
            proven = true;
        }

        synchronized void abandon() {
            if (!proven) {
                abandoned = true;
                WorkerLink.closeQuietly(current);
            }
        }
    }

    private static StartFailure startFailure(WorkerLink link, String what, Throwable cause) {
        // Killed from outside before this pool gave up on it (a kill storm, an OOM killer): trying again may work.
        boolean signalled = !link.process.isAlive() && ExitStatus.bySignal(link.process.exitValue());
        link.destroy();
        link.stderr.awaitEnd(2_000);
        link.stdout.awaitEnd(500);
        String status = link.process.isAlive() ? "still running" : ExitStatus.describe(link.process.exitValue());
        List<String> lines = new ArrayList<>(link.stdout.lastLines());
        lines.addAll(link.stderr.lastLines());
        StringBuilder message = new StringBuilder("worker " + link.slot + " of pool " + link.host.poolName()
                + " failed to start (" + status + "): " + what);
        if (!lines.isEmpty()) {
            message.append("\nits output ended with:");
            for (String line : lines) {
                message.append("\n  ").append(line);
            }
        }
        return new StartFailure(message.toString(), cause, signalled ? null : status + ": " + what + " " + lines);
    }

}
