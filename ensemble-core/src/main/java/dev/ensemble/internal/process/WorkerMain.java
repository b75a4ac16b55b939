package dev.ensemble.internal.process;

import dev.ensemble.Task;
import dev.ensemble.WorkerHook;
import dev.ensemble.internal.platform.Log;
import dev.ensemble.internal.wire.FrameChannel;
import dev.ensemble.internal.wire.Serialization;
import dev.ensemble.internal.worker.ChunkResult;
import dev.ensemble.internal.worker.ChunkRunner;
import dev.ensemble.internal.worker.CurrentWorker;
import dev.ensemble.internal.worker.FreezeClock;
import dev.ensemble.internal.worker.Lru;
import dev.ensemble.internal.worker.WorkerState;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import org.apache.fory.memory.MemoryBuffer;

/**
 * The main class of a worker process. Started by {@link WorkerLauncher} with the pool's socket path, the
 * worker's slot and its position-mark file as arguments, and the pool's secret as the first line of standard
 * input.
 *
 * <p><b>Threads.</b> The main thread reads frames and runs chunks one after the other, so a chunk sent while
 * another runs waits in the socket's buffer and is picked up without a wake-up; before each chunk it reads ahead
 * whatever has arrived, so a CANCEL queued behind chunks is seen before they run. Results of short chunks that
 * finish while the next chunk is already here are held back (at most 1 ms, then the monitor sends them) and sent
 * together. A monitor thread times out overdue tasks, sends the finished part of long chunks every 20 ms, and
 * checks that the pool's JVM is alive; a third thread blocks on standard input, whose end means the pool's JVM is
 * gone. Fory is built on a fourth thread after the first chunk's result, or once the worker was idle 50 ms after
 * READY, or at once if a frame needs it; until it is ready (about 100 ms), chunks and results travel
 * JDK-serialized where they can.
 *
 * <p><b>Blame.</b> For chunks of timed tasks the main thread marks the running task ({@code seq}, offset) in a
 * memory-mapped file of the pool's directory, which the pool reads if this JVM dies without a word.
 *
 * <p><b>Diagnostics</b> go to the pool through {@link ParentReport}, this JVM's real standard error, not to a
 * logger: the pool forwards it line by line with the worker's prefix and quotes its last lines in start-failure and
 * death messages, so it is the worker's log. The start timeline ({@code ensemble.debug.start}) is logged.
 *
 * <p><b>Exits.</b> EXIT from the pool: exit hook, EXITED, {@code System.exit(0)}. Pool gone (standard input or
 * socket closed, or parent process dead): halt, after deleting the pool's files if its JVM died
 * ({@link ParentDeath#poolGone}). A task's {@code System.exit}: a shutdown hook reports
 * DYING with the finished part of the chunk first. {@code OutOfMemoryError} or another VM error in a task:
 * DYING, then halt with {@link Protocol#EXIT_FATAL}. Overdue task: TIMED_OUT, then halt.
 */
public final class WorkerMain {
    private static final long FLUSH_AFTER_NANOS = 200_000;
    private static final int FLUSH_AFTER_BYTES = 256 * 1024;
    private static final long PARTIAL_EVERY_NANOS = 20_000_000;
    private static final long HOLD_AT_MOST_NANOS = 1_000_000;

    private static long MAIN_ENTERED;
    /**
     * Builds Fory (about 100 ms of CPU) only after this worker's first result or 50 ms of idleness after READY,
     * or when a frame needs it (INIT's setup, a chunk sent by Fory): built while connecting, it competed for the
     * CPUs with the start of the other workers and delayed every READY; built at READY, with the first call. The
     * first chunks travel JDK-serialized meanwhile.
     */
    private static final boolean DEFER_FORY = !"false".equals(System.getProperty("ensemble.worker.deferFory"));
    private static Thread FORY_BUILDER;
    private static final java.util.concurrent.atomic.AtomicBoolean FORY_STARTED =
            new java.util.concurrent.atomic.AtomicBoolean();

    private static void buildFory() {
        if (!FORY_STARTED.get() && FORY_STARTED.compareAndSet(false, true)) {
            FORY_BUILDER.start();
        }
    }
    /** A worker idle this long after READY builds its Fory (else after its first chunk, or when it needs it). */
    private static final long FORY_WHEN_IDLE_NANOS = 50_000_000;
    private static final int RETIRE_SEQ = -2;

