package dev.ensemble.internal.jfr;

import dev.ensemble.internal.schedule.WorkerStart;
import dev.ensemble.internal.schedule.Call;
import dev.ensemble.internal.schedule.CallObserver;
import dev.ensemble.internal.schedule.WorkerEvents;
import dev.ensemble.CallOptions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pool's JDK Flight Recorder events: calls (a duration event per call), workers started, replaced and lost,
 * chunks slower than {@link #SLOW_CHUNK_NANOS}, and, where a recording enables it, every chunk. Visible in JDK
 * Mission Control under "Ensemble".
 *
 * <p>Off-cost when nothing records: every method first asks {@code FlightRecorder.isInitialized()} (a field read
 * once its class is loaded, about 0.1 ms in a fresh JVM), and an event class is loaded only once a recording runs;
 * the JVM's first event class otherwise costs about 100 ms of start-up, which no pool should pay.
 */
public final class Jfr implements CallObserver, WorkerEvents {
    /** Chunks whose tasks take longer than this on their worker are recorded. */
    public static final long SLOW_CHUNK_NANOS = 100_000_000L;

    private final String pool;
    private final Map<Call<?>, Object> open = new ConcurrentHashMap<>();

    /**
     * The events of one pool.
     *
     * @param pool the pool's name
     */
    public Jfr(String pool) {
        this.pool = pool;
    }

    /** @return whether a recording may want events now */
    private static boolean recording() {
        return jdk.jfr.FlightRecorder.isInitialized();
    }

    @Override
    public void opened(Call<?> call, CallOptions options) {
        if (recording()) {
            CallEvent event = new CallEvent();
            if (event.isEnabled()) {
                event.begin();
                open.put(call, event);
            }
        }
    }

    @Override
    public void finished(Call<?> call, Throwable failure) {
        if (open.remove(call) instanceof CallEvent event) {
            event.end();
            if (event.shouldCommit()) {
                event.pool = pool;
                event.call = call.name();
                event.inputs = call.total();
                event.finished = call.completedTasks();
                event.failure = failure == null ? "" : failure.getClass().getName();
                event.commit();
            }
        }
    }

    /**
     * A worker started.
     *
     * @param worker its slot
     * @param startingNanos how long it took to start
     * @param replacement whether it replaces a worker that was lost or recycled
     */
    @Override
    public void workerStarted(int worker, long startingNanos, WorkerStart start) {
        if (recording()) {
            WorkerEvent event = new WorkerEvent();
            if (event.shouldCommit()) {
                event.pool = pool;
                event.worker = worker;
                event.what = start == WorkerStart.REPLACEMENT ? "replaced" : "started";
                event.startingNanos = startingNanos;
                event.cause = "";
                event.commit();
            }
        }
    }

    /**
     * A worker was lost under a chunk (it died, or was killed for a timeout).
     *
     * @param worker its slot
     * @param cause what was reported, rendered already
     */
    @Override
    public void workerLost(int worker, String cause) {
        if (recording()) {
            WorkerEvent event = new WorkerEvent();
            if (event.shouldCommit()) {
                event.pool = pool;
                event.worker = worker;
                event.what = "lost";
                event.cause = cause;
                event.commit();
            }
        }
    }

    /**
     * A chunk finished; recorded as {@code dev.ensemble.Chunk} where a recording enables that event, and as
     * {@code dev.ensemble.SlowChunk} if its tasks took longer than {@link #SLOW_CHUNK_NANOS}.
     *
     * @param call the chunk's call
     * @param worker the worker that ran it
     * @param firstIndex the index of its first input
     * @param tasks how many tasks ran
     * @param workNanos how long they took
     * @param waitNanos how long the worker had waited for it
     */
    @Override
    public void chunkDone(Call<?> call, int worker, long firstIndex, int tasks, long workNanos, long waitNanos) {
        if (!recording()) {
            return;
        }
        ChunkDoneEvent done = new ChunkDoneEvent();
        if (done.shouldCommit()) {
            done.waitNanos = waitNanos;
            done.commit(pool, call, worker, firstIndex, tasks, workNanos);
        }
        if (workNanos > SLOW_CHUNK_NANOS) {
            ChunkEvent slow = new ChunkEvent();
            if (slow.shouldCommit()) {
                slow.commit(pool, call, worker, firstIndex, tasks, workNanos);
            }
        }
    }
}
