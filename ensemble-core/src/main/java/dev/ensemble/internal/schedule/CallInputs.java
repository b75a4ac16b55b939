package dev.ensemble.internal.schedule;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.RandomAccess;
import java.util.concurrent.locks.Condition;

/**
 * A call's inputs on their way to workers: cut into chunks ({@link ChunkPlanner} picks the size) as workers ask
 * for them, from a random-access list directly or from the chunks the call's {@link InputFeeder} read ahead of a
 * lazy source; the feeder's side of that hand-over; a stream's back-pressure; and the count of the call's chunks
 * not yet settled, which tells the call when it is done. One per call, guarded by the scheduler's lock; the
 * feeder's methods take it themselves and never hold it while reading.
 */
final class CallInputs {
    private final Call<?> call;
    private final Scheduler scheduler;
    private final Iterable<?> lazySource;
    private final List<?> indexable;
    private final ChunkPlanner planner;
    /** The call's results not yet read: with its chunks in flight, what a stream's back-pressure bounds. */
    private final ResultSegments results;
    private final int maxChunksInFlight;
    /** A stream's bound of serialized result bytes waiting for its reader (unbounded for other calls). */
    private final long maxBytesInFlight;
    private long nextInputIndex;
    private boolean exhausted;
    private int pendingChunks;
    /** Chunks the input feeder read ahead, counted in {@code pendingChunks}, not yet handed to a worker. */
    private final ArrayDeque<Chunk> prepared = new ArrayDeque<>();
    /** Signalled when the input feeder may read more: a chunk was handed out or read, or the call ended. */
    private final Condition inputWanted;
    private Thread feeder;

    CallInputs(Call<?> call, Scheduler scheduler, Source source, ChunkPlanner planner, ResultSegments results,
            int maxChunksInFlight, long maxBytesInFlight) {
        this.call = call;
        this.scheduler = scheduler;
        this.indexable = source.indexable();
        this.lazySource = source.lazy();
        this.exhausted = indexable == null && lazySource == null;
        this.planner = planner;
        this.results = results;
        this.maxChunksInFlight = maxChunksInFlight;
        this.maxBytesInFlight = maxBytesInFlight;
        this.inputWanted = scheduler.lock.newCondition();
    }

    /**
     * A call's inputs as seen before the scheduler's lock is taken, so that no user collection is asked anything
     * under it: a random-access list is cut into sub-list views (no copy); any other collection is copied on the
     * caller's thread; any other iterable is read by the call's own feeder thread ({@link InputFeeder}).
     *
     * @param indexable the inputs as a random-access list, or null
     * @param lazy the inputs as an iterable the feeder reads, or null
     * @param total the number of inputs, or -1 while unknown
     */
    record Source(List<?> indexable, Iterable<?> lazy, long total) {
        static final Source NONE = new Source(null, null, 0);

        /**
         * Classifies a caller's inputs, on the caller's thread.
         *
         * @param inputs the inputs, or null for a call of placed chunks only
         * @param what the call, for the message
         * @return the source
         * @throws IllegalStateException if a collection's copy fails (its {@code toArray} threw)
         */
        static Source of(Iterable<?> inputs, String what) {
            if (inputs == null) {
                return NONE;
            }
            if (inputs instanceof List<?> list && inputs instanceof RandomAccess) {
                return new Source(list, null, list.size());
            }
            if (inputs instanceof Collection<?> collection) {
                Object[] copy;
                try {
                    copy = collection.toArray();
                } catch (RuntimeException | LinkageError e) {
                    throw new IllegalStateException("reading the inputs of " + what + " failed: "
                            + Inputs.describe(e), e);
                }
                return new Source(Arrays.asList(copy), null, copy.length);
            }
            return new Source(null, inputs, -1);
        }
    }

    /** Starts the feeder of a call over a lazy source; called once, after the call is registered. */
    void startFeeder() {
        if (lazySource == null) {
            return;
        }
        Thread thread = InputFeeder.start(call, lazySource, scheduler.poolName());
        scheduler.lock.lock();
        try {
            feeder = thread;
            if (!needsInput()) {
                thread.interrupt(); // cancelled before the feeder was known
            }
        } finally {
            scheduler.lock.unlock();
        }
    }

    // ---- producing chunks (scheduler lock held) ----

    /** Whether the call may still produce chunks at some point. */
    boolean producing() {
        return (!exhausted || !prepared.isEmpty()) && call.running();
    }

    /** Whether a chunk may be handed out now, without waiting for the feeder. */
    boolean hasChunkNow() {
        return producing() && (indexable != null || !prepared.isEmpty());
    }

    /** Whether the feeder should still read inputs. */
    private boolean needsInput() {
        return !exhausted && call.running();
    }

    /** @return whether no more inputs will be cut into chunks: all were, or the call ended */
    boolean exhausted() {
        return exhausted;
    }

    /** @return the call's chunks made and not yet settled (read ahead, queued, running) */
    int pendingChunks() {
        return pendingChunks;
    }

    /** @return the inputs made into chunks so far: the index of the next */
    long inputsAccepted() {
        return nextInputIndex;
    }

    /** Counts a chunk made again: the rest of one cut short, queued to run. */
    void requeued() {
        pendingChunks++;
    }

    /** Uncounts a chunk that ran, was lost, or was settled unrun. */
    void settled() {
        pendingChunks--;
    }

