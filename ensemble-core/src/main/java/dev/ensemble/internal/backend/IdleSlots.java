package dev.ensemble.internal.backend;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many of a pool's slots wait in {@code take} for work, counted by {@link SlotDriver}: a worker that holds
 * chunks takes one more only while none waits ({@link Pipelining}), since the chunk could go to the idle one.
 * Thread-safe.
 */
public final class IdleSlots {
    private final AtomicInteger waiting = new AtomicInteger();

    /** Creates a count of 0. */
    public IdleSlots() {
    }

    /** @return how many slots wait in {@code take} now */
    public int count() {
        return waiting.get();
    }

    void enter() {
        waiting.incrementAndGet();
    }

    void leave() {
        waiting.decrementAndGet();
    }
}
