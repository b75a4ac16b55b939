package dev.ensemble.internal.process;

import dev.ensemble.internal.backend.Lifespan;
import dev.ensemble.internal.backend.Pipelining;
import dev.ensemble.internal.platform.Log;
import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.wire.FrameChannel;
import dev.ensemble.internal.worker.ChunkResult;
import dev.ensemble.internal.worker.FreezeClock;
import dev.ensemble.internal.worker.TaskCache;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * <p><b>States.</b> A link is built by {@link WorkerSpawn#launch} or {@link WorkerSpawn#adopt}, which return it only once the worker
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
 * <p>Facts that are not states stay fields: the recycling budget ({@link #lifespan}), {@code frozen} (the watchdog
 * killed it: a cause of death), {@code foryReady} (how chunks are encoded) and {@code settled} (the backend's own
 * bookkeeping).
 *
 * <p><b>Locking.</b> The link's monitor guards the in-flight table and every change of {@link #state}: a chunk
 * is either registered before the link ends (and then the end reports it) or refused (and the sender gives it
 * back). The state is volatile too, for the reader thread's checks. The channel's write lock keeps the task cache
 * mirror in the order of the frames.
 */
final class WorkerLink {
    /** The most chunks a worker JVM holds at once: enough to hide a round trip of tens of µs. */
    private static final int MAX_DEPTH = 4;

    final int slot;
    final int generation;
    final LinkHost host;
    final Process process;
    /**
     * Completed by the JDK's process reaper when the worker's process has exited: a chunk is not sent to a worker
     * known dead (it would be blamed for a death it had no part in), but given back to run elsewhere.
     */
    private final java.util.concurrent.CompletableFuture<Process> processGone;
    final OutputForwarder stdout;
    final OutputForwarder stderr;
    final OutputStream stdin;
    // Set by WorkerSpawn while the worker starts, before the link is shared.
    FrameChannel channel;
    long pid;
    Path positionPath;

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

    final LinkedHashMap<Integer, InFlight> inFlight = new LinkedHashMap<>();
    /** Changed under the link's monitor; volatile for the reader's checks outside it. */
    volatile State state = State.OPEN;
    private int nextSeq;
    /** Tasks sent, against maxTasksPerWorker; guarded by this (WorkerSpawn.adopt adds a warm worker's count). */
    final Lifespan lifespan;
    /** Guarded by this. */
    final Pipelining.Pace pace = new Pipelining.Pace();
    long answers;
    private long wakeups;
    volatile boolean settled;         // reported to the scheduler and to the backend (guarded by the slot)
    volatile boolean foryReady;       // the worker reads Fory; until then chunks go JDK-serialized where they can
    volatile long exitHookNanos;
    String dyingReason;
    volatile long lastHeard = System.nanoTime(); // the last frame from the worker, or the first chunk sent to an idle one
    volatile boolean frozen;  // killed by the pool's watchdog: silent for too long with work in flight

    private final MemoryBuffer sendBuffer = MemoryBuffer.newHeapBuffer(64 * 1024);
    /** The calls whose task the worker has: it keeps as many as this, in the same order (Protocol). */
    private final TaskCache<Boolean> taskMirror = new TaskCache<>(Protocol.TASK_CACHE_SIZE);


    WorkerLink(LinkHost host, int slot, int generation, Process process) {
        this(host, slot, generation, process,
                OutputForwarder.ofProcess(process, prefix(slot), host.poolName() + "-worker-" + slot),
                process.getOutputStream());
    }

    private WorkerLink(LinkHost host, int slot, int generation, Process process, OutputForwarder[] output,
            OutputStream stdin) {
        this(host, slot, generation, process, output[0], output[1], stdin);
    }

    WorkerLink(LinkHost host, int slot, int generation, Process process, OutputForwarder stdout,
            OutputForwarder stderr, OutputStream stdin) {
        this.host = host;
        this.slot = slot;
        this.generation = generation;
        this.process = process;
        this.lifespan = new Lifespan(host.maxTasksPerWorker());
        this.processGone = process.onExit();
        this.stdout = stdout;
        this.stderr = stderr;
        this.stdin = stdin;
    }

    static String prefix(int slot) {
        return "[worker " + slot + "] ";
    }


    long pid() {
        return pid;
    }

    /** Starts the thread that reads the worker's answers until it ends. */
    void startReader() {
        Thread.ofPlatform().daemon().name(host.poolName() + "-worker-" + slot + "-reader").start(new LinkReader(this)::read);
    }

    // ---- sending ----

    /** @return how many more tasks this worker may be sent before it is recycled */
    synchronized int tasksLeft() {
        return lifespan.room();
    }

    synchronized boolean idle() {
        return inFlight.isEmpty();
    }

    synchronized boolean ended() {
        return state.ended();
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

    /** Chunks to keep in flight ({@link Pipelining.Pace#depth}). */
    private int depth() {
        int largest = 0;
        for (InFlight f : inFlight.values()) {
            largest = Math.max(largest, f.chunk.size());
        }
        return pace.depth(largest, host.idleSenders().count(), MAX_DEPTH);
    }

    /**
     * Sends a chunk, or refuses it if the link has ended, or if its {@link Lifespan} does not take it: the chunk
     * then goes to the worker's replacement or another worker.
     *
     * @return whether it was sent (else the caller gives it back to the scheduler)
     */
    boolean send(Chunk chunk) {
        InFlight entry;
        synchronized (this) {
            if (state != State.OPEN || processGone.isDone() || !lifespan.give(chunk)) {
                return false;
            }
            if (inFlight.isEmpty()) {
                lastHeard = System.nanoTime(); // silence counts from when it had something to do
            }
            entry = new InFlight(nextSeq++, chunk);
            inFlight.put(entry.seq, entry);
        }
        if (chunk.taskTimeout() != null) {
            host.coverTimeout(chunk.taskTimeout()); // a worker that freezes under it is killed
        }
        channel.writeLock().lock();
        try {
            host.codec().encodeChunk(sendBuffer, entry.seq, chunk, taskMirror,
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
            RuntimeException why = e instanceof RuntimeException r ? r
                    : new IllegalStateException("the task or its inputs could not be encoded for a worker process: "
                            + e, e);
            // Its first input fails with the reason; the rest runs again.
            host.source().completed(slot, chunk, ChunkResult.firstInputFailed(why, 0));
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
     * seen before; at most {@link Pipelining#CANCEL_CHECK_NANOS}, so that calls cancelled elsewhere are noticed.
     */
    synchronized void awaitAnswer(long seen) throws InterruptedException {
        long wakeupsBefore = wakeups;
        long deadline = System.nanoTime() + Pipelining.CANCEL_CHECK_NANOS;
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
     * plus two seconds ({@link FrozenWatchdog#frozenLimit}). A live worker is
     * never silent that long under a task timeout: it sends the results of a long chunk as they come (every
     * 20 ms), and kills itself when a task overruns. One that is silent is stopped (SIGSTOP) or stuck as a whole
     * (its own timeout watchdog cannot run), and its chunk would otherwise wait forever. Silence counts from the
     * later of the last answer and the end of a freeze of this JVM: a pool's JVM that was itself stopped heard
     * nothing meanwhile, and kills no worker for it.
     *
     * @param now {@link System#nanoTime()} at the watchdog's look
     * @param freezes this JVM's freezes
     * @return whether it was killed
     */
    boolean killIfFrozen(long now, FreezeClock freezes) {
        long silentSince;
        synchronized (this) {
            if (state.ended() || inFlight.isEmpty()) {
                return false;
            }
            java.time.Duration timeout = inFlight.values().iterator().next().chunk.taskTimeout();
            silentSince = freezes.countFrom(lastHeard);
            if (timeout == null || now - silentSince <= FrozenWatchdog.frozenLimit(timeout.toNanos())) {
                return false;
            }
            frozen = true;
        }
        long silentMillis = TimeUnit.NANOSECONDS.toMillis(now - silentSince);
        Log.log(WorkerLink.class, System.Logger.Level.WARNING, () -> "pool " + host.poolName() + ": worker "
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
    void killTree() {
        ProcessHandle worker = process.toHandle();
        try {
            worker.descendants().toList().forEach(ProcessHandle::destroyForcibly);
        } catch (RuntimeException ignored) {
            // best effort: the worker (and so its list of children) may be gone already
        }
        worker.destroyForcibly();
    }

    void destroy() {
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
    void workerHasFory() {
        foryReady = true;
        ChunkCodec.foryReadyHere();
    }

    static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing only
        }
    }

    static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // the pool's directory is removed at close anyway
        }
    }
}
