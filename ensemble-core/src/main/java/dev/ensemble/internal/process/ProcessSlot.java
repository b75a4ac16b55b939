package dev.ensemble.internal.process;

import dev.ensemble.internal.platform.Log;
import dev.ensemble.internal.schedule.Chunk;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One worker slot of a process pool, across its workers' lives: its current worker ({@link WorkerLink}), the
 * sender thread that feeds it, and the replacement of a worker that ended without being asked to (with a backoff
 * between failed starts, and giving up on a start that fails the same way twice).
 *
 * <p>The slot's monitor guards its link and replacement state; the sender and the link's reader (which reports
 * the end and starts the replacement) meet on it.
 */
final class ProcessSlot {
    /** The first wait before starting a lost worker's replacement again; doubled after each failed start. */
    private static final long FIRST_REPLACEMENT_BACKOFF_MILLIS = 100;
    /** The longest wait between starts: a kill storm (an OOM killer) costs at most this once it ends. */
    private static final long MAX_REPLACEMENT_BACKOFF_MILLIS = 2_000;

    final int id;
    private final ProcessBackend backend;
    WorkerLink link;          // guarded by this
    boolean replacing;        // guarded by this
    boolean finished;         // guarded by this: the sender asked for the final exit
    int generations;          // guarded by this
    Thread sender;
    volatile boolean inTake;  // the sender waits in take: its worker has nothing in flight

    ProcessSlot(ProcessBackend backend, int id) {
        this.backend = backend;
        this.id = id;
    }

    /** @return the slot's current worker, live or not, or null before its first one */
    synchronized WorkerLink currentLink() {
        return link;
    }

    /** The live worker of this slot, waiting while it is being replaced; null if there is none for good. */
    synchronized WorkerLink awaitLink() throws InterruptedException {
        while (!backend.stopping() && (replacing || link == null || link.ended())) {
            if (link != null && link.settled && !replacing) {
                return null; // finished, or could not be replaced
            }
            wait();
        }
        return backend.stopping() ? null : link;
    }

    /**
     * Starts the slot's first worker: adopts an idle worker JVM that an earlier pool of the same configuration kept
     * warm, if there is one that answers, else launches a new one.
     *
     * @throws StartFailure if the new worker could not start
     */
    void startFirst() {
        WorkerLink first = null;
        List<String> warmKey = backend.host().launcher().warmKey();
        while (first == null) {
            WarmWorkers.Idle idle = WarmWorkers.take(warmKey);
            if (idle == null) {
                break;
            }
            first = WorkerSpawn.adopt(backend.host(), id, 0, idle);
        }
        if (first == null) {
            first = WorkerSpawn.launch(backend.host(), id, 0);
        }
        synchronized (this) {
            link = first;
            generations = 1;
        }
    }

    /** Starts the sender thread. */
    void startSender() {
        sender = Thread.ofPlatform().daemon().name(backend.host().poolName() + "-worker-" + id + "-sender")
                .start(this::feed);
    }

    /**
     * The sender loop of a slot, across its workers' lives: blocks in {@code take} only when its worker has
     * nothing in flight, else tops the pipeline up with {@code poll} each time an answer arrives. Only this
     * thread writes chunks, so the reader (which never writes) can always drain the worker's answers: two sides
     * blocked writing to each other cannot happen.
     */
    private void feed() {
        try {
            while (true) {
                WorkerLink link = awaitLink();
                if (link == null) {
                    return;
                }
                long seen = link.answers();
                link.sendCancels();
                int inFlight = link.awaitRoom();
                if (link.ended()) {
                    continue;
                }
                int limit = link.tasksLeft();
                if (limit <= 0) {
                    if (inFlight == 0) {
                        link.requestExit(); // recycled: the reader starts the replacement once it has exited
                        link.awaitEnd();
                    } else {
                        link.awaitAnswer(seen);
                    }
                    continue;
                }
                Chunk chunk;
                if (inFlight == 0) {
                    // No spin here: a submit or broadcast reaches an idle worker from the caller's thread
                    // (callOpened), and a sender spinning as well took the CPU from the caller and the workers.
                    backend.senderIdle(+1);
                    inTake = true;
                    try {
                        chunk = backend.host().source().take(id, limit);
                    } finally {
                        inTake = false;
                        backend.senderIdle(-1);
                    }
                    if (chunk == null) {
                        finish();
                        return;
                    }
                } else {
                    chunk = backend.host().idleSenders() > 0 ? null : backend.host().source().poll(id, limit);
                    if (chunk == null) {
                        link.awaitAnswer(seen);
                        continue;
                    }
                }
                WorkerLink current = awaitLink();
                if (current == null || !current.send(chunk)) {
                    backend.host().source().returned(id, chunk);
                    if (current == null) {
                        return;
                    }
                    if (current.processGone()) {
                        current.awaitEnd(); // its reader reports the death and starts the replacement
                    }
                }
            }
        } catch (InterruptedException e) {
            // kill(): the workers are being destroyed
        }
    }

