package dev.ensemble.internal.process;

import dev.ensemble.internal.schedule.WorkerStart;
import dev.ensemble.internal.platform.Log;
import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.wire.FrameChannel;
import dev.ensemble.internal.wire.Serialization;
import dev.ensemble.internal.worker.ChunkResult;
import dev.ensemble.internal.worker.Lru;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.fory.memory.MemoryBuffer;

/**
 * One worker process of a slot, from its start to its end: the process, its socket, the chunks sent to it and
 * not yet answered, and the thread that reads its answers. A slot gets a new link each time its worker is
 * replaced.
 *
 * <p><b>States.</b> A link is built by {@link #launch} or {@link #adopt}, which return it only once the worker
 * answered READY (a failed start throws {@link StartFailure} instead); from then on its {@link State} moves
 * forward only:
 *
 * <pre>
 *   OPEN ──requestExit──► EXIT_SENT ───┐
 *    │  └─requestRetire─► RETIRE_SENT ─┼─EXITED read─► EXITED ──handOver──► HANDED_OVER
 *    │                                 │                │
 *    └─────────── the reader's end (EOF, kill, frozen, corrupt frame) ─────┴──────────────► ENDED
 * </pre>
 *
 * <table class="plain">
 *   <caption>What each state allows</caption>
 *   <tr><th>state</th><th>chunks sent</th><th>left by</th></tr>
 *   <tr><td>OPEN</td><td>yes, unless the recycling budget is spent</td><td>an EXIT or RETIRE request (close,
 *       recycling), the reader's end</td></tr>
 *   <tr><td>EXIT_SENT</td><td>no</td><td>the worker's EXITED, the reader's end</td></tr>
 *   <tr><td>RETIRE_SENT</td><td>no</td><td>the worker's EXITED, the reader's end</td></tr>
 *   <tr><td>EXITED</td><td>no</td><td>the hand-over of a retired, idle worker to {@link WarmWorkers}; else the
 *       reader's end, a clean exit if nothing was in flight</td></tr>
 *   <tr><td>ENDED</td><td>no</td><td>final: what was in flight is reported lost or returned, the backend starts
 *       a replacement</td></tr>
 *   <tr><td>HANDED_OVER</td><td>no</td><td>final: the process, connection and output belong to
 *       {@link WarmWorkers}</td></tr>
 * </table>
 *
 * <p>Facts that are not states stay fields: the recycling budget ({@code tasksSent}, {@code recycleDue}: a chunk
 * that completes its call's {@code maxTasksPerWorker} was sent), {@code frozen} (the watchdog killed it: a cause of
 * death), {@code foryReady} (how chunks are encoded) and {@code settled} (the backend's own bookkeeping).
 *
 * <p><b>Locking.</b> The link's monitor guards the in-flight table and every change of {@link #state}: a chunk
 * is either registered before the link ends (and then the end reports it) or refused (and the sender gives it
 * back). The state is volatile too, for the reader thread's checks. The channel's write lock keeps the task cache
 * mirror in the order of the frames.
 */
final class WorkerLink {
    private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final boolean DEBUG_START = Boolean.getBoolean("ensemble.debug.start");

    final int slot;
    final int generation;
    private final ProcessBackend backend;
    final Process process;
    /**
     * Completed by the JDK's process reaper when the worker's process has exited: a chunk is not sent to a worker
     * known dead (it would be blamed for a death it had no part in), but given back to run elsewhere.
     */
    private final java.util.concurrent.CompletableFuture<Process> processGone;
    private final OutputForwarder stdout;
    private final OutputForwarder stderr;
    private final OutputStream stdin;
    private FrameChannel channel;
    private long pid;
    private Path positionPath;

    /** Where a link is in its life; see the class comment for the diagram. */
    enum State {
        /** Ready; takes chunks while its recycling budget lasts. */
        OPEN,
        /** EXIT sent (close, recycling): the worker runs its exit hook and exits; nothing more is sent. */
        EXIT_SENT,
        /** RETIRE sent (close with keepWarm): the worker runs its exit hook and waits idle for another pool. */
        RETIRE_SENT,
        /** The worker answered EXITED: its exit hook ran. */
        EXITED,
        /** The reader ended: what was in flight is reported, the link's files deleted, the backend told. */
        ENDED,
        /** A retired worker went to {@link WarmWorkers}, alive, with its connection and output. */
        HANDED_OVER;

        /** Whether this state is final. */
        boolean ended() {
            return this == ENDED || this == HANDED_OVER;
        }
    }

