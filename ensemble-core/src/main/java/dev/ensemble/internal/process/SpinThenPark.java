package dev.ensemble.internal.process;

import dev.ensemble.internal.wire.Spinning;
import java.util.function.Supplier;

/**
 * A bounded, adaptive spin before a thread parks, for the sender of a worker that just got an answer: in a
 * ping-pong of small calls the next one usually comes within microseconds, and catching it while spinning saves
 * a wake-up (tens of µs on a busy machine). The budget doubles (up to {@link #MAX_NANOS}) when spinning caught
 * something and halves when it did not, so a sender whose pool goes quiet soon stops spinning at all; it spins only
 * when {@link Spinning#allowed()}. Not thread-safe: one per sender thread.
 */
final class SpinThenPark {
    static final long MAX_NANOS = 40_000;
    static final long MIN_NANOS = 2_000;

    private long budget = MAX_NANOS / 2;
    private int missesSinceProbe;

    /**
     * Polls {@code poll} until it gives something or the budget is spent.
     *
     * @param poll a cheap, non-blocking check
     * @param <T> what it gives
     * @return what it gave, or null (then the caller parks)
     */
    <T> T spin(Supplier<T> poll) {
        if (!Spinning.allowed()) {
            return null;
        }
        long limit = budget;
        if (limit == 0) {
            if (++missesSinceProbe >= 64) {
                missesSinceProbe = 0;
                budget = MIN_NANOS;
            }
            return null;
        }
        long start = System.nanoTime();
        do {
            T found = poll.get();
            if (found != null) {
                budget = Math.min(MAX_NANOS, Math.max(MIN_NANOS, limit * 2));
                return found;
            }
            for (int i = 0; i < 32; i++) {
                Thread.onSpinWait();
            }
        } while (System.nanoTime() - start < limit);
        budget = limit / 2 < MIN_NANOS ? 0 : limit / 2;
        return null;
    }
}
