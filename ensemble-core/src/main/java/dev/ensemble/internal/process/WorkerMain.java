package dev.ensemble.internal.process;

import dev.ensemble.Task;
import dev.ensemble.internal.platform.Log;
import dev.ensemble.internal.wire.FrameChannel;
import dev.ensemble.internal.wire.Serialization;
import dev.ensemble.internal.worker.ChunkResult;
import dev.ensemble.internal.worker.ChunkRunner;
import dev.ensemble.internal.worker.Lru;
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
 * gone. Fory is built on a fourth thread once the worker has read a few dozen small chunks, or at once if a frame
 * needs it (see {@link WorkerFory}); until it is ready, chunks and results travel JDK-serialized where they can.
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
 *
 * <p><b>Parts.</b> This class reads frames and runs chunks; {@link ChunkDecoder} decodes them and keeps each call's
 * task, {@link ResultOutbox} writes the results, {@link WorkerMonitor} is the monitor thread and the shutdown hook,
 * {@link WorkerFory} builds and announces Fory, {@link WorkerHooks} holds the pool's setup and runs its hooks,
 * {@link PositionMark} is the position file.
 */
public final class WorkerMain {
    private static final long FLUSH_AFTER_NANOS = 200_000;
    private static final int FLUSH_AFTER_BYTES = 256 * 1024;
    private static final int RETIRE_SEQ = -2;

    private static long MAIN_ENTERED;

    private int slot;
    private final FrameChannel channel;
    private final WorkerFory fory;
    private final MemoryBuffer control = MemoryBuffer.newHeapBuffer(256);
    /** The results held back to go in one write, and how every result and part is written. */
    private final ResultOutbox outbox;
    /** Turns CHUNK frames into tasks and inputs, with the tasks this worker keeps per call. */
    private final ChunkDecoder decoder;
    private final java.util.ArrayDeque<ChunkDecoder.Pending> pending = new java.util.ArrayDeque<>();
    /** Calls the pool cancelled; bounded, since ids only grow and old ones never come back. */
    private final java.util.Set<Long> cancelled = java.util.Collections.newSetFromMap(new Lru<>(256));
    private final WorkerHooks hooks = new WorkerHooks();
    private final WorkerMonitor monitor;
    /** Where the running task is marked for the pool; replaced when a new pool takes this warm worker. */
    private PositionMark mark;

