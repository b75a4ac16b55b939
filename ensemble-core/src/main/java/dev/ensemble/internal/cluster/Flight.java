package dev.ensemble.internal.cluster;

import dev.ensemble.internal.schedule.Chunk;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A chunk sent to a member and not yet answered. */
final class Flight {
    final Chunk chunk;
    final MemberLink home;
    final Request call;
    final int generation;
    CompletableFuture<Reply> reply;
    boolean cancelSent;
    long cancelSentNanos;
    final long sentNanos = System.nanoTime();

    Flight(Chunk chunk, MemberLink home, Request call, int generation, CompletableFuture<Reply> reply) {
        this.chunk = chunk;
        this.home = home;
        this.call = call;
        this.generation = generation;
        this.reply = reply;
    }

    /**
     * When its slot stops waiting for this chunk, the oldest in flight: under a task timeout, each of the chunk's
     * tasks may take the timeout, plus one more and 2 s for the round trip, counted from when it can have started
     * (it was sent, and the chunk before it answered). No deadline without a task timeout: silence then means
     * nothing.
     *
     * @param lastReplyNanos when the slot last heard a reply, or 0
     * @param timeout the pool's task timeout, or null
     * @return the deadline ({@link System#nanoTime()}), or 0 for none
     */
    long frozenDeadline(long lastReplyNanos, Duration timeout) {
        if (timeout == null) {
            return 0;
        }
        long start = lastReplyNanos != 0 && lastReplyNanos - sentNanos > 0 ? lastReplyNanos : sentNanos;
        long allowed = (chunk.size() + 1L) * timeout.toNanos() + TimeUnit.SECONDS.toNanos(2);
        return start + allowed;
    }
}
