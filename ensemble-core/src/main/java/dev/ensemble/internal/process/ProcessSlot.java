package dev.ensemble.internal.process;

import dev.ensemble.internal.backend.SlotDriver;
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
     * The sender loop of a slot, across its workers' lives: the {@link SlotDriver}, feeding whichever worker the
     * slot has. Only this thread writes chunks, so the reader (which never writes) can always drain the worker's
     * answers: two sides blocked writing to each other cannot happen.
     */
    private void feed() {
        // No spin in take: a submit or broadcast reaches an idle worker from the caller's thread (callOpened), and a
        // sender spinning as well took the CPU from the caller and the workers.
        SlotDriver.run(backend.host().source(), id, new Sender(), null, backend.host().idleSenders());
    }

    /**
     * The slot's current worker JVM as the driver sees it: chunks go down its socket from here; its answers come
     * back on its reader thread, which also starts its replacement when it ends.
     */
    private final class Sender implements SlotDriver.Worker {
        private WorkerLink link;        // the live link awaitRoom found
        private long seen;              // its count of answers then
        private WorkerLink gone;        // a link whose process was found gone by a send: wait for its end first

        @Override
        public int awaitRoom() throws InterruptedException {
            if (gone != null) {
                WorkerLink ending = gone;
                gone = null;
                ending.awaitEnd(); // its reader reports the death and starts the replacement
            }
            while (true) {
                WorkerLink current = awaitLink();
                if (current == null) {
                    return -1;
                }
                seen = current.answers();
                current.sendCancels();
                int inFlight = current.awaitRoom();
                if (!current.ended()) {
                    link = current;
                    return inFlight;
                }
            }
        }

        @Override
        public int room() {
            return link.tasksLeft();
        }

        @Override
        public void awaitAnswer() throws InterruptedException {
            link.awaitAnswer(seen);
        }

        @Override
        public boolean mayPipeline() {
            return backend.host().idleSenders().count() == 0;
        }

        @Override
        public boolean give(Chunk chunk) throws InterruptedException {
            WorkerLink current = awaitLink(); // the worker may have been replaced while this thread waited in take
            if (current == null) {
                return false;
            }
            if (current.send(chunk)) {
                return true;
            }
            if (current.processGone()) {
                gone = current;
            }
            return false;
        }

        @Override
        public void recycle() throws InterruptedException {
            link.requestExit(); // the reader starts the replacement once it has exited
            link.awaitEnd();
        }

        @Override
        public void finish() throws InterruptedException {
            ProcessSlot.this.finish();
        }

        @Override
        public void idle(boolean waiting) {
            inTake = waiting;
        }

        @Override
        public boolean stopping() {
            return backend.stopping();
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