    private WorkerMain(int slot, FrameChannel channel, WorkerFory fory) {
        this.slot = slot;
        this.channel = channel;
        this.fory = fory;
        fory.announceOn(channel);
        this.outbox = new ResultOutbox(channel, new ResultOutbox.Writers() {
            @Override
            public Serialization built() {
                return fory.built();
            }

            @Override
            public Serialization fory() {
                return fory.get();
            }

            @Override
            public int slot() {
                return slot;
            }
        });
        this.decoder = new ChunkDecoder(slot, new ChunkDecoder.Readers() {
            @Override
            public Serialization fory() {
                return fory.get();
            }

            @Override
            public java.util.Set<String> packages() {
                return fory.packages();
            }
        });
        this.monitor = new WorkerMonitor(channel, outbox);
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
        PositionMark mark = PositionMark.mapAside(Path.of(args[2]));
        ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        ParentDeath.watch(parent, Path.of(args[0]).toAbsolutePath().getParent());
        WorkerFory fory = new WorkerFory();
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
        WorkerMain worker = new WorkerMain(Integer.parseInt(args[1]), channel, fory);
        worker.mark = mark;
        worker.start(parent);
        if (Boolean.getBoolean("ensemble.debug.start")) {
            long ready = System.nanoTime();
            Log.log(WorkerMain.class, System.Logger.Level.INFO, () -> String.format(
                    "after main: secret +%.1f ms, connected +%.1f ms, ready +%.1f ms",
                    (secretRead - MAIN_ENTERED) / 1e6, (connected - MAIN_ENTERED) / 1e6, (ready - MAIN_ENTERED) / 1e6));
            fory.whenBuilt(() -> Log.log(WorkerMain.class, System.Logger.Level.INFO, () -> String.format(
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
        if (first == Protocol.EXIT && hooks.servedBefore()) {
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
        fory.admit(java.util.Set.copyOf(packages));
        byte[] setupBytes = Protocol.readBytes(init);
        Path position;
        try {
            position = Path.of(Protocol.readString(init));
        } catch (java.nio.file.InvalidPathException e) {
            throw new IOException("the pool sent a bad INIT: " + e.getMessage(), e);
        }
        if (hooks.servedBefore()) {
            // A warm worker taken by a new pool: mark tasks in that pool's file, clean up that pool's directory.
            mark = PositionMark.map(position);
            ParentDeath.poolDirectory(position.toAbsolutePath().getParent());
        }
        long hookNanos;
        try {
            Object[] setup = setupBytes.length == 0 ? new Object[4]
                    : (Object[]) fory.get().read(MemoryBuffer.fromByteArray(setupBytes));
            hookNanos = hooks.start(workerSlot, workers, setup);
        } catch (Throwable t) {
            ParentReport.line("worker " + slot + " failed to start: " + t);
            MemoryBuffer failed = FrameChannel.begin(control, Protocol.START_FAILED);
            Protocol.writeBytes(failed, Serialization.encodeThrowable(t));
            channel.send(failed);
            ParentDeath.endDescendants();
            System.exit(1);
            return;
        }
        monitor.startOnce(parent);
        MemoryBuffer ready = FrameChannel.begin(control, Protocol.READY);
        ready.writeInt64(hookNanos);
        fory.sendReady(ready);
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
                monitor.wake();
            }
        }
    }

    private void accept(MemoryBuffer frame) throws IOException {
        byte type = frame.readByte();
        switch (type) {
            case Protocol.CHUNK -> {
                int bytes = frame.size();
                ChunkDecoder.Pending chunk = decoder.decode(frame);
                if ((chunk.flags() & Protocol.FLAG_JDK) != 0) {
                    fory.noteJdkChunk(bytes);
                }
                pending.add(chunk);
            }
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
        if ((flags & Protocol.FLAG_TIME_EACH_TASK) != 0) {
            task = mark.marking(chunk.seq(), task);
        }
        Long callId = chunk.callId();
        ChunkRunner runner = new ChunkRunner(task, Arrays.asList(chunk.inputs()),
                (flags & Protocol.FLAG_KEEP_GOING) != 0, (flags & Protocol.FLAG_TIME_EACH_TASK) != 0);
        ResultOutbox.Encoding encoding = (flags & Protocol.FLAG_JDK) != 0 ? ResultOutbox.Encoding.JDK_FIRST
                : ResultOutbox.Encoding.AS_BUILT;
        WorkerMonitor.Running current = new WorkerMonitor.Running(chunk.seq(), runner, chunk.inputs().length,
                encoding, chunk.timeoutNanos());
        monitor.begin(current);
        ChunkResult result = runner.run(waitNanos, () -> cancelled.contains(callId));
        int sentUpTo = monitor.finish(current);
        int fatal = runner.firstFatal(result.processed());
        if (fatal >= 0) {
            dieOf(chunk.seq(), runner, sentUpTo, fatal, result.errors()[fatal], encoding);
        }
        outbox.add(chunk.seq(), result, encoding);
    }

    /** A task hit OutOfMemoryError or another VM error: this JVM is not to be trusted with more work. */
    private void dieOf(int seq, ChunkRunner runner, int sentUpTo, int offset, Throwable error,
            ResultOutbox.Encoding encoding) {
        monitor.markExiting();
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
        hooks.runExit(slot, fory, channel);
        decoder.forgetTasks();
        cancelled.clear();
        hooks.forget();
        System.out.flush();
        ParentReport.flush();
    }

    private void exit() throws IOException {
        ParentDeath.leaving();
        monitor.markExiting();
        hooks.runExit(slot, fory, channel);
        System.out.flush();
        ParentReport.flush();
        ParentDeath.endDescendants();
        System.exit(0);
    }
}