    /** The pool is closing and has no more work: the slot's worker runs its exit hook and exits. */
    private void finish() throws InterruptedException {
        synchronized (this) {
            finished = true;
        }
        WorkerLink last = awaitLink();
        if (last != null && !backend.host().keepWarm().isZero() && last.tasksLeft() > 0) {
            last.requestRetire(); // kept warm for the next pool; a worker due for recycling exits instead
        } else if (last != null) {
            last.requestExit();
        }
    }

    /** A worker process ended (reported already): start its replacement unless the pool is stopping. */
    void linkEnded(WorkerLink link) {
        synchronized (this) {
            link.settled = true;
            if (this.link != link || backend.stopping() || finished) {
                notifyAll();
                return;
            }
            replacing = true;
            notifyAll();
        }
        WorkerLink replacement = null;
        StartFailure previous = null;
        StartFailure lasting = null;
        long backoff = FIRST_REPLACEMENT_BACKOFF_MILLIS;
        // Transient failures (a replacement killed while booting) are retried for as long as the pool runs; a start
        // failure that repeats itself (bad jvmArgs, a missing class, a start hook that always throws) ends the slot.
        while (!backend.stopping() && backend.host().source().needsWorkers()) {
            int generation;
            synchronized (this) {
                generation = generations++;
            }
            try {
                replacement = WorkerSpawn.launch(backend.host(), id, generation);
                break;
            } catch (RuntimeException e) {
                StartFailure failure = e instanceof StartFailure f ? f
                        : new StartFailure(e.toString(), e);
                if (failure.repeats(previous)) {
                    lasting = failure;
                    break;
                }
                previous = failure;
                long wait = backoff;
                Log.log(ProcessSlot.class, System.Logger.Level.WARNING, () -> "pool " + backend.host().poolName()
                        + ": replacing worker " + id + " failed; trying again in " + wait + " ms: "
                        + failure.getMessage());
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoff));
                backoff = Math.min(MAX_REPLACEMENT_BACKOFF_MILLIS, 2 * backoff);
            }
        }
        synchronized (this) {
            replacing = false;
            if (replacement != null && !backend.stopping()) {
                this.link = replacement;
                replacement.startReader();
            } else if (replacement != null) {
                replacement.kill();
                replacement.startReader();
            }
            notifyAll();
        }
        if (lasting != null && !backend.stopping()) {
            // No worker for this slot any more: if none is left, nothing could ever run; fail the pool's calls.
            boolean anyAlive = backend.anyWorkerAlive();
            StartFailure why = lasting;
            Log.log(ProcessSlot.class, System.Logger.Level.ERROR, () -> "pool " + backend.host().poolName() + ": worker "
                    + id + " cannot be started again: it failed the same way twice: " + why.getMessage());
            if (!anyAlive) {
                backend.host().source().terminate(new IllegalStateException("pool " + backend.host().poolName() + " has no "
                        + "worker left: a lost worker's replacement failed to start twice the same way (see the "
                        + "cause); the pool was terminated", lasting));
            }
        }
    }
}
