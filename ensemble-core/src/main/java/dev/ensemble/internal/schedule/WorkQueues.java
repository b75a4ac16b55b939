package dev.ensemble.internal.schedule;

import dev.ensemble.internal.worker.ChunkResult;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Where a worker's next chunk comes from, in order: a chunk bound to its slot (broadcast, scatter), then a chunk
 * queued for any worker (one to run again, one given back), then the next chunk of the calls still producing,
 * taken round-robin so that concurrent callers share the pool fairly. Guarded by the scheduler's lock.
 */
final class WorkQueues {
    /** Calls still cutting chunks from their inputs, in round-robin order. */
    private final ArrayDeque<Call<?>> producing = new ArrayDeque<>();
    /** Per slot: chunks that must run on it. */
    private final List<ArrayDeque<Chunk>> targeted = new ArrayList<>();
    /** Chunks for any worker, made before they were taken. */
    private final ArrayDeque<Chunk> ready = new ArrayDeque<>();

    WorkQueues(int slots) {
        for (int i = 0; i < slots; i++) {
            targeted.add(new ArrayDeque<>());
        }
    }

    /** A call starts cutting chunks from its inputs. */
    void producing(Call<?> call) {
        producing.add(call);
    }

    /** A call ended: it cuts no more chunks. */
    void retired(Call<?> call) {
        producing.remove(call);
    }

    /** Queues a chunk made ahead: for its target slot, or for any worker. */
    void add(Chunk chunk) {
        (chunk.targetSlot() < 0 ? ready : targeted.get(chunk.targetSlot())).add(chunk);
    }

    /**
     * The next chunk for a worker, handed to it; a queued chunk of a cancelled call is settled on the way.
     *
     * @param live the calls not yet finished: a call leaves the round-robin once it stops producing or ends
     * @return the chunk, or null if there is none now
     */
    Chunk next(int slot, int limit, Set<Call<?>> live) {
        while (true) {
            ArrayDeque<Chunk> from = targeted.get(slot);
            Chunk chunk = from.poll();
            if (chunk == null) {
                from = ready;
                chunk = ready.poll();
            }
            if (chunk != null) {
                // A chunk queued again (given back, or the rest of one whose worker died) is cut to what this
                // worker may still take of its call; the rest stays first in line.
                int take = chunk.call().lifespan().limitFor(slot, Integer.MAX_VALUE);
                if (chunk.size() > take) {
                    from.addFirst(chunk.call().inputs().splitOff(chunk, take));
                    chunk = chunk.slice(0, take);
                }
            }
            if (chunk == null) {
                chunk = nextFresh(slot, limit, live);
            }
            if (chunk == null) {
                return null;
            }
            if (!chunk.isCancelled()) {
                chunk.call().lifespan().handed(slot, chunk);
                return chunk;
            }
            // A queued chunk of a cancelled call: settle its accounting without running it.
            chunk.call().accept(chunk, ChunkResult.skipped(0), null);
        }
    }

    private Chunk nextFresh(int slot, int limit, Set<Call<?>> live) {
        for (int i = producing.size(); i > 0; i--) {
            Call<?> call = producing.poll();
            Chunk chunk = call.inputs().nextChunk(call.lifespan().limitFor(slot, limit));
            if (call.inputs().producing() && live.contains(call)) {
                producing.add(call);
            }
            if (chunk != null) {
                return chunk;
            }
        }
        return null;
    }

    /** Whether a waiting worker could find something now: queued chunks, or a call still making chunks. */
    boolean mayHaveWork() {
        if (!ready.isEmpty()) {
            return true;
        }
        for (Call<?> call : producing) {
            if (call.inputs().hasChunkNow()) {
                return true;
            }
        }
        for (ArrayDeque<Chunk> queue : targeted) {
            if (!queue.isEmpty()) {
                return true;
            }
        }
        return false;
    }
}
