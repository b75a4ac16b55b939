package dev.ensemble.internal.process;

import dev.ensemble.internal.wire.FrameChannel;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.fory.memory.MemoryBuffer;

/**
 * Idle worker JVMs of closed pools that asked to keep them warm ({@code keepWarm}), waiting to be taken by the
 * next pool of this JVM started with the same JVM options. A worker waits at most its pool's {@code keepWarm},
 * then is told to exit. A waiting worker has run its pool's exit hook and holds no pool state; it still exits
 * by itself if this JVM dies. Thread-safe.
 */
public final class WarmWorkers {
    /**
     * An idle worker: its process, its connection and its output forwarding, kept from the pool that retired it.
     *
     * @param key the JVM options it was started with ({@link WorkerLauncher#warmKey()})
     * @param process the worker JVM
     * @param channel its connection, past the handshake
     * @param stdin its standard input (the pool's pipe: its end tells the worker its pool JVM died)
     * @param stdout forwards its standard output
     * @param stderr forwards its standard error
     * @param pid its process id
     * @param foryReady whether it reads Fory already
     * @param tasksDone the tasks it ran for all its pools so far, which count toward the next pool's
     *     {@code maxTasksPerWorker}
     */
    record Idle(List<String> key, Process process, FrameChannel channel, OutputStream stdin, OutputForwarder stdout,
            OutputForwarder stderr, long pid, boolean foryReady, long tasksDone) {
    }

    private static final Map<List<String>, ArrayDeque<Idle>> IDLE = new HashMap<>(); // guarded by the class

    private WarmWorkers() {
    }

    /** Keeps a retired worker for up to {@code keep}, then tells it to exit if no pool took it. */
    static void offer(Idle idle, Duration keep) {
        synchronized (WarmWorkers.class) {
            IDLE.computeIfAbsent(idle.key(), k -> new ArrayDeque<>()).addLast(idle);
        }
        Thread.ofVirtual().name("warm-worker-expiry-" + idle.pid()).start(() -> {
            try {
                Thread.sleep(keep);
            } catch (InterruptedException e) {
                // expire now
            }
            if (remove(idle)) {
                discard(idle);
            }
        });
        idle.process().onExit().thenRun(() -> {
            if (remove(idle)) {
                discard(idle); // died while idle: close what is left of it
            }
        });
    }

    /**
     * Takes an idle worker started with these JVM options, the most recently retired first.
     *
     * @param key the JVM options
     * @return the worker, or null if none waits
     */
    static Idle take(List<String> key) {
        synchronized (WarmWorkers.class) {
            ArrayDeque<Idle> waiting = IDLE.get(key);
            Idle idle = waiting == null ? null : waiting.pollLast();
            if (waiting != null && waiting.isEmpty()) {
                IDLE.remove(key);
            }
            return idle;
        }
    }

    private static synchronized boolean remove(Idle idle) {
        ArrayDeque<Idle> waiting = IDLE.get(idle.key());
        boolean removed = waiting != null && waiting.remove(idle);
        if (waiting != null && waiting.isEmpty()) {
            IDLE.remove(idle.key());
        }
        return removed;
    }

    /** @return how many idle workers wait now */
    public static synchronized int count() {
        return IDLE.values().stream().mapToInt(ArrayDeque::size).sum();
    }

    /**
     * Tells every idle worker to exit now and waits until they have (tests use it before checking that nothing
     * was left behind; an application need not: idle workers expire, and exit with this JVM).
     */
    public static void discardAll() {
        List<Idle> all = new ArrayList<>();
        synchronized (WarmWorkers.class) {
            IDLE.values().forEach(all::addAll);
            IDLE.clear();
        }
        all.forEach(WarmWorkers::discard);
    }

    /** Asks an idle worker to exit (it runs no hook: it ran its pool's at retirement), killing it if it does not. */
    private static void discard(Idle idle) {
        try {
            idle.channel().send(FrameChannel.begin(MemoryBuffer.newHeapBuffer(16), Protocol.EXIT));
        } catch (IOException | RuntimeException e) {
            // already gone
        }
        try {
            if (!idle.process().waitFor(5, TimeUnit.SECONDS)) {
                idle.process().toHandle().destroyForcibly();
                idle.process().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            idle.process().toHandle().destroyForcibly();
            Thread.currentThread().interrupt();
        }
        idle.channel().close();
        try {
            idle.stdin().close();
        } catch (IOException ignored) {
            // gone already
        }
        idle.stderr().awaitEnd(500);
        idle.stdout().awaitEnd(200);
    }
}
