package dev.ensemble.internal.process;

import dev.ensemble.internal.wire.FrameChannel;
import dev.ensemble.internal.worker.ChunkResult;
import dev.ensemble.internal.worker.ChunkRunner;
import dev.ensemble.internal.worker.FreezeClock;
import java.io.IOException;
import java.util.concurrent.locks.LockSupport;
import org.apache.fory.memory.MemoryBuffer;

/**
 * A worker's monitor thread, and the running chunk as it and the shutdown hook see it. The monitor times out
 * overdue tasks (TIMED_OUT, then halt), sends the finished part of long chunks every 20 ms (PARTIAL), sends
 * results the main thread held back for more than 1 ms, and checks that the pool's JVM is alive. The shutdown hook
 * reports the running chunk's finished part (DYING) when the JVM exits under it. Thread-safe: the main thread
 * publishes the chunk it runs, the others read it.
 */
final class WorkerMonitor {
    private static final long PARTIAL_EVERY_NANOS = 20_000_000;
    private static final long HOLD_AT_MOST_NANOS = 1_000_000;

    /** The chunk the main thread is running, as the monitor and the shutdown hook see it. */
    static final class Running {
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

    private final FrameChannel channel;
    private final ResultOutbox outbox;
    private final Object runningLock = new Object();
    private Running running;
    /** The chunk whose running task the monitor timed out (guarded by runningLock); this JVM halts next. */
    private Running timingOut;
    private volatile boolean exiting;
    private Thread monitorThread;
    /** This JVM's freezes, which no task's timeout counts; the monitor's thread only. */
    private final FreezeClock freezes = new FreezeClock();

    WorkerMonitor(FrameChannel channel, ResultOutbox outbox) {
        this.channel = channel;
        this.outbox = outbox;
    }

    /** Starts the monitor thread and the shutdown hook, the first time only (a retired worker keeps them). */
    void startOnce(ProcessHandle parent) {
        if (monitorThread == null) {
            Runtime.getRuntime().addShutdownHook(new Thread(this::reportShutdown, "ensemble-worker-shutdown"));
            monitorThread = Thread.ofPlatform().daemon().name("ensemble-worker-monitor").start(() -> monitor(parent));
        }
    }

    /** Wakes the monitor, so that it sends held results after its short wait rather than its usual tick. */
    void wake() {
        LockSupport.unpark(monitorThread);
    }

    /** This JVM is on its way out: no partials, timeouts or shutdown reports any more. */
    void markExiting() {
        exiting = true;
    }

    /** Publishes the chunk the main thread starts running. */
    void begin(Running current) {
        synchronized (runningLock) {
            running = current;
        }
    }

    /**
     * Ends the main thread's chunk; if the monitor timed it out meanwhile, never returns (this JVM is halting).
     *
     * @param current the chunk that ended
     * @return the offset up to which its results were sent as partials
     */
    int finish(Running current) {
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
        return sentUpTo;
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