    /** A stream's reader took results: the feeder may read more. */
    void resultsTaken() {
        inputWanted.signal();
    }

    /**
     * The part of a queued chunk after its first {@code take} inputs, counted as a chunk of its own.
     *
     * @param chunk a chunk of this call that was queued again
     * @param take the inputs the worker takes now (fewer than the chunk holds)
     * @return the rest, to queue first in line
     */
    Chunk splitOff(Chunk chunk, int take) {
        pendingChunks++;
        return chunk.remainder(take, chunk.attempt());
    }

    /** The next chunk of fresh inputs, or null if none now (exhausted, back-pressure, finished, feeder behind). */
    Chunk nextChunk(int limit) {
        if (!producing()) {
            return null;
        }
        if (indexable != null) {
            if (backPressured()) {
                return null;
            }
            return nextSlice(Math.min(planner.nextSize(indexable.size() - nextInputIndex), limit));
        }
        Chunk chunk = prepared.poll();
        if (chunk == null) {
            return null;
        }
        if (chunk.size() > limit) {
            // The worker takes only {@code limit} more (recycling); the rest stays first in line.
            prepared.addFirst(chunk.remainder(limit, 0));
            pendingChunks++;
            chunk = chunk.slice(0, limit);
        }
        inputWanted.signal();
        return chunk;
    }

    @SuppressWarnings("unchecked")
    private Chunk nextSlice(int size) {
        int from = (int) nextInputIndex;
        int to = (int) Math.min(indexable.size(), from + (long) size);
        if (to >= indexable.size()) {
            exhausted = true;
        }
        if (from >= to) {
            call.completeIfDone();
            return null;
        }
        Chunk chunk = new Chunk(call, from, (List<Object>) indexable.subList(from, to), -1, 0,
                planner.timeEachTask());
        nextInputIndex = to;
        pendingChunks++;
        return chunk;
    }

    /** Registers a chunk made up front (broadcast, submit), to run on {@code slot} or on any worker (-1). */
    Chunk presetChunk(long firstIndex, List<Object> items, int slot) {
        pendingChunks++;
        nextInputIndex = Math.max(nextInputIndex, firstIndex + items.size());
        return new Chunk(call, firstIndex, items, slot, 0, true);
    }

    /** Cuts no more chunks: drops the chunks read ahead and stops the feeder, since the call will not run them. */
    void stop() {
        exhausted = true;
        pendingChunks -= prepared.size();
        prepared.clear();
        if (feeder != null) {
            inputWanted.signal();
            feeder.interrupt(); // a source blocked in hasNext/next may give up on an interrupt
        }
    }

    /** Whether a stream's reader must catch up before more of its inputs start: too many chunks, or bytes. */
    private boolean backPressured() {
        return chunksInFlight() >= maxChunksInFlight || results.bytesUnread() >= maxBytesInFlight;
    }

    /** Chunks running, queued, or finished but not yet read by a stream's reader: what back-pressure bounds. */
    private int chunksInFlight() {
        // Chunks read ahead by the feeder are counted in pendingChunks.
        return pendingChunks + results.size();
    }

    // ---- the feeder's side (InputFeeder; takes the lock itself, never holds it while reading) ----

    /**
     * Waits until the feeder may read another chunk of inputs.
     *
     * @return how many inputs to read, or 0 when the call needs no more (finished, failed or cancelled)
     * @throws InterruptedException if the call was cancelled while the feeder waited
     */
    int awaitInputWanted() throws InterruptedException {
        scheduler.lock.lock();
        try {
            while (needsInput() && (prepared.size() >= InputFeeder.READ_AHEAD_CHUNKS || backPressured())) {
                inputWanted.await();
            }
            return needsInput() ? planner.nextSize(-1) : 0; // a lazy source: its length is unknown
        } finally {
            scheduler.unlockAndRun();
        }
    }

    /**
     * Hands over inputs the feeder read.
     *
     * @param items the inputs, in order (possibly none)
     * @param end whether the source has no more
     * @return whether the call still wants inputs
     */
    boolean offer(List<Object> items, boolean end) {
        scheduler.lock.lock();
        try {
            if (!needsInput()) {
                return false;
            }
            if (!items.isEmpty()) {
                prepared.add(new Chunk(call, nextInputIndex, items, -1, 0, planner.timeEachTask()));
                nextInputIndex += items.size();
                pendingChunks++;
            }
            if (end) {
                exhausted = true;
                call.completeIfDone();
            }
            scheduler.workAvailable();
            return !end;
        } finally {
            scheduler.unlockAndRun();
        }
    }

    /**
     * The source threw: the call fails at the index of the input being read, after the inputs read before it.
     *
     * @param items the inputs read in this round before the failure
     * @param error the call's failure, already rendered (outside the lock)
     */
    void inputsFailed(List<Object> items, RuntimeException error) {
        scheduler.lock.lock();
        try {
            if (!needsInput()) {
                return;
            }
            exhausted = true;
            call.fail(error, nextInputIndex + items.size());
        } finally {
            scheduler.unlockAndRun();
        }
    }

    /** @return the index of the next input the feeder reads (for messages; read under the lock) */
    long nextInputIndex() {
        scheduler.lock.lock();
        try {
            return nextInputIndex;
        } finally {
            scheduler.lock.unlock();
        }
    }
}
