package dev.ensemble.internal.process;

import dev.ensemble.Task;
import dev.ensemble.WorkerHook;
import dev.ensemble.internal.wire.FrameChannel;
import dev.ensemble.internal.wire.Serialization;
import dev.ensemble.internal.worker.ChunkResult;
import dev.ensemble.internal.worker.ChunkRunner;
import dev.ensemble.internal.worker.CurrentWorker;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import org.apache.fory.memory.MemoryBuffer;

/**
 * The main class of a worker process. Started by {@link WorkerLauncher} with the pool's socket path and the
 * worker's slot as arguments and the pool's secret as the first line of standard input.
 *
 * <p><b>Threads.</b> The main thread reads frames and runs chunks one after the other, so a chunk sent while
 * another runs waits in the socket's buffer and is picked up without a wake-up. Results of chunks that finish
 * while the next chunk is already buffered are held back briefly and sent together (one write for many small
 * chunks). A monitor thread times out overdue tasks, sends the finished part of long chunks (so that a crash
 * blames the right input and loses little work), and checks that the pool's JVM is alive. A third thread blocks
 * on standard input, whose end means the pool's JVM is gone.
 *
 * <p><b>Exits.</b> EXIT from the pool: exit hook, EXITED, {@code System.exit(0)}. Pool gone (standard input or
 * socket closed, or parent process dead): halt at once. A task's {@code System.exit}: a shutdown hook reports
 * DYING with the finished part of the chunk first. {@code OutOfMemoryError} or another VM error in a task:
 * DYING, then halt with {@link Protocol#EXIT_FATAL}. Overdue task: TIMED_OUT, then halt.
 */
public final class WorkerMain {
    private static final long FLUSH_AFTER_NANOS = 200_000;
    private static final int FLUSH_AFTER_BYTES = 256 * 1024;
    private static final long PARTIAL_EVERY_NANOS = 20_000_000;
    private static final long HOLD_AT_MOST_NANOS = 1_000_000;

    private static long MAIN_ENTERED;

