package dev.ensemble.internal.cluster;

import dev.ensemble.internal.backend.Lifespan;
import dev.ensemble.internal.backend.Pipelining;
import java.util.Collection;

/** One worker slot of a cluster pool: where it lives now and which incarnation of its worker runs there. */
final class Slot {
    final int id;
    volatile MemberLink home;
    int generation;
    long nextSeq; // of the next chunk sent to the current incarnation of the worker
    /** The current incarnation's recycling budget: tasks in flight and done. */
    Lifespan lifespan;
    final Pipelining.Pace pace = new Pipelining.Pace();
    /** The calls of the chunks in flight as the slot last waited for a reply, for {@code callCancelled}. */
    private volatile long[] callsInFlight = new long[0];
    /** When the slot last heard a reply: the oldest chunk in flight runs from then at the latest. */
    long lastReplyNanos;
    Thread thread;

    Slot(int id, MemberLink home) {
        this.id = id;
        this.home = home;
    }

    /** Notes the calls of the chunks in flight, as the slot starts waiting for a reply. */
    void noteCallsInFlight(Collection<Flight> flights) {
        long[] ids = new long[flights.size()];
        int i = 0;
        for (Flight f : flights) {
            ids[i++] = f.chunk.callId();
        }
        callsInFlight = ids;
    }

    /** @return whether a chunk of this call was in flight when the slot last waited for a reply */
    boolean holds(long callId) {
        for (long id : callsInFlight) {
            if (id == callId) {
                return true;
            }
        }
        return false;
    }
}
