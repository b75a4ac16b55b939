package dev.ensemble.internal.idle;

/**
 * How long a thread about to wait should spin first, learned from how long its recent waits took.
 *
 * <p>A spin pays when what the thread waits for comes soon: it saves a wake-up, which costs tens of µs when the
 * waking CPU has to be woken too (a virtual machine's idle vCPU most of all), and the thread that wakes the other
 * pays part of it. It is learned from the waits themselves, not from whether the last spin caught something:
 * with "halve the budget on a miss", a ping-pong whose other side slowed down once (a GC, a compilation, a
 * neighbour) missed, stopped spinning, and then every round trip paid two wake-ups, which kept the other side's
 * waits long too, so the spins never caught anything again (see docs/design.md). Here the typical wait is a moving average of the waits, each counted
 * at most {@link #SAMPLE_CAP_NANOS}: a thread spins (twice the typical wait, within
 * [{@link #MIN_NANOS}, {@link #MAX_NANOS}]) while that is at most {@link #MAX_NANOS}, and a wait that parked and
 * took a wake-up still counts as short, so a ping-pong that fell back to parking comes back to spinning by
 * itself. A thread that waits long (an idle pool) stops spinning after a couple of waits. It never spins when
 * {@link Spinning#allowed()} says no, and a spin that finds itself descheduled (a gap of over
 * {@link #PREEMPTED_NANOS} between two checks: the CPU is wanted elsewhere) gives up at once. A {@link #yielding} one
 * offers its CPU every {@link #YIELD_NANOS} while it spins.
 *
 * <p>Not thread-safe: one per waiting thread.
 */
public final class SpinBudget {
    /** The longest spin. */
    static final long MAX_NANOS = 150_000;
    /** The shortest spin. */
    static final long MIN_NANOS = 5_000;
    /** The most one wait counts for in the typical wait: an idle minute is not sixty thousand idle milliseconds. */
    static final long SAMPLE_CAP_NANOS = 1_000_000;
    /**
     * How often a {@link #yielding} spin offers its CPU ({@link Thread#yield}): a thread it would otherwise keep off
     * the CPU for the whole spin (the caller whose answer it just delivered, a compiler thread) runs at once, and
     * the spin still sees what it waits for within a few µs.
     */
    static final long YIELD_NANOS = 4_000;
    /** A gap between two checks of a spin that means the thread was descheduled. */
    static final long PREEMPTED_NANOS = 300_000;

    private long typicalWaitNanos = MAX_NANOS / 4;
    private final boolean yielding;

    /** Creates a budget that starts by spinning. */
    public SpinBudget() {
        this(false);
    }

    private SpinBudget(boolean yielding) {
        this.yielding = yielding;
    }

    /**
     * A budget whose spins offer the CPU every few µs: for the workers of a thread pool, which share the CPUs with
     * the callers they answer. Without it, two idle workers spinning on two CPUs kept the caller that an answer had
     * just woken off the CPU until one of them gave up, the whole spin. Not for the readers of worker JVMs: there
     * the spinners of three JVMs handed the CPUs to one another. The figures are in docs/design.md.
     *
     * @return the budget
     */
    public static SpinBudget yielding() {
        return new SpinBudget(true);
    }

    /** @return how long to spin before the next wait parks, 0 for not at all */
    public long next() {
        return next(Spinning.allowed());
    }

    long next(boolean spinningAllowed) {
        if (typicalWaitNanos > MAX_NANOS || !spinningAllowed) {
            return 0;
        }
        return Math.clamp(typicalWaitNanos * 2, MIN_NANOS, MAX_NANOS);
    }

    /**
     * Records how long a wait took, spin and park together.
     *
     * @param nanos from the start of the wait to what it waited for
     */
    public void waited(long nanos) {
        typicalWaitNanos += (Math.min(Math.max(nanos, 0), SAMPLE_CAP_NANOS) - typicalWaitNanos) / 8;
    }

    /**
     * Polls {@code poll} for at most {@link #next()}; the caller then records the whole wait with {@link #waited}.
     *
     * @param poll a cheap, non-blocking check that gives what the thread waits for, or null
     * @param <T> what it gives
     * @param <E> what it may throw
     * @return what it gave within the budget, or null (then the caller parks)
     * @throws E if the poll threw
     */
    public <T, E extends Exception> T spin(Poll<T, E> poll) throws E {
        long budget = next();
        if (budget == 0) {
            return null;
        }
        long start = System.nanoTime();
        long last = start;
        long yielded = start;
        while (true) {
            T found = poll.poll();
            if (found != null) {
                return found;
            }
            for (int i = 0; i < 16; i++) {
                Thread.onSpinWait();
            }
            long now = System.nanoTime();
            if (now - start >= budget || now - last > PREEMPTED_NANOS) {
                return null;
            }
            if (yielding && now - yielded >= YIELD_NANOS) {
                Thread.yield();
                now = System.nanoTime();
                yielded = now;
            }
            last = now;
        }
    }

    /**
     * A non-blocking check a spin repeats.
     *
     * @param <T> what it gives
     * @param <E> what it may throw
     */
    @FunctionalInterface
    public interface Poll<T, E extends Exception> {
        /**
         * @return what the thread waits for, or null if it is not here yet
         * @throws E if checking failed
         */
        T poll() throws E;
    }
}