    private int slot;
    private final FrameChannel channel;
    private final CompletableFuture<Serialization> foryBuild;
    /** Fory once built and admitting the pool's packages; until then, JDK serialization where it can. */
    private volatile Serialization fory;
    private java.util.Set<String> packages = java.util.Set.of();
    private final Object foryLock = new Object();
    private boolean readySent;
    private boolean readySaidFory;
    private final MemoryBuffer control = MemoryBuffer.newHeapBuffer(256);
    /** The results held back to go in one write, and how every result and part is written. */
    private final ResultOutbox outbox;
    /** Turns CHUNK frames into tasks and inputs, with the tasks this worker keeps per call. */
    private final ChunkDecoder decoder;
    private final java.util.ArrayDeque<ChunkDecoder.Pending> pending = new java.util.ArrayDeque<>();
    /** Calls the pool cancelled; bounded, since ids only grow and old ones never come back. */
    private final java.util.Set<Long> cancelled = java.util.Collections.newSetFromMap(new Lru<>(256));
    private WorkerState state;
    private WorkerHook onExit;
    private dev.ensemble.WorkerExitFunction<?> exitResult;
    private final Object runningLock = new Object();
    private Running running;
    /** The chunk whose running task the monitor timed out (guarded by runningLock); this JVM halts next. */
    private Running timingOut;
    private volatile boolean exiting;
    private volatile long readyAtNanos;
    private Thread monitorThread;

    /** The chunk the main thread is running, as the monitor and the shutdown hook see it. */
    private static final class Running {
        final int seq;
        final ChunkRunner runner;
        final int size;
        /** The chunk came JDK-serialized: its results go back that way where they can (see writeValues). */
        final ResultOutbox.Encoding encoding;
        /** The longest one of its tasks may run (its call's or its pool's task timeout); 0 for no limit. */
        final long timeoutNanos;
        int sentUpTo;
        final long sinceNanos = System.nanoTime();
        long lastPartialNanos = sinceNanos;

        Running(int seq, ChunkRunner runner, int size, ResultOutbox.Encoding encoding, long timeoutNanos) {
            this.timeoutNanos = timeoutNanos;
            this.seq = seq;
            this.runner = runner;
            this.size = size;
            this.encoding = encoding;
        }
    }

    /**
     * The position mark: {@code [seq:int][offset:int]} of the task running, in a file of the pool's directory
     * mapped into memory, so that the pool can read it after this JVM died without a word (SIGKILL, halt,
     * native crash) and blame the right input. Written for chunks whose tasks are timed one by one (slow enough
     * that two stores per task are nothing); null if the file could not be mapped.
     */
    private java.nio.MappedByteBuffer mark;

