package dev.ensemble.internal.process;

import dev.ensemble.internal.platform.Log;
import dev.ensemble.internal.wire.Serialization;
import dev.ensemble.internal.schedule.Loss;
import dev.ensemble.internal.schedule.Failures;
import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.backend.ExitResults;
import dev.ensemble.internal.process.WorkerLink.State;
import dev.ensemble.internal.worker.ChunkResult;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.fory.memory.MemoryBuffer;

/**
 * The reading end of a {@link WorkerLink}, on the link's reader thread: it takes in the worker's answers (results,
 * partial results, timeouts, its exit) and, when the worker is gone, ends the link: it reports what the worker
 * held (the chunk it was running lost, blaming the task it had marked; the ones behind returned) and lets the
 * backend replace it. It never writes to the worker, so the worker's answers always drain. It changes the link's
 * state and in-flight table under the link's monitor, as the sending side does.
 */
final class LinkReader {
    /** How long a worker that died or was lost may take to be seen exited before it is killed for sure. */
    private static final long DEATH_GRACE_MILLIS = 2_000;

    private final WorkerLink link;

    LinkReader(WorkerLink link) {
        this.link = link;
    }

    /** Reads the worker's answers until it is gone, then ends the link. */
    void read() {
        try {
            while (true) {
                MemoryBuffer frame = link.channel.receive();
                link.lastHeard = System.nanoTime();
                byte type = frame.readByte();
                switch (type) {
                    case Protocol.RESULTS -> onResults(frame);
                    case Protocol.PARTIAL -> onPart(readPart(frame), false);
                    case Protocol.TIMED_OUT -> onPart(readPart(frame), true);
                    case Protocol.DYING -> {
                        onPart(readPart(frame), false);
                        link.dyingReason = Protocol.readString(frame);
                    }
                    case Protocol.FORY_READY -> link.workerHasFory();
                    case Protocol.EXITED -> {
                        link.exitHookNanos = frame.readInt64();
                        byte exitKind = frame.readByte();
                        byte[] exitBytes = Protocol.readBytes(frame);
                        collectExitResult(exitKind, exitBytes);
                        boolean retired;
                        synchronized (link) {
                            retired = link.state == State.RETIRE_SENT;
                            link.state = State.EXITED;
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
                    default -> throw new IOException("unexpected message type " + type + " from worker " + link.slot);
                }
            }
        } catch (IOException e) {
            // The worker is gone (EOF, or a reset when it was killed): end() reports how it ended.
        } catch (RuntimeException e) {
            // A frame this side could not decode: the worker cannot be trusted to be in step any more.
            Log.log(LinkReader.class, System.Logger.Level.ERROR, "pool " + link.host.poolName()
                    + ": dropping worker " + link.slot + " after a message this side could not decode", e);
            link.kill();
        } catch (Error e) {
            link.kill();
            throw e;
        } finally {
            if (link.state != State.HANDED_OVER) {
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
        synchronized (link) {
            if (!link.inFlight.isEmpty() || !link.process.isAlive()) {
                return false; // not idle after all: let it end the usual way
            }
            link.state = State.HANDED_OVER;
            link.notifyAll();
        }
        WorkerLink.deleteQuietly(link.positionPath);
        String name = "ensemble-idle-worker-" + link.pid;
        link.stdout.rename("[idle worker " + link.pid + "] ", name + "-out");
        link.stderr.rename("[idle worker " + link.pid + "] ", name + "-err");
        link.host.source().workerExited(link.slot, link.exitHookNanos);
        long done;
        synchronized (link) {
            done = link.lifespan.given();
        }
        WarmWorkers.offer(new WarmWorkers.Idle(link.host.launcher().warmKey(), link.process, link.channel,
                link.stdin, link.stdout, link.stderr,
                link.pid, link.foryReady, done), link.host.keepWarm());
        link.host.linkEnded(link, true);
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
            Object[] values = link.host.codec().readValues(frame);
            long valueBytes = frame.readerIndex() - valuesStart;
            InFlight entry;
            synchronized (link) {
                entry = link.inFlight.get(seq);
                link.pace.observe(processed, workNanos);
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
            synchronized (link) {
                link.inFlight.remove(seq);
            }
            Object[] full = values.length == size ? values : Arrays.copyOf(values, size);
            link.host.source().completed(link.slot, entry.chunk,
                    new ChunkResult(full, errors, processed, waitNanos, workNanos, slowestNanos, slowestOffset,
                            valueBytes));
            if (entry.chunk.isCancelled()) {
                cancelled = true;
            }
        }
        if (cancelled) {
            link.host.wakeSenders(); // a failure ended a call: other workers may hold its chunks
        }
        synchronized (link) {
            link.answers++;
            // The sender tops the pipeline up; this thread never writes, so it never blocks on a full socket.
            link.notifyAll();
        }
    }

    /** Reads a part, checked against its chunk; a part of a chunk not in flight is read past (seq kept). */
    private Protocol.Part readPart(MemoryBuffer frame) {
        int seq = frame.readInt32();
        int from = frame.readInt32();
        int to = frame.readInt32();
        Object[] values = link.host.codec().readValues(frame);
        int size;
        synchronized (link) {
            InFlight entry = link.inFlight.get(seq);
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

    private void onPart(Protocol.Part part, boolean timedOut) {
        synchronized (link) {
            InFlight entry = link.inFlight.get(part.seq());
            if (entry == null || part.to() > entry.chunk.size()) {
                return;
            }
            entry.absorb(part);
            if (timedOut) {
                entry.timedOutAt = part.to();
            }
        }
    }

    /** The worker is gone (or going): report what it held, then let its slot replace it. */
    private void end() {
        List<InFlight> held;
        boolean exited;
        synchronized (link) {
            exited = link.state == State.EXITED;
            link.state = State.ENDED;
            held = new ArrayList<>(link.inFlight.values());
            link.inFlight.clear();
            link.notifyAll();
        }
        boolean clean = exited && held.isEmpty();
        if (!clean) {
            closeConnection();
        }
        // After a clean exit the connection stays open until the JVM has ended: closing it would make the worker
        // halt at once (it takes that for its pool's death), cutting the application's own shutdown hooks short.
        try {
            long graceMillis = clean ? link.host.exitGracePeriod().toMillis() : DEATH_GRACE_MILLIS;
            if (!link.process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                if (clean) {
                    Log.log(LinkReader.class, System.Logger.Level.WARNING, () -> "pool " + link.host.poolName()
                            + ": worker " + link.slot + " (pid " + link.pid + ") ran its exit hook but its JVM did "
                            + "not end within " + graceMillis + " ms (a shutdown hook or a non-daemon thread still "
                            + "running); killing it");
                }
                link.killTree();
                link.process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            link.killTree();
        }
        closeConnection();
        link.stderr.awaitEnd(1_000);
        link.stdout.awaitEnd(200);
        if (clean) {
            link.host.source().workerExited(link.slot, link.exitHookNanos);
        } else {
            reportDeath(held);
        }
        WorkerLink.deleteQuietly(link.positionPath);
        link.host.linkEnded(link, clean);
    }

    private void closeStdin() {
        try {
            link.stdin.close();
        } catch (IOException ignored) {
            // gone already
        }
    }

    private void closeConnection() {
        link.channel.close();
        try {
            link.stdin.close();
        } catch (IOException ignored) {
            // gone already
        }
    }

    private void reportDeath(List<InFlight> held) {
        String status = link.process.isAlive() ? "unresponsive, killed" : ExitStatus.describe(link.process.exitValue());
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
            int timedOutAt = link.frozen && running.timedOutAt < 0 ? runningOffset : running.timedOutAt;
            reportLost(running.chunk, running.partial(), runningOffset, timedOutAt, status);
        }
        while (it.hasNext()) {
            link.host.source().returned(link.slot, it.next().chunk);
        }
    }

    /**
     * Reports the chunk a dead or timed-out worker was running: {@code partial} holds the results it had sent, the
     * task at {@code runningOffset} is the one blamed (a timeout's loss is final; a death's may run again).
     */
    private void reportLost(Chunk chunk, ChunkResult partial, int runningOffset, int timedOutAt, String status) {
        String pool = link.host.poolName();
        int offset = Math.min(runningOffset, chunk.size() - 1);
        if (timedOutAt >= 0) {
            link.host.source().lost(link.slot, chunk, partial, offset, Failures.timedOut(pool, link.slot, chunk,
                    offset, chunk.taskTimeout(), "its worker process was killed and replaced"), Loss.FINAL);
            return;
        }
        String reason = link.dyingReason;
        link.host.source().lost(link.slot, chunk, partial, offset, Failures.died(pool, link.slot, chunk, offset,
                "its worker process died (" + status + (reason != null ? "; " + reason : "")
                        + "); the worker was replaced", status, link.stderr.lastLines()), Loss.RETRYABLE);
    }

    /** Records what a worker's EXITED said of the pool's exit function. */
    private void collectExitResult(byte kind, byte[] bytes) {
        ExitResults results = link.host.exitResults();
        try {
            switch (kind) {
                case Protocol.EXIT_VALUE -> results.add(link.slot,
                        ChunkCodec.serialization().read(MemoryBuffer.fromByteArray(bytes)));
                case Protocol.EXIT_FAILED -> results.fail(link.slot, Serialization.decodeThrowable(bytes));
                default -> {
                    // no exit function
                }
            }
        } catch (RuntimeException e) {
            results.fail(link.slot, new IllegalStateException("worker " + link.slot + "'s exit value could not be "
                    + "read here: " + e.getMessage(), e));
        }
    }

    /** The offset of the task the dead worker was running in chunk {@code seq}, from its mark; -1 if unknown. */
    private int runningOffset(int seq) {
        try {
            java.nio.ByteBuffer mark = java.nio.ByteBuffer.wrap(Files.readAllBytes(link.positionPath));
            return mark.remaining() >= 8 && mark.getInt(0) == seq ? mark.getInt(4) : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