    private final LinkedHashMap<Integer, InFlight> inFlight = new LinkedHashMap<>();
    /** Changed under the link's monitor; volatile for the reader's checks outside it. */
    private volatile State state = State.OPEN;
    /** A chunk that completes its call's maxTasksPerWorker was sent: nothing more, then the worker is recycled. */
    private boolean recycleDue;
    private int nextSeq;
    private long tasksSent;
    private long lastChunkWorkNanos = -1;
    private long answers;
    private long wakeups;
    volatile boolean settled;         // reported to the scheduler and to the backend (guarded by the slot)
    volatile boolean foryReady;       // the worker reads Fory; until then chunks go JDK-serialized where they can
    volatile long exitHookNanos;
    private String dyingReason;
    private volatile long lastHeard = System.nanoTime(); // the last frame from the worker, or the first chunk sent to an idle one
    private volatile boolean frozen;  // killed by the pool's watchdog: silent for too long with work in flight

    private final MemoryBuffer sendBuffer = MemoryBuffer.newHeapBuffer(64 * 1024);
    /** The calls whose task the worker has: it keeps as many as this, in the same order (Protocol). */
    private final Lru<Long, Boolean> taskMirror = new Lru<>(Protocol.TASK_CACHE_SIZE);

    /** A chunk sent and not yet answered, with what the worker reported of it so far. */
    static final class InFlight {
        final int seq;
        final Chunk chunk;
        Object[] partialValues;
        Throwable[] partialErrors;
        int partialUpTo;
        int timedOutAt = -1;
        boolean cancelSent;

        InFlight(int seq, Chunk chunk) {
            this.seq = seq;
            this.chunk = chunk;
        }

        void absorb(Protocol.Part part) {
            if (part.from() > partialUpTo || part.to() <= partialUpTo) {
                return;
            }
            if (partialValues == null) {
                partialValues = new Object[chunk.size()];
            }
            for (int i = partialUpTo; i < part.to(); i++) {
                partialValues[i] = part.values()[i - part.from()];
                if (part.errors() != null && part.errors()[i] != null) {
                    if (partialErrors == null) {
                        partialErrors = new Throwable[chunk.size()];
                    }
                    partialErrors[i] = part.errors()[i];
                }
            }
            partialUpTo = part.to();
        }

        ChunkResult partial() {
            if (partialUpTo == 0) {
                return null;
            }
            return ChunkResult.prefix(Arrays.copyOf(partialValues, partialUpTo),
                    partialErrors == null ? null : Arrays.copyOf(partialErrors, partialUpTo), partialUpTo);
        }
    }

    /** How long a worker that died or was lost may take to be seen exited before it is killed for sure. */
    private static final long DEATH_GRACE_MILLIS = 2_000;

    /** Why a worker could not start; the message holds the worker's own error output. */
    static final class StartFailure extends IllegalStateException {
        private static final long serialVersionUID = 1L;
        /** What makes this failure the same as another, or null for one from outside (a kill) that need not repeat. */
        private final String repeatKey;

        StartFailure(String message, Throwable cause) {
            this(message, cause, message);
        }

        StartFailure(String message, Throwable cause, String repeatKey) {
            super(message, cause);
            this.repeatKey = repeatKey;
        }

        /**
         * Whether starting again would fail the same way: this failure has the same cause as {@code previous} (the
         * JVM's own error, a failing start hook), and neither came from a signal (an OOM killer, a kill storm).
         */
        boolean repeats(StartFailure previous) {
            return previous != null && repeatKey != null && repeatKey.equals(previous.repeatKey);
        }

        /** The same failure as users get it: an {@code IllegalStateException}, not a class of the library's. */
        IllegalStateException forUser() {
            IllegalStateException plain = new IllegalStateException(getMessage(), getCause());
            plain.setStackTrace(getStackTrace());
            return plain;
        }
    }

    private WorkerLink(ProcessBackend backend, int slot, int generation, Process process) {
        this(backend, slot, generation, process,
                OutputForwarder.ofProcess(process, prefix(slot), backend.poolName() + "-worker-" + slot),
                process.getOutputStream());
    }

    private WorkerLink(ProcessBackend backend, int slot, int generation, Process process, OutputForwarder[] output,
            OutputStream stdin) {
        this(backend, slot, generation, process, output[0], output[1], stdin);
    }