    private static java.nio.MappedByteBuffer mapMark(Path file) {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            return channel.map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0, 8);
        } catch (IOException | RuntimeException e) {
            return null; // blame falls back to the first input without a result
        }
    }

    private WorkerMain(int slot, FrameChannel channel, CompletableFuture<Serialization> foryBuild) {
        this.slot = slot;
        this.channel = channel;
        this.foryBuild = foryBuild;
        this.outbox = new ResultOutbox(channel, new ResultOutbox.Writers() {
            @Override
            public Serialization built() {
                return fory;
            }

            @Override
            public Serialization fory() {
                return WorkerMain.this.fory();
            }

            @Override
            public int slot() {
                return slot;
            }
        });
        this.decoder = new ChunkDecoder(slot, new ChunkDecoder.Readers() {
            @Override
            public Serialization fory() {
                return WorkerMain.this.fory();
            }

            @Override
            public java.util.Set<String> packages() {
                return packages;
            }
        });
    }

    /** Fory, waiting for it to be built if need be. */
    private Serialization fory() {
        Serialization s = fory;
        if (s != null) {
            return s;
        }
        buildFory();
        return installFory(foryBuild.join());
    }

    /** Makes a built Fory the one to use (once), and tells the pool if READY said it was not there yet. */
    private Serialization installFory(Serialization built) {
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
     * Runs a worker.
     *
     * @param args the pool's socket path and this worker's slot
     * @throws Exception if the worker cannot start; its message goes to standard error, which the pool reports
     */
    public static void main(String[] args) throws Exception {
        MAIN_ENTERED = System.nanoTime();
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: WorkerMain SOCKET SLOT POSITION-FILE (started by an Ensemble "
                    + "pool)");
        }
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            ParentReport.line("fatal error in worker thread " + thread.getName() + ": " + error);
            ParentReport.stackTrace(error);
            ParentDeath.haltWithDescendants(Protocol.EXIT_FATAL);
        });
        ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        ParentDeath.watch(parent, Path.of(args[0]).toAbsolutePath().getParent());
        boolean codegen = !"false".equals(System.getProperty("ensemble.worker.codegen"));
        CompletableFuture<Serialization> serialization = new CompletableFuture<>();
        FORY_BUILDER = Thread.ofPlatform().daemon().name("ensemble-worker-init").unstarted(() -> {
            try {
                serialization.complete(Serialization.forWorker(codegen));
            } catch (Throwable t) {
                serialization.completeExceptionally(t);
            }
        });
        if (!DEFER_FORY) {
            buildFory();
        }
        InputStream stdin = System.in;
        byte[] secret = HexFormat.of().parseHex(readLine(stdin));
        long secretRead = System.nanoTime();
        ParentDeath.watchStdin(stdin);

        SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX);
        socket.connect(UnixDomainSocketAddress.of(Path.of(args[0])));
        FrameChannel channel = new FrameChannel(socket, FrameChannel.configuredMaxFrameBytes());
        MemoryBuffer hello = FrameChannel.begin(MemoryBuffer.newHeapBuffer(64), Protocol.HELLO);
        Protocol.writeBytes(hello, secret);
        hello.writeInt64(ProcessHandle.current().pid());
        channel.send(hello);

        long connected = System.nanoTime();
        WorkerMain worker = new WorkerMain(Integer.parseInt(args[1]), channel, serialization);
        worker.mark = mapMark(Path.of(args[2]));
        worker.start(parent);
        if (Boolean.getBoolean("ensemble.debug.start")) {
            long ready = System.nanoTime();
            Log.log(WorkerMain.class, System.Logger.Level.INFO, () -> String.format(
                    "after main: secret +%.1f ms, connected +%.1f ms, ready +%.1f ms",
                    (secretRead - MAIN_ENTERED) / 1e6, (connected - MAIN_ENTERED) / 1e6, (ready - MAIN_ENTERED) / 1e6));
            serialization.thenRun(() -> Log.log(WorkerMain.class, System.Logger.Level.INFO, () -> String.format(
                    "after main: Fory built +%.1f ms", (System.nanoTime() - MAIN_ENTERED) / 1e6)));
        }
        try {
            worker.serve();
        } catch (IOException e) {
            // A killed pool's end of the socket shows as a reset or a broken pipe as often as an end of stream:
            // clean up after it, here, before this thread's death halts the JVM. Else: a protocol error.
            if (ParentDeath.cleanUpIfPoolJvmDied()) {
                ParentDeath.haltWithDescendants(0);
            }
            throw e;
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(80);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("standard input ended before the pool's secret: start workers through a pool");
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII).strip();
    }


    private void start(ProcessHandle parent) throws IOException {
        MemoryBuffer init = channel.receive();
        byte first = init.readByte();
        if (first == Protocol.EXIT && state != null) {
            ParentDeath.endDescendants();
            System.exit(0); // idle after a retirement, and no pool took this worker: its exit hook ran already
        }
        if (first != Protocol.INIT) {
            throw new IOException("the pool did not send INIT first");
        }
        int workerSlot = init.readInt32();
        slot = workerSlot;
        int workers = init.readInt32();
        init.readInt64(); // the pool's task timeout, which each CHUNK carries too (or its call's own)
        int packageCount = init.readInt32();
        List<String> packages = new ArrayList<>(packageCount);
        for (int i = 0; i < packageCount; i++) {
            packages.add(Protocol.readString(init));
        }
        this.packages = java.util.Set.copyOf(packages);
        foryBuild.thenAccept(this::installFory);
        byte[] setupBytes = Protocol.readBytes(init);
        Path position;
        try {
            position = Path.of(Protocol.readString(init));
        } catch (java.nio.file.InvalidPathException e) {
            throw new IOException("the pool sent a bad INIT: " + e.getMessage(), e);
        }
        if (state != null) {
            // A warm worker taken by a new pool: mark tasks in that pool's file, clean up that pool's directory.
            mark = mapMark(position);
            ParentDeath.poolDirectory(position.toAbsolutePath().getParent());
        }
        long hookNanos;
        try {
            Object[] setup = setupBytes.length == 0 ? new Object[4]
                    : (Object[]) fory().read(MemoryBuffer.fromByteArray(setupBytes));
            state = new WorkerState(workerSlot, workers, setup[0]);
            WorkerHook onStart = (WorkerHook) setup[1];
            onExit = (WorkerHook) setup[2];
            exitResult = (dev.ensemble.WorkerExitFunction<?>) setup[3];
            CurrentWorker.set(state);
            long hookStart = System.nanoTime();
            if (onStart != null) {
                onStart.run(state);
            }
            hookNanos = System.nanoTime() - hookStart;
        } catch (Throwable t) {
            ParentReport.line("worker " + slot + " failed to start: " + t);
            MemoryBuffer failed = FrameChannel.begin(control, Protocol.START_FAILED);
            Protocol.writeBytes(failed, Serialization.encodeThrowable(t));
            channel.send(failed);
            ParentDeath.endDescendants();
            System.exit(1);
            return;
        }
        if (monitorThread == null) {
            Runtime.getRuntime().addShutdownHook(new Thread(this::reportShutdown, "ensemble-worker-shutdown"));
            monitorThread = Thread.ofPlatform().daemon().name("ensemble-worker-monitor").start(() -> monitor(parent));
        }
        synchronized (foryLock) {
            MemoryBuffer ready = FrameChannel.begin(control, Protocol.READY);
            ready.writeInt64(hookNanos);
            readySaidFory = fory != null;
            ready.writeBoolean(readySaidFory);
            channel.send(ready);
            readySent = true;
        }
        readyAtNanos = System.nanoTime();
    }

    private void serve() throws IOException {
        long lastEnd = System.nanoTime();
        while (true) {
            if (pending.isEmpty()) {
                MemoryBuffer frame;
                try {
                    frame = channel.receive();
                } catch (EOFException e) {
                    ParentDeath.poolGone();
                    return;
                }
                accept(frame);
            }
            // Read ahead whatever has arrived, so that a CANCEL queued behind chunks is seen before they run.
            for (MemoryBuffer more = channel.poll(); more != null; more = channel.poll()) {
                accept(more);
            }
            ChunkDecoder.Pending next = pending.poll();
            if (next == null) {
                continue;
            }
            if (next.seq() == RETIRE_SEQ) {
                outbox.flush();
                retire();
                start(ParentDeath.poolJvm());
                lastEnd = System.nanoTime();
                continue;
            }
            if (next.seq() < 0) {
                outbox.flush();
                exit();
                return;
            }
            long start = System.nanoTime();
            if (cancelled.contains(next.callId())) {
                outbox.add(next.seq(), ChunkResult.skipped(start - lastEnd), ResultOutbox.Encoding.JDK_FIRST);
            } else {
                runChunk(next, start - lastEnd);
            }
            lastEnd = System.nanoTime();
            // Hold a result back only while chunks are short and the next one is already here: then one write
            // carries many results, and nothing waits for long.
            if (lastEnd - start > FLUSH_AFTER_NANOS || lastEnd - outbox.heldSince() > FLUSH_AFTER_NANOS
                    || outbox.heldBytes() > FLUSH_AFTER_BYTES || pending.isEmpty() && !channel.frameBuffered()) {
                outbox.flush();
            } else if (outbox.startHolding()) {
                // The next chunk may turn out long: the monitor sends what is held if it is still here in 1 ms.
                LockSupport.unpark(monitorThread);
            }
            buildFory(); // after the first result, which it would have slowed down (a no-op once started)
        }
    }

    private void accept(MemoryBuffer frame) throws IOException {
        byte type = frame.readByte();
        switch (type) {
            case Protocol.CHUNK -> pending.add(decoder.decode(frame));
            case Protocol.CANCEL -> cancelled.add(frame.readInt64());
            case Protocol.EXIT -> pending.add(new ChunkDecoder.Pending(-1, 0, (byte) 0, 0, null, null, null));
            case Protocol.RETIRE -> pending.add(new ChunkDecoder.Pending(RETIRE_SEQ, 0, (byte) 0, 0, null, null, null));
            default -> throw new IOException("unexpected message type " + type + " from the pool");
        }
    }

    private void runChunk(ChunkDecoder.Pending chunk, long waitNanos) throws IOException {
        if (chunk.broken() != null) {
            // The chunk cannot be run: its first input fails with the reason, the rest is sent again.
            outbox.add(chunk.seq(), ChunkResult.firstInputFailed(chunk.broken(), waitNanos),
                    ResultOutbox.Encoding.JDK_FIRST);
            return;
        }
        Task<Object, Object> task = chunk.task();
        byte flags = chunk.flags();
        if ((flags & Protocol.FLAG_UNSENDABLE_INPUTS) != 0) {
            Task<Object, Object> real = task;
            task = input -> {
                if (input instanceof Serialization.Unsendable u) {
                    throw new IllegalArgumentException(u.message());
                }
                return real.apply(input);
            };
        }
        java.nio.MappedByteBuffer position = mark;
        if (position != null && (flags & Protocol.FLAG_TIME_EACH_TASK) != 0) {
            position.putLong(0, (long) chunk.seq() << 32);
            Task<Object, Object> inner = task;
            int[] next = {0};
            task = input -> {
                position.putInt(4, next[0]++);
                return inner.apply(input);
            };
        }
        Long callId = chunk.callId();
        ChunkRunner runner = new ChunkRunner(task, Arrays.asList(chunk.inputs()),
                (flags & Protocol.FLAG_KEEP_GOING) != 0, (flags & Protocol.FLAG_TIME_EACH_TASK) != 0);
        ResultOutbox.Encoding encoding = (flags & Protocol.FLAG_JDK) != 0 ? ResultOutbox.Encoding.JDK_FIRST
                : ResultOutbox.Encoding.AS_BUILT;
        Running current = new Running(chunk.seq(), runner, chunk.inputs().length, encoding, chunk.timeoutNanos());
        synchronized (runningLock) {
            running = current;
        }
        ChunkResult result = runner.run(waitNanos, () -> cancelled.contains(callId));
        int sentUpTo;
        boolean timedOut;
        synchronized (runningLock) {
            running = null;
            sentUpTo = current.sentUpTo;
            timedOut = timingOut == current;
        }
        while (timedOut) {
            // The monitor found the task overdue just before it ended, and is reporting the timeout and halting
            // this JVM: its result must not arrive first (the report would then blame the next chunk's task).
            LockSupport.park(this);
        }
        int fatal = runner.firstFatal(result.processed());
        if (fatal >= 0) {
            dieOf(chunk.seq(), runner, sentUpTo, fatal, result.errors()[fatal], encoding);
        }
        outbox.add(chunk.seq(), result, encoding);
    }

    /** A task hit OutOfMemoryError or another VM error: this JVM is not to be trusted with more work. */
    private void dieOf(int seq, ChunkRunner runner, int sentUpTo, int offset, Throwable error,
            ResultOutbox.Encoding encoding) {
        exiting = true;
        ParentReport.line("worker " + slot + ": " + error + " in a task; this worker exits and is replaced");
        try {
            ChunkResult done = runner.partial(offset);
            MemoryBuffer dying = FrameChannel.begin(MemoryBuffer.newHeapBuffer(1024), Protocol.DYING);
            outbox.writePart(dying, seq, sentUpTo, offset, done, encoding);
            Protocol.writeString(dying, error.toString());
            outbox.flush();
            channel.send(dying);
        } catch (Throwable ignored) {
            // the pool still learns of the death from the exit
        }
        ParentReport.flush();
        ParentDeath.haltWithDescendants(Protocol.EXIT_FATAL);
    }


    /**
     * Ends this worker's service of its pool without ending the JVM (warm reuse): runs the exit hook, answers
     * EXITED, and forgets everything of the pool (tasks, cancelled calls, worker state) before waiting for the
     * next INIT.
     */
    private void retire() throws IOException {
        runExitHook();
        decoder.forgetTasks();
        cancelled.clear();
        CurrentWorker.clear();
        onExit = null;
        exitResult = null;
        System.out.flush();
        ParentReport.flush();
    }

    private void exit() throws IOException {
        ParentDeath.leaving();
        exiting = true;
        runExitHook();
        System.out.flush();
        ParentReport.flush();
        ParentDeath.endDescendants();
        System.exit(0);
    }


    private void runExitHook() throws IOException {
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
                bytes = fory().toBytes(value);
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

    /** Shutdown hook: the JVM is exiting while a chunk runs (a task called System.exit, or a signal). */
    private void reportShutdown() {
        if (exiting) {
            return;
        }
        Running current;
        int from;
        synchronized (runningLock) {
            current = running;
            if (current == null) {
                return;
            }
            from = current.sentUpTo;
            current.sentUpTo = Integer.MAX_VALUE; // no more partials from the monitor
        }
        try {
            int position = Math.min(current.runner.position(), current.size);
            outbox.flush();
            ChunkResult done = current.runner.partial(position);
            MemoryBuffer dying = FrameChannel.begin(MemoryBuffer.newHeapBuffer(1024), Protocol.DYING);
            outbox.writePart(dying, current.seq, Math.min(from, position), position, done, current.encoding);
            Protocol.writeString(dying, "the worker JVM shut down while running this task (System.exit, or a signal)");
            channel.send(dying);
        } catch (Throwable ignored) {
            // the exit itself still tells the pool
        }
    }

    /** This JVM's freezes, which no task's timeout counts; the monitor's thread only. */
    private final FreezeClock freezes = new FreezeClock();

    private void monitor(ProcessHandle parent) {
        long lastParentCheck = System.nanoTime();
        while (true) {
            long timeout;
            synchronized (runningLock) {
                timeout = running == null ? 0 : running.timeoutNanos; // each chunk has its call's timeout
            }
            long tick = timeout > 0 ? Math.clamp(timeout / 8, 1_000_000L, 20_000_000L) : 20_000_000L;
            long slept = outbox.holding() ? HOLD_AT_MOST_NANOS : tick;
            LockSupport.parkNanos(slept);
            long now = System.nanoTime();
            freezes.tick(now, slept);
            if (outbox.holding()) {
                LockSupport.parkNanos(HOLD_AT_MOST_NANOS);
                try {
                    outbox.flush();
                } catch (IOException e) {
                    ParentDeath.poolGone();
                }
            }
            if (readyAtNanos != 0 && now - readyAtNanos > FORY_WHEN_IDLE_NANOS) {
                buildFory();
            }
            if (parent != null && now - lastParentCheck > 1_000_000_000L) {
                lastParentCheck = now;
                if (ParentDeath.poolJvmDied()) {
                    ParentDeath.poolGone();
                }
            }
            try {
                checkRunning(now);
            } catch (IOException e) {
                ParentDeath.poolGone();
            }
        }
    }

    private void checkRunning(long now) throws IOException {
        Running current;
        int from;
        int position;
        boolean overdue;
        synchronized (runningLock) {
            current = running;
            if (current == null || exiting) {
                return;
            }
            position = current.runner.position();
            if (position >= current.size || current.runner.firstFatal(position) >= 0) {
                // A task hit a VM error (the rest of an outcomes chunk still runs): the main thread reports the
                // chunk up to that task as this JVM dies; a partial would deliver the error as the task's outcome.
                return;
            }
            // Until its first task starts, a runner's task start is 0: count from when the chunk was taken up.
            long taskStart = freezes.countFrom(Math.max(current.runner.taskStartNanos(), current.sinceNanos));
            overdue = current.timeoutNanos > 0 && now - taskStart > current.timeoutNanos;
            boolean partialDue = now - current.lastPartialNanos > PARTIAL_EVERY_NANOS && position > current.sentUpTo;
            if (!overdue && !partialDue) {
                return;
            }
            from = current.sentUpTo;
            current.sentUpTo = position;
            current.lastPartialNanos = now;
            if (overdue) {
                exiting = true;
                timingOut = current;
            }
        }
        ChunkResult done = current.runner.partial(position);
        outbox.flush(); // results held back for earlier chunks must arrive first, or a crash would blame their chunk
        MemoryBuffer frame = FrameChannel.begin(MemoryBuffer.newHeapBuffer(1024),
                overdue ? Protocol.TIMED_OUT : Protocol.PARTIAL);
        outbox.writePart(frame, current.seq, from, position, done, current.encoding);
        channel.send(frame);
        if (overdue) {
            ParentDeath.haltWithDescendants(0);
        }
    }
}