    private final int slot;
    private final FrameChannel channel;
    private final CompletableFuture<Serialization> foryBuild;
    /** Fory once built and admitting the pool's packages; until then, JDK serialization where it can. */
    private volatile Serialization fory;
    private java.util.Set<String> packages = java.util.Set.of();
    private final Object foryLock = new Object();
    private boolean readySent;
    private boolean readySaidFory;
    private final MemoryBuffer control = MemoryBuffer.newHeapBuffer(256);
    private final MemoryBuffer outbox = MemoryBuffer.newHeapBuffer(64 * 1024);
    private int outboxCount;
    private long outboxSince;
    private final Map<Long, Task<Object, Object>> tasks = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Task<Object, Object>> eldest) {
            return size() > Protocol.TASK_CACHE_SIZE;
        }
    };
    private final java.util.ArrayDeque<Pending> pending = new java.util.ArrayDeque<>();
    /** Calls the pool cancelled; bounded, since ids only grow and old ones never come back. */
    private final java.util.Set<Long> cancelled = java.util.Collections.newSetFromMap(new LinkedHashMap<>(64, 0.75f,
            false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
            return size() > 256;
        }
    });
    private long timeoutNanos;
    private WorkerState state;
    private WorkerHook onExit;
    private final Object runningLock = new Object();
    private Running running;
    private volatile boolean exiting;
    private volatile boolean holding;
    private Thread monitorThread;

    /** The chunk the main thread is running, as the monitor and the shutdown hook see it. */
    private static final class Running {
        final int seq;
        final ChunkRunner runner;
        final int size;
        int sentUpTo;
        long lastPartialNanos = System.nanoTime();

        Running(int seq, ChunkRunner runner, int size) {
            this.seq = seq;
            this.runner = runner;
            this.size = size;
        }
    }

    private WorkerMain(int slot, FrameChannel channel, CompletableFuture<Serialization> foryBuild) {
        this.slot = slot;
        this.channel = channel;
        this.foryBuild = foryBuild;
    }

    /** Fory, waiting for it to be built if need be. */
    private Serialization fory() {
        Serialization s = fory;
        return s != null ? s : installFory(foryBuild.join());
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
                        Runtime.getRuntime().halt(0); // the pool is gone
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
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: WorkerMain SOCKET SLOT (started by an Ensemble pool)");
        }
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            System.err.println("fatal error in worker thread " + thread.getName() + ": " + error);
            error.printStackTrace();
            Runtime.getRuntime().halt(Protocol.EXIT_FATAL);
        });
        ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        // Building Fory is the slowest part of starting; overlap it with connecting.
        boolean codegen = !"false".equals(System.getProperty("ensemble.worker.codegen"));
        CompletableFuture<Serialization> serialization = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("ensemble-worker-init").start(() -> {
            try {
                serialization.complete(Serialization.forWorker(codegen));
            } catch (Throwable t) {
                serialization.completeExceptionally(t);
            }
        });
        InputStream stdin = System.in;
        byte[] secret = HexFormat.of().parseHex(readLine(stdin));
        Thread.ofPlatform().daemon().name("ensemble-worker-stdin").start(() -> watchStdin(stdin));

        SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX);
        socket.connect(UnixDomainSocketAddress.of(Path.of(args[0])));
        FrameChannel channel = new FrameChannel(socket, FrameChannel.DEFAULT_MAX_FRAME_BYTES);
        MemoryBuffer hello = FrameChannel.begin(MemoryBuffer.newHeapBuffer(64), Protocol.HELLO);
        Protocol.writeBytes(hello, secret);
        hello.writeInt64(ProcessHandle.current().pid());
        channel.send(hello);

        long connected = System.nanoTime();
        WorkerMain worker = new WorkerMain(Integer.parseInt(args[1]), channel, serialization);
        worker.start(parent);
        if (Boolean.getBoolean("ensemble.debug.start")) {
            System.err.printf("after main: connected +%.1f ms, ready +%.1f ms%n", (connected - MAIN_ENTERED) / 1e6,
                    (System.nanoTime() - MAIN_ENTERED) / 1e6);
            serialization.thenRun(() -> System.err.printf("after main: Fory built +%.1f ms%n",
                    (System.nanoTime() - MAIN_ENTERED) / 1e6));
        }
        worker.serve();
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

    /** Standard input is the pool's pipe: it ends when the pool's JVM ends, however it ends. */
    private static void watchStdin(InputStream in) {
        try {
            while (in.read() >= 0) {
                // the pool writes nothing after the secret
            }
        } catch (IOException ignored) {
            // the same as its end
        }
        Runtime.getRuntime().halt(0);
    }

    private void start(ProcessHandle parent) throws IOException {
        MemoryBuffer init = channel.receive();
        if (init.readByte() != Protocol.INIT) {
            throw new IOException("the pool did not send INIT first");
        }
        int workerSlot = init.readInt32();
        int workers = init.readInt32();
        timeoutNanos = init.readInt64();
        int packageCount = init.readInt32();
        List<String> packages = new ArrayList<>(packageCount);
        for (int i = 0; i < packageCount; i++) {
            packages.add(Protocol.readString(init));
        }
        this.packages = java.util.Set.copyOf(packages);
        foryBuild.thenAccept(this::installFory);
        byte[] setupBytes = Protocol.readBytes(init);
        long hookNanos;
        try {
            Object[] setup = setupBytes.length == 0 ? new Object[3]
                    : (Object[]) fory().read(MemoryBuffer.fromByteArray(setupBytes));
            state = new WorkerState(workerSlot, workers, setup[0]);
            WorkerHook onStart = (WorkerHook) setup[1];
            onExit = (WorkerHook) setup[2];
            CurrentWorker.set(state);
            long hookStart = System.nanoTime();
            if (onStart != null) {
                onStart.run(state);
            }
            hookNanos = System.nanoTime() - hookStart;
        } catch (Throwable t) {
            System.err.println("worker " + slot + " failed to start: " + t);
            MemoryBuffer failed = FrameChannel.begin(control, Protocol.START_FAILED);
            Protocol.writeBytes(failed, Serialization.encodeThrowable(t));
            channel.send(failed);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::reportShutdown, "ensemble-worker-shutdown"));
        monitorThread = Thread.ofPlatform().daemon().name("ensemble-worker-monitor").start(() -> monitor(parent));
        synchronized (foryLock) {
            MemoryBuffer ready = FrameChannel.begin(control, Protocol.READY);
            ready.writeInt64(hookNanos);
            readySaidFory = fory != null;
            ready.writeBoolean(readySaidFory);
            channel.send(ready);
            readySent = true;
        }
    }

    /** A chunk read from the socket, decoded, waiting its turn. */
    private record Pending(int seq, long callId, byte flags, Task<Object, Object> task, Object[] inputs,
            Throwable broken) {
    }

    private void serve() throws IOException {
        long lastEnd = System.nanoTime();
        while (true) {
            if (pending.isEmpty()) {
                MemoryBuffer frame;
                try {
                    frame = channel.receive();
                } catch (EOFException e) {
                    Runtime.getRuntime().halt(0); // the pool is gone
                    return;
                }
                accept(frame);
            }
            // Read ahead whatever has arrived, so that a CANCEL queued behind chunks is seen before they run.
            for (MemoryBuffer more = channel.poll(); more != null; more = channel.poll()) {
                accept(more);
            }
            Pending next = pending.poll();
            if (next == null) {
                continue;
            }
            if (next.seq() < 0) {
                flush();
                exit();
                return;
            }
            long start = System.nanoTime();
            if (cancelled.contains(next.callId())) {
                addResult(next.seq(), new ChunkResult(new Object[next.inputs().length], null, 0, start - lastEnd, 0,
                        0, 0));
            } else {
                runChunk(next, start - lastEnd);
            }
            lastEnd = System.nanoTime();
            // Hold a result back only while chunks are short and the next one is already here: then one write
            // carries many results, and nothing waits for long.
            if (lastEnd - start > FLUSH_AFTER_NANOS || lastEnd - outboxSince > FLUSH_AFTER_NANOS
                    || outbox.writerIndex() > FLUSH_AFTER_BYTES || pending.isEmpty() && !channel.frameBuffered()) {
                flush();
            } else if (!holding) {
                // The next chunk may turn out long: the monitor sends what is held if it is still here in 1 ms.
                holding = true;
                LockSupport.unpark(monitorThread);
            }
        }
    }

    private void accept(MemoryBuffer frame) throws IOException {
        byte type = frame.readByte();
        switch (type) {
            case Protocol.CHUNK -> pending.add(decodeChunk(frame));
            case Protocol.CANCEL -> cancelled.add(frame.readInt64());
            case Protocol.EXIT -> pending.add(new Pending(-1, 0, (byte) 0, null, null, null));
            default -> throw new IOException("unexpected message type " + type + " from the pool");
        }
    }

    private Pending decodeChunk(MemoryBuffer frame) {
        int seq = frame.readInt32();
        long callId = frame.readInt64();
        byte flags = frame.readByte();
        Task<Object, Object> task = null;
        boolean jdk = (flags & Protocol.FLAG_JDK) != 0;
        try {
            if ((flags & Protocol.FLAG_HAS_TASK) != 0) {
                byte[] taskBytes = Protocol.readBytes(frame);
                try {
                    task = asTask(jdk ? Serialization.jdkRead(taskBytes, packages)
                            : fory().read(MemoryBuffer.fromByteArray(taskBytes)));
                } catch (RuntimeException | LinkageError e) {
                    RuntimeException error = new IllegalStateException("the task could not be rebuilt in worker "
                            + slot + ": " + e, e);
                    task = ignored -> {
                        throw error;
                    };
                }
                tasks.put(callId, task);
            } else {
                task = tasks.get(callId);
                if (task == null) {
                    throw new IllegalStateException("worker " + slot + " lost the task of call " + callId);
                }
            }
            Object[] inputs = (Object[]) (jdk ? Serialization.jdkRead(Protocol.readBytes(frame), packages)
                    : fory().read(frame));
            return new Pending(seq, callId, flags, task, inputs, null);
        } catch (RuntimeException | LinkageError e) {
            return new Pending(seq, callId, flags, task, new Object[1], new IllegalStateException(
                    "the inputs could not be rebuilt in worker " + slot + ": " + e, e));
        }
    }

    private void runChunk(Pending chunk, long waitNanos) {
        if (chunk.broken() != null) {
            // The chunk cannot be run: its first input fails with the reason, the rest is sent again.
            addResult(chunk.seq(), new ChunkResult(new Object[1], new Throwable[] {chunk.broken()}, 1, waitNanos, 0,
                    0, 0));
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
        Long callId = chunk.callId();
        ChunkRunner runner = new ChunkRunner(task, Arrays.asList(chunk.inputs()),
                (flags & Protocol.FLAG_KEEP_GOING) != 0, (flags & Protocol.FLAG_TIME_EACH_TASK) != 0);
        Running current = new Running(chunk.seq(), runner, chunk.inputs().length);
        synchronized (runningLock) {
            running = current;
        }
        ChunkResult result = runner.run(waitNanos, () -> cancelled.contains(callId));
        int sentUpTo;
        synchronized (runningLock) {
            running = null;
            sentUpTo = current.sentUpTo;
        }
        int fatal = firstFatal(result);
        if (fatal >= 0) {
            dieOf(chunk.seq(), runner, sentUpTo, fatal, result.errors()[fatal]);
        }
        addResult(chunk.seq(), result);
    }

    @SuppressWarnings("unchecked")
    private static Task<Object, Object> asTask(Object value) {
        return (Task<Object, Object>) value;
    }

    private static int firstFatal(ChunkResult result) {
        if (result.errors() == null) {
            return -1;
        }
        for (int i = 0; i < result.processed(); i++) {
            if (result.errors()[i] instanceof VirtualMachineError) {
                return i;
            }
        }
        return -1;
    }

    /** A task hit OutOfMemoryError or another VM error: this JVM is not to be trusted with more work. */
    private void dieOf(int seq, ChunkRunner runner, int sentUpTo, int offset, Throwable error) {
        exiting = true;
        System.err.println("worker " + slot + ": " + error + " in a task; this worker exits and is replaced");
        try {
            ChunkResult done = runner.partial(offset);
            MemoryBuffer dying = FrameChannel.begin(MemoryBuffer.newHeapBuffer(1024), Protocol.DYING);
            writePart(dying, seq, sentUpTo, offset, done.values(), done.errors());
            Protocol.writeString(dying, error.toString());
            flush();
            channel.send(dying);
        } catch (Throwable ignored) {
            // the pool still learns of the death from the exit
        }
        System.err.flush();
        Runtime.getRuntime().halt(Protocol.EXIT_FATAL);
    }

    private void addResult(int seq, ChunkResult result) {
        synchronized (outbox) {
            addResultLocked(seq, result);
        }
    }

    private void addResultLocked(int seq, ChunkResult result) {
        if (outboxCount == 0) {
            FrameChannel.begin(outbox, Protocol.RESULTS);
            outbox.writeInt32(0);
            outboxSince = System.nanoTime();
        }
        outbox.writeInt32(seq);
        outbox.writeInt32(result.processed());
        outbox.writeInt64(result.waitNanos());
        outbox.writeInt64(result.workNanos());
        outbox.writeInt64(result.slowestNanos());
        outbox.writeInt32(result.slowestOffset());
        Throwable[] errors = writeValues(outbox, result.values(), result.errors(), 0, result.processed());
        Protocol.writeErrors(outbox, errors, 0, result.processed());
        outboxCount++;
    }

    /**
     * Writes values [from, to), with Fory if it is built, else with JDK serialization if they allow it; a value
     * that cannot be serialized becomes an error at its offset.
     *
     * @return the errors, with any such error added
     */
    private Throwable[] writeValues(MemoryBuffer buffer, Object[] values, Throwable[] errors, int from, int to) {
        Object[] slice = from == 0 && to == values.length ? values : Arrays.copyOfRange(values, from, to);
        if (fory == null) {
            try {
                byte[] bytes = Serialization.jdkBytes(slice);
                buffer.writeByte(Protocol.CODEC_JDK);
                Protocol.writeBytes(buffer, bytes);
                return errors;
            } catch (IOException | RuntimeException e) {
                // not all serializable: wait for Fory
            }
        }
        Serialization serialization = fory();
        buffer.writeByte(Protocol.CODEC_FORY);
        int mark = buffer.writerIndex();
        try {
            serialization.write(buffer, slice);
            return errors;
        } catch (RuntimeException | StackOverflowError e) {
            buffer.writerIndex(mark);
        }
        Throwable[] fixed = errors == null ? new Throwable[values.length] : errors.clone();
        for (int i = 0; i < slice.length; i++) {
            try {
                serialization.toBytes(slice[i]);
            } catch (RuntimeException | StackOverflowError e) {
                fixed[from + i] = new IllegalStateException("the task's result could not be sent back from worker "
                        + slot + ": " + serialization.culprit(slice[i], e));
                slice[i] = null;
            }
        }
        serialization.write(buffer, slice);
        return fixed;
    }

    private void writePart(MemoryBuffer buffer, int seq, int from, int to, Object[] values, Throwable[] errors) {
        buffer.writeInt32(seq);
        buffer.writeInt32(from);
        buffer.writeInt32(to);
        Object[] padded = values.length >= to ? values : Arrays.copyOf(values, to);
        Throwable[] fixed = writeValues(buffer, padded, errors, from, to);
        Protocol.writeErrors(buffer, fixed, from, to);
    }

    /** Sends the results held back. Called by the main thread, and by the monitor before a PARTIAL. */
    private void flush() throws IOException {
        synchronized (outbox) {
            if (outboxCount == 0) {
                return;
            }
            outbox.putInt32(5, outboxCount);
            outboxCount = 0;
            holding = false;
            channel.send(outbox);
        }
    }

    private void exit() throws IOException {
        exiting = true;
        long hookStart = System.nanoTime();
        if (onExit != null) {
            try {
                onExit.run(state);
            } catch (Throwable t) {
                System.err.println("worker " + slot + ": onWorkerExit threw " + t);
            }
        }
        MemoryBuffer exited = FrameChannel.begin(control, Protocol.EXITED);
        exited.writeInt64(System.nanoTime() - hookStart);
        channel.send(exited);
        System.out.flush();
        System.err.flush();
        System.exit(0);
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
            flush();
            ChunkResult done = current.runner.partial(position);
            MemoryBuffer dying = FrameChannel.begin(MemoryBuffer.newHeapBuffer(1024), Protocol.DYING);
            writePart(dying, current.seq, Math.min(from, position), position, done.values(), done.errors());
            Protocol.writeString(dying, "the worker JVM shut down while running this task (System.exit, or a signal)");
            channel.send(dying);
        } catch (Throwable ignored) {
            // the exit itself still tells the pool
        }
    }

    private void monitor(ProcessHandle parent) {
        long tick = timeoutNanos > 0 ? Math.clamp(timeoutNanos / 8, 1_000_000L, 20_000_000L) : 20_000_000L;
        long lastParentCheck = System.nanoTime();
        while (true) {
            LockSupport.parkNanos(holding ? HOLD_AT_MOST_NANOS : tick);
            long now = System.nanoTime();
            if (holding) {
                LockSupport.parkNanos(HOLD_AT_MOST_NANOS);
                try {
                    flush();
                } catch (IOException e) {
                    Runtime.getRuntime().halt(0);
                }
            }
            if (parent != null && now - lastParentCheck > 1_000_000_000L) {
                lastParentCheck = now;
                if (!parent.isAlive()) {
                    Runtime.getRuntime().halt(0);
                }
            }
            try {
                checkRunning(now);
            } catch (IOException e) {
                Runtime.getRuntime().halt(0); // the pool is gone
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
            if (position >= current.size) {
                return;
            }
            overdue = timeoutNanos > 0 && now - current.runner.taskStartNanos() > timeoutNanos;
            boolean partialDue = now - current.lastPartialNanos > PARTIAL_EVERY_NANOS && position > current.sentUpTo;
            if (!overdue && !partialDue) {
                return;
            }
            from = current.sentUpTo;
            current.sentUpTo = position;
            current.lastPartialNanos = now;
            if (overdue) {
                exiting = true;
            }
        }
        ChunkResult done = current.runner.partial(position);
        flush(); // results held back for earlier chunks must arrive first, or a crash would blame their chunk
        MemoryBuffer frame = FrameChannel.begin(MemoryBuffer.newHeapBuffer(1024),
                overdue ? Protocol.TIMED_OUT : Protocol.PARTIAL);
        writePart(frame, current.seq, from, position, done.values(), done.errors());
        channel.send(frame);
        if (overdue) {
            Runtime.getRuntime().halt(0);
        }
    }
}