    private WorkerLink(ProcessBackend backend, int slot, int generation, Process process, OutputForwarder stdout,
            OutputForwarder stderr, OutputStream stdin) {
        this.backend = backend;
        this.slot = slot;
        this.generation = generation;
        this.process = process;
        this.processGone = process.onExit();
        this.stdout = stdout;
        this.stderr = stderr;
        this.stdin = stdin;
    }

    private static String prefix(int slot) {
        return "[worker " + slot + "] ";
    }

    /**
     * Starts a worker process and waits until it is ready: connected, proven, initialized, start hook run.
     *
     * @return the running link, its reader not yet started
     * @throws StartFailure with the worker's error output if it did not get ready
     */
    static WorkerLink launch(ProcessBackend backend, int slot, int generation) {
        WorkerLauncher launcher = backend.launcher();
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
            throw new StartFailure("worker " + slot + " of pool " + backend.poolName() + " could not be started ("
                    + command.get(0) + "): " + e, e);
        }
        long spawned = System.nanoTime();
        ServerSocketChannel server;
        try {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socketPath), 1);
        } catch (IOException e) {
            process.destroyForcibly();
            throw new StartFailure("worker " + slot + " of pool " + backend.poolName()
                    + " could not get a socket at " + socketPath + ": " + e, e);
        }
        try {
            Files.write(positionPath, new byte[8]);
        } catch (IOException e) {
            process.destroyForcibly();
            closeQuietly(server);
            deleteQuietly(socketPath);
            throw new StartFailure("worker " + slot + " of pool " + backend.poolName() + " could not create "
                    + positionPath + ": " + e, e);
        }
        long connected = 0;
        WorkerLink link = new WorkerLink(backend, slot, generation, process);
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
            Thread timer = Thread.ofVirtual().unstarted(() -> {
                try {
                    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(START_TIMEOUT_NANOS));
                    watch.abandon();
                } catch (InterruptedException ignored) {
                    // proven in time
                }
            });
            timer.start();
            try {
                SocketChannel socket;
                try {
                    socket = server.accept();
                    connected = System.nanoTime();
                } finally {
                    closeQuietly(server);
                    deleteQuietly(socketPath);
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
            link.initialize(asked);
            if (DEBUG_START) {
                long ready = System.nanoTime();
                long secretAt = secretSent;
                long connectedAt = connected;
                Log.log(WorkerLink.class, System.Logger.Level.INFO, () -> String.format("worker %d: spawned %.1f ms, "
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
            throw link.startFailure(what, cause);
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
    static WorkerLink adopt(ProcessBackend backend, int slot, int generation, WarmWorkers.Idle idle) {
        long asked = System.nanoTime();
        String name = backend.poolName() + "-worker-" + slot;
        idle.stdout().rename(prefix(slot), name + "-out");
        idle.stderr().rename(prefix(slot), name + "-err");
        WorkerLink link = new WorkerLink(backend, slot, generation, idle.process(), idle.stdout(), idle.stderr(),
                idle.stdin());
        link.channel = idle.channel();
        link.pid = idle.pid();
        link.foryReady = idle.foryReady();
        // A JVM recycled after maxTasksPerWorker tasks is recycled after that many in all, whatever its pools.
        link.tasksSent = idle.tasksDone();
        link.positionPath = backend.launcher().positionPath(slot, generation);
        try {
            if (link.tasksLeft() <= 0) {
                throw new IOException("it ran " + idle.tasksDone() + " tasks, as many as this pool's "
                        + "maxTasksPerWorker allows");
            }
            Files.write(link.positionPath, new byte[8]);
            link.initialize(asked);
            return link;
        } catch (StartFailure e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            if (DEBUG_START) {
                Log.log(WorkerLink.class, System.Logger.Level.WARNING, () -> "warm worker " + idle.pid()
                        + " could not be reused: " + e);
            }
            link.destroy();
            link.stderr.awaitEnd(500);
            link.stdout.awaitEnd(200);
            deleteQuietly(link.positionPath);
            return null;
        }
    }

    /**
     * Sends INIT (this pool's allow-list, setup, slot and position file) and waits for READY.
     *
     * @throws StartFailure if the start hook failed
     */
    private void initialize(long asked) throws IOException {
        byte[] initFrame;
        try {
            initFrame = backend.initFrame();
        } catch (java.util.concurrent.CompletionException e) {
            destroy();
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        MemoryBuffer init = MemoryBuffer.newHeapBuffer(initFrame.length + 512);
        init.writeBytes(initFrame);
        init.putInt32(5, slot);
        Protocol.writeString(init, positionPath.toString());
        channel.send(init);
        java.time.Duration hookLimit = backend.startHookTimeout();
        java.util.concurrent.atomic.AtomicBoolean overdue = new java.util.concurrent.atomic.AtomicBoolean();
        Thread hookTimer = hookLimit == null ? null : Thread.ofPlatform().daemon()
                .name(backend.poolName() + "-worker-" + slot + "-start-hook-timer").start(() -> {
                    try {
                        Thread.sleep(hookLimit.toMillis());
                    } catch (InterruptedException e) {
                        return; // answered in time
                    }
                    overdue.set(true);
                    killTree(); // the answer's wait then ends with the connection
                });
        MemoryBuffer answer;
        byte type;
        try {
            answer = channel.receive();
            type = answer.readByte();
            while (type == Protocol.FORY_READY) {
                foryReady = true; // a warm worker whose Fory was built after its last pool's READY
                answer = channel.receive();
                type = answer.readByte();
            }
        } catch (IOException e) {
            if (overdue.get()) {
                destroy();
                // The same every time: a replacement is not started again and again for it.
                throw new StartFailure("worker " + slot + " of pool " + backend.poolName() + " failed to start: its "
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
            throw startFailure("its onWorkerStart hook threw " + cause, cause);
        }
        if (type != Protocol.READY) {
            throw new IOException("unexpected answer " + type + " to INIT");
        }
        long hookNanos = answer.readInt64();
        if (answer.readBoolean() || foryReady) {
            workerHasFory();
        }
        backend.source().workerStarted(slot, System.nanoTime() - asked - hookNanos, hookNanos,
                generation > 0 ? WorkerStart.REPLACEMENT : WorkerStart.FIRST);
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
                closeQuietly(next);
            }
        }

        synchronized void proven() {
            proven = true;
        }

        synchronized void abandon() {
            if (!proven) {
                abandoned = true;
                closeQuietly(current);
            }
        }
    }

    private StartFailure startFailure(String what, Throwable cause) {
        // Killed from outside before this pool gave up on it (a kill storm, an OOM killer): trying again may work.
        boolean signalled = !process.isAlive() && ExitStatus.bySignal(process.exitValue());
        destroy();
        stderr.awaitEnd(2_000);
        stdout.awaitEnd(500);
        String status = process.isAlive() ? "still running" : ExitStatus.describe(process.exitValue());
        List<String> lines = new ArrayList<>(stdout.lastLines());
        lines.addAll(stderr.lastLines());
        StringBuilder message = new StringBuilder("worker " + slot + " of pool " + backend.poolName()
                + " failed to start (" + status + "): " + what);
        if (!lines.isEmpty()) {
            message.append("\nits output ended with:");
            for (String line : lines) {
                message.append("\n  ").append(line);
            }
        }
        return new StartFailure(message.toString(), cause, signalled ? null : status + ": " + what + " " + lines);
    }

    long pid() {
        return pid;
    }

    /** Starts the thread that reads the worker's answers until it ends. */
    void startReader() {
        Thread.ofPlatform().daemon().name(backend.poolName() + "-worker-" + slot + "-reader").start(this::read);
    }

    // ---- sending ----

    /** @return how many more tasks this worker may be sent before it is recycled */
    synchronized long tasksLeft() {
        if (recycleDue) {
            return 0;
        }
        long max = backend.maxTasksPerWorker();
        return max > 0 ? Math.max(0, max - tasksSent) : Long.MAX_VALUE;
    }

    synchronized boolean idle() {
        return inFlight.isEmpty();
    }

    synchronized boolean ended() {
        return state.ended();
    }

    /** Waits until nothing is in flight or the link ended. */
    synchronized void awaitIdle() throws InterruptedException {
        while (!inFlight.isEmpty() && !state.ended()) {
            wait();
        }
    }

    /** @return whether the worker's process has ended (the reader may not have reported it yet) */
    boolean processGone() {
        return processGone.isDone();
    }

    /** Waits until the link ended. */
    synchronized void awaitEnd() throws InterruptedException {
        while (!state.ended()) {
            wait();
        }
    }

    /**
     * Chunks to keep in flight. One until a chunk's time is known; then more while chunks are short (the round
     * trip, tens of µs, would otherwise idle the worker between them), none extra for long ones (a chunk queued
     * behind a long one cannot go to another worker that falls idle meanwhile).
     */
    private int depth() {
        if (lastChunkWorkNanos < 0 || backend.idleSenders() > 0) {
            return 1;
        }
        return lastChunkWorkNanos < 2_000_000 ? 4 : lastChunkWorkNanos < 20_000_000 ? 2 : 1;
    }

    /**
     * Sends a chunk, or refuses it if the link has ended, or if the chunk would take this worker past
     * {@code maxTasksPerWorker} (a sender that waited with an older limit, a queued chunk cut for another worker):
     * the worker is then due for recycling, and the chunk goes to its replacement or another worker. A worker
     * that has run nothing takes any chunk, so that a chunk larger than the limit still runs somewhere.
     *
     * @return whether it was sent (else the caller gives it back to the scheduler)
     */
    boolean send(Chunk chunk) {
        InFlight entry;
        synchronized (this) {
            if (state != State.OPEN || recycleDue || processGone.isDone()) {
                return false;
            }
            long max = backend.maxTasksPerWorker();
            if (max > 0 && tasksSent > 0 && tasksSent + chunk.size() > max) {
                tasksSent = max; // nothing more for this worker: the sender recycles it
                return false;
            }
            if (inFlight.isEmpty()) {
                lastHeard = System.nanoTime(); // silence counts from when it had something to do
            }
            entry = new InFlight(nextSeq++, chunk);
            inFlight.put(entry.seq, entry);
            tasksSent += chunk.size();
            recycleDue = chunk.recycleAfter(); // its call's maxTasksPerWorker: nothing more, then recycled
        }
        if (chunk.taskTimeout() != null) {
            backend.ensureWatchdog(chunk.taskTimeout()); // a worker that freezes under it is killed
        }
        channel.writeLock().lock();
        try {
            backend.codec().encodeChunk(sendBuffer, entry.seq, chunk, taskMirror,
                    ChunkCodec.jdkFirst(chunk, foryReady), channel.maxFrameBytes());
            channel.send(sendBuffer);
        } catch (IOException e) {
            // The reader sees the end too and reports the chunk with the others.
            kill();
        } catch (RuntimeException | LinkageError e) {
            // Could not encode it (an input failed even alone, the message is too large, or the serializer could
            // not be initialized in this JVM): the chunk fails here, with the reason, rather than the sender
            // thread dying with it; its task, if this frame carried it, never reached the worker.
            taskMirror.remove(chunk.callId());
            synchronized (this) {
                inFlight.remove(entry.seq);
                if (state.ended()) {
                    return true;
                }
            }
            backend.failUnsent(slot, chunk, e instanceof RuntimeException r ? r
                    : new IllegalStateException("the task or its inputs could not be encoded for a worker process: "
                            + e, e));
        } finally {
            channel.writeLock().unlock();
        }
        return true;
    }

    /**
     * Waits until the pipeline has room: fewer than {@link #depth()} chunks in flight, or the link ended.
     *
     * @return the number of chunks in flight now
     */
    synchronized int awaitRoom() throws InterruptedException {
        while (state == State.OPEN && inFlight.size() >= depth()) {
            wait();
        }
        return inFlight.size();
    }

    /**
     * Waits until an answer arrives (or the link ends, or {@link #wake()}) while {@code answers} is the count
     * seen before; at most a tenth of a second, so that calls cancelled elsewhere are noticed.
     */
    synchronized void awaitAnswer(long seen) throws InterruptedException {
        long wakeupsBefore = wakeups;
        long deadline = System.nanoTime() + 100_000_000L;
        while (!state.ended() && answers == seen && !inFlight.isEmpty() && wakeups == wakeupsBefore) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** Wakes the sender: a call may have been cancelled. */
    synchronized void wake() {
        wakeups++;
        notifyAll();
    }

    /** Tells the worker to skip the chunks of cancelled calls that it has not started yet. */
    void sendCancels() {
        List<Long> calls = null;
        synchronized (this) {
            for (InFlight f : inFlight.values()) {
                if (!f.cancelSent && f.chunk.isCancelled()) {
                    f.cancelSent = true;
                    if (calls == null) {
                        calls = new ArrayList<>(2);
                    }
                    if (!calls.contains(f.chunk.callId())) {
                        calls.add(f.chunk.callId());
                    }
                }
            }
        }
        if (calls == null) {
            return;
        }
        channel.writeLock().lock();
        try {
            for (long callId : calls) {
                FrameChannel.begin(sendBuffer, Protocol.CANCEL).writeInt64(callId);
                channel.send(sendBuffer);
            }
        } catch (IOException e) {
            kill();
        } finally {
            channel.writeLock().unlock();
        }
    }

    synchronized long answers() {
        return answers;
    }

    /** Asks the worker to run its exit hook and exit; nothing more is sent. */
    void requestExit() {
        requestEnd(Protocol.EXIT, State.EXIT_SENT);
    }

    /**
     * Asks the worker to run its exit hook and then wait, idle, for the next pool of this JVM with the same JVM
     * options (warm reuse); nothing more is sent. When it answers, the reader hands it to {@link WarmWorkers}.
     */
    void requestRetire() {
        requestEnd(Protocol.RETIRE, State.RETIRE_SENT);
    }

    private void requestEnd(byte type, State next) {
        synchronized (this) {
            if (state != State.OPEN) {
                return;
            }
            state = next;
        }
        channel.writeLock().lock();
        try {
            FrameChannel.begin(sendBuffer, type);
            channel.send(sendBuffer);
        } catch (IOException e) {
            kill();
        } finally {
            channel.writeLock().unlock();
        }
    }

    /**
     * Kills the worker if it has had work in flight under a task timeout and sent nothing for twice that timeout
     * plus two seconds ({@link ProcessBackend#frozenLimit}). A live worker is
     * never silent that long under a task timeout: it sends the results of a long chunk as they come (every
     * 20 ms), and kills itself when a task overruns. One that is silent is stopped (SIGSTOP) or stuck as a whole
     * (its own timeout watchdog cannot run), and its chunk would otherwise wait forever.
     *
     * @return whether it was killed
     */
    boolean killIfFrozen(long now) {
        synchronized (this) {
            if (state.ended() || inFlight.isEmpty()) {
                return false;
            }
            java.time.Duration timeout = inFlight.values().iterator().next().chunk.taskTimeout();
            if (timeout == null || now - lastHeard <= ProcessBackend.frozenLimit(timeout.toNanos())) {
                return false;
            }
            frozen = true;
        }
        long silentMillis = TimeUnit.NANOSECONDS.toMillis(now - lastHeard);
        Log.log(WorkerLink.class, System.Logger.Level.WARNING, () -> "pool " + backend.poolName() + ": worker "
                + slot + " (pid " + pid + ") sent nothing for " + silentMillis + " ms while running a task under a "
                + "timeout; it is stopped or stuck, killing it");
        kill();
        return true;
    }

    /** Whether the chunk this worker runs now (the oldest it holds) belongs to call {@code callId}. */
    synchronized boolean isRunning(long callId) {
        java.util.Iterator<InFlight> it = inFlight.values().iterator();
        return it.hasNext() && it.next().chunk.callId() == callId;
    }

    /** Kills the worker process now; the reader then reports what it held. */
    void kill() {
        // A signal only: Process.destroy would also close the worker's output, losing its last lines.
        killTree();
        if (channel != null) {
            channel.close();
        }
    }

    /**
     * Kills the worker process and every process its tasks started (a hanging tool must not outlive it): the
     * descendants are listed while the worker still holds them, then killed, then the worker.
     */
    private void killTree() {
        ProcessHandle worker = process.toHandle();
        try {
            worker.descendants().toList().forEach(ProcessHandle::destroyForcibly);
        } catch (RuntimeException ignored) {
            // best effort: the worker (and so its list of children) may be gone already
        }
        worker.destroyForcibly();
    }

    private void destroy() {
        killTree();
        try {
            stdin.close();
        } catch (IOException ignored) {
            // gone already
        }
        if (channel != null) {
            channel.close();
        }
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The worker reads Fory; chunks go that way once this JVM has its Fory too, which this starts building. */
    private void workerHasFory() {
        foryReady = true;
        ChunkCodec.foryReadyHere();
    }

    // ---- receiving ----

    private void read() {
        try {
            while (true) {
                MemoryBuffer frame = channel.receive();
                lastHeard = System.nanoTime();
                byte type = frame.readByte();
                switch (type) {
                    case Protocol.RESULTS -> onResults(frame);
                    case Protocol.PARTIAL -> onPart(readPart(frame), false);
                    case Protocol.TIMED_OUT -> onPart(readPart(frame), true);
                    case Protocol.DYING -> {
                        onPart(readPart(frame), false);
                        dyingReason = Protocol.readString(frame);
                    }
                    case Protocol.FORY_READY -> workerHasFory();
                    case Protocol.EXITED -> {
                        exitHookNanos = frame.readInt64();
                        byte exitKind = frame.readByte();
                        byte[] exitBytes = Protocol.readBytes(frame);
                        backend.collectExitResult(slot, exitKind, exitBytes);
                        boolean retired;
                        synchronized (this) {
                            retired = state == State.RETIRE_SENT;
                            state = State.EXITED;
                        }
                        if (!retired) {
                            // The worker's thread that watches its standard input sits in a native read, and a
                            // JVM's exit waits up to 300 ms for such threads: its end of file lets it go at once.
                            closeStdin();
                            return; // nothing follows EXITED: end() waits for the JVM to end, within the grace
                        }
                        if (handOver()) {
                            return;
                        }
                    }
                    default -> throw new IOException("unexpected message type " + type + " from worker " + slot);
                }
            }
        } catch (IOException e) {
            // The worker is gone (EOF, or a reset when it was killed): end() reports how it ended.
        } catch (RuntimeException e) {
            // A frame this side could not decode: the worker cannot be trusted to be in step any more.
            Log.log(WorkerLink.class, System.Logger.Level.ERROR, "pool " + backend.poolName() + ": dropping worker "
                    + slot + " after a message this side could not decode", e);
            kill();
        } catch (Error e) {
            kill();
            throw e;
        } finally {
            if (state != State.HANDED_OVER) {
                end();
            }
        }
    }

    /**
     * The retired worker ran its exit hook and waits idle: gives it to {@link WarmWorkers} with its connection
     * and output, and reports its exit as a clean one. This thread then stops reading it.
     *
     * @return false if it cannot be kept (then the reader goes on and sees it exit as usual)
     */
    private boolean handOver() {
        synchronized (this) {
            if (!inFlight.isEmpty() || !process.isAlive()) {
                return false; // not idle after all: let it end the usual way
            }
            state = State.HANDED_OVER;
            notifyAll();
        }
        deleteQuietly(positionPath);
        String name = "ensemble-idle-worker-" + pid;
        stdout.rename("[idle worker " + pid + "] ", name + "-out");
        stderr.rename("[idle worker " + pid + "] ", name + "-err");
        backend.source().workerExited(slot, exitHookNanos);
        long done;
        synchronized (this) {
            done = tasksSent;
        }
        WarmWorkers.offer(new WarmWorkers.Idle(backend.launcher().warmKey(), process, channel, stdin, stdout, stderr,
                pid, foryReady, done), backend.keepWarm());
        backend.linkEnded(this, true);
        return true;
    }

    /**
     * Takes in a RESULTS frame. Everything of a result is read and checked before its chunk leaves the in-flight
     * table: a frame that turns out corrupt drops the worker, and the chunk, still in flight, is reported lost
     * with the others, never forgotten (its call would wait for it forever).
     */
    private void onResults(MemoryBuffer frame) {
        int count = frame.readInt32();
        boolean cancelled = false;
        for (int i = 0; i < count; i++) {
            int seq = frame.readInt32();
            int processed = frame.readInt32();
            long waitNanos = frame.readInt64();
            long workNanos = frame.readInt64();
            long slowestNanos = frame.readInt64();
            int slowestOffset = frame.readInt32();
            int valuesStart = frame.readerIndex();
            Object[] values = backend.codec().readValues(frame);
            long valueBytes = frame.readerIndex() - valuesStart;
            InFlight entry;
            synchronized (this) {
                entry = inFlight.get(seq);
                lastChunkWorkNanos = workNanos;
            }
            if (entry == null) {
                Protocol.skipErrors(frame); // a chunk this side no longer waits for
                continue;
            }
            int size = entry.chunk.size();
            Throwable[] errors = Protocol.readErrors(frame, null, size);
            if (processed < 0 || processed > size || slowestOffset < 0 || slowestOffset > Math.max(0, processed - 1)) {
                throw new IllegalStateException("corrupt message: a result of " + processed + " tasks (the slowest at "
                        + slowestOffset + ") for a chunk of " + size);
            }
            synchronized (this) {
                inFlight.remove(seq);
            }
            Object[] full = values.length == size ? values : Arrays.copyOf(values, size);
            backend.source().completed(slot, entry.chunk,
                    new ChunkResult(full, errors, processed, waitNanos, workNanos, slowestNanos, slowestOffset,
                            valueBytes));
            if (entry.chunk.isCancelled()) {
                cancelled = true;
            }
        }
        if (cancelled) {
            backend.wakeSenders(); // a failure ended a call: other workers may hold its chunks
        }
        synchronized (this) {
            answers++;
            notifyAll(); // the sender tops the pipeline up; this thread never writes, so it never blocks on a full socket
        }
    }

    /** Reads a part, checked against its chunk; a part of a chunk not in flight is read past (seq kept). */
    private Protocol.Part readPart(MemoryBuffer frame) {
        int seq = frame.readInt32();
        int from = frame.readInt32();
        int to = frame.readInt32();
        Object[] values = backend.codec().readValues(frame);
        int size;
        synchronized (this) {
            InFlight entry = inFlight.get(seq);
            size = entry == null ? -1 : entry.chunk.size();
        }
        if (size < 0) {
            Protocol.skipErrors(frame);
            return new Protocol.Part(seq, 0, 0, new Object[0], null);
        }
        Throwable[] errors = Protocol.readErrors(frame, null, size);
        if (from < 0 || to < from || to > size || values.length < to - from) {
            throw new IllegalStateException("corrupt message: a part [" + from + ", " + to + ") with " + values.length
                    + " values of a chunk of " + size);
        }
        return new Protocol.Part(seq, from, to, values, errors);
    }

    private synchronized void onPart(Protocol.Part part, boolean timedOut) {
        InFlight entry = inFlight.get(part.seq());
        if (entry == null || part.to() > entry.chunk.size()) {
            return;
        }
        entry.absorb(part);
        if (timedOut) {
            entry.timedOutAt = part.to();
        }
    }

    /** The worker is gone (or going): report what it held, then let the backend replace it. */
    private void end() {
        List<InFlight> held;
        boolean exited;
        synchronized (this) {
            exited = state == State.EXITED;
            state = State.ENDED;
            held = new ArrayList<>(inFlight.values());
            inFlight.clear();
            notifyAll();
        }
        boolean clean = exited && held.isEmpty();
        if (!clean) {
            closeConnection();
        }
        // After a clean exit the connection stays open until the JVM has ended: closing it would make the worker
        // halt at once (it takes that for its pool's death), cutting the application's own shutdown hooks short.
        try {
            long graceMillis = clean ? backend.exitGracePeriod().toMillis() : DEATH_GRACE_MILLIS;
            if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                if (clean) {
                    Log.log(WorkerLink.class, System.Logger.Level.WARNING, () -> "pool " + backend.poolName()
                            + ": worker " + slot + " (pid " + pid + ") ran its exit hook but its JVM did not end "
                            + "within " + graceMillis + " ms (a shutdown hook or a non-daemon thread still "
                            + "running); killing it");
                }
                killTree();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killTree();
        }
        closeConnection();
        stderr.awaitEnd(1_000);
        stdout.awaitEnd(200);
        if (clean) {
            backend.source().workerExited(slot, exitHookNanos);
        } else {
            reportDeath(held);
        }
        deleteQuietly(positionPath);
        backend.linkEnded(this, clean);
    }

    private void closeStdin() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // gone already
        }
    }

    private void closeConnection() {
        channel.close();
        try {
            stdin.close();
        } catch (IOException ignored) {
            // gone already
        }
    }

    private void reportDeath(List<InFlight> held) {
        String status = process.isAlive() ? "unresponsive, killed" : ExitStatus.describe(process.exitValue());
        // The chunk the worker marked as running is the one it died in; chunks before it finished there, but
        // their results (batched, not yet written) died with it: they go back to run again, blaming nothing.
        InFlight marked = null;
        for (InFlight f : held) {
            if (runningOffset(f.seq) >= 0) {
                marked = f;
                break;
            }
        }
        List<InFlight> ordered = new ArrayList<>(held);
        if (marked != null) {
            ordered.remove(marked);
            ordered.addFirst(marked);
        }
        Iterator<InFlight> it = ordered.iterator();
        if (it.hasNext()) {
            InFlight running = it.next();
            int runningOffset = Math.max(runningOffset(running.seq), running.partialUpTo);
            // A frozen worker's task ran over its timeout, whatever else it was doing.
            int timedOutAt = frozen && running.timedOutAt < 0 ? runningOffset : running.timedOutAt;
            backend.reportLost(slot, running.chunk, running.partial(), running.partialUpTo, runningOffset,
                    timedOutAt, status, dyingReason, stderr.lastLines());
        }
        while (it.hasNext()) {
            backend.source().returned(slot, it.next().chunk);
        }
    }

    /** The offset of the task the dead worker was running in chunk {@code seq}, from its mark; -1 if unknown. */
    private int runningOffset(int seq) {
        try {
            java.nio.ByteBuffer mark = java.nio.ByteBuffer.wrap(Files.readAllBytes(positionPath));
            return mark.remaining() >= 8 && mark.getInt(0) == seq ? mark.getInt(4) : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing only
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // the pool's directory is removed at close anyway
        }
    }
}
