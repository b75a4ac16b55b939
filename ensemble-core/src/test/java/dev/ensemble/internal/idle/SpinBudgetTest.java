package dev.ensemble.internal.idle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The spin budget follows the waits it is told about: it spins while they are short, stops after long ones, and
 * comes back by itself once they are short again, even when they were parked waits that paid a wake-up.
 */
class SpinBudgetTest {
    private static final long MICROS = 1_000;

    @Test
    void aFreshBudgetSpinsWithinItsBounds() {
        long budget = new SpinBudget().next(true);
        assertThat(budget).isBetween(SpinBudget.MIN_NANOS, SpinBudget.MAX_NANOS);
    }

    @Test
    void neverSpinsWhenSpinningIsNotAllowed() {
        SpinBudget budget = new SpinBudget();
        budget.waited(10 * MICROS);
        assertThat(budget.next(false)).isZero();
    }

    @Test
    void shortWaitsKeepItSpinningForAboutTwiceTheirLength() {
        SpinBudget budget = new SpinBudget();
        for (int i = 0; i < 100; i++) {
            budget.waited(20 * MICROS);
        }
        assertThat(budget.next(true)).isBetween(38 * MICROS, 42 * MICROS);
        for (int i = 0; i < 100; i++) {
            budget.waited(MICROS);
        }
        assertThat(budget.next(true)).isEqualTo(SpinBudget.MIN_NANOS);
    }

    @Test
    void aPingPongSpinsOnThroughOneHiccupAndStopsWhenItGoesIdle() {
        SpinBudget budget = new SpinBudget();
        for (int i = 0; i < 100; i++) {
            budget.waited(15 * MICROS);
        }
        budget.waited(60_000_000_000L); // a long wait counts as the cap only: an idle minute is one long wait
        assertThat(budget.next(true)).isPositive();
        budget.waited(60_000_000_000L);
        assertThat(budget.next(true)).isZero();
    }

    @Test
    void parkedButShortWaitsBringSpinningBack() {
        SpinBudget budget = new SpinBudget();
        for (int i = 0; i < 50; i++) {
            budget.waited(SpinBudget.SAMPLE_CAP_NANOS);
        }
        assertThat(budget.next(true)).isZero();
        // A ping-pong that parks on both sides: each wait is a round trip with its wake-ups, ~90 µs here.
        int waits = 0;
        while (budget.next(true) == 0) {
            budget.waited(90 * MICROS);
            waits++;
            assertThat(waits).as("waits until it spins again").isLessThan(30);
        }
        assertThat(budget.next(true)).isEqualTo(SpinBudget.MAX_NANOS);
    }

    @Test
    void spinReturnsWhatThePollGives() throws Exception {
        SpinBudget budget = new SpinBudget();
        AtomicInteger polls = new AtomicInteger();
        String found = budget.spin(() -> polls.incrementAndGet() > 0 ? "here" : null);
        if (budget.next() == 0) {
            assertThat(found).isNull(); // spinning is off on this machine right now (one CPU, or overloaded)
            assertThat(polls).hasValue(0);
        } else {
            assertThat(found).isEqualTo("here");
            assertThat(polls).hasValue(1);
        }
    }

    @Test
    void spinGivesUpWithinItsBudgetAndPassesOnWhatThePollThrows() throws Exception {
        SpinBudget budget = new SpinBudget();
        for (int i = 0; i < 100; i++) {
            budget.waited(MICROS);
        }
        assertThat(budget.<String, RuntimeException>spin(() -> null)).isNull();
        if (budget.next() > 0) {
            assertThatThrownBy(() -> budget.spin(() -> {
                throw new EOFException("gone");
            })).isInstanceOf(EOFException.class).hasMessage("gone");
        }
    }

    @Test
    void aYieldingSpin_seesWhatAnotherThreadSets_andGivesUpWithinItsBudget() throws Exception {
        // What it sees, not how fast: the latency is measured by the benchmark (rows 2a and 2b).
        SpinBudget budget = SpinBudget.yielding();
        java.util.concurrent.atomic.AtomicBoolean set = new java.util.concurrent.atomic.AtomicBoolean();
        Thread setter = Thread.ofPlatform().start(() -> set.set(true));
        String found = null;
        while (found == null) {
            found = budget.spin(() -> set.get() ? "set" : null);
            if (found == null && budget.next() == 0) {
                setter.join();
                found = set.get() ? "set" : null;
            }
        }
        setter.join();
        assertThat(found).isEqualTo("set");
        assertThat(budget.<String, RuntimeException>spin(() -> null)).as("gives up within its budget").isNull();
    }
}
