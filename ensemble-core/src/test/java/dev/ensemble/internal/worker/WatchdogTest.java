package dev.ensemble.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

class WatchdogTest {
    private static final long MS = 1_000_000L;

    @Test
    void noThreadRuns_untilATimeoutIsCovered() throws Exception {
        AtomicInteger looks = new AtomicInteger();
        Watchdog watchdog = new Watchdog("test-watchdog-idle", round(t -> MS, (now, freezes) -> looks.incrementAndGet()));
        try {
            assertThat(threadNamed("test-watchdog-idle")).isFalse();
            CountDownLatch looked = new CountDownLatch(3);
            Watchdog covered = new Watchdog("test-watchdog-covered", round(t -> MS, (now, freezes) -> looked.countDown()));
            covered.cover(4 * MS);
            assertThat(looked.await(10, TimeUnit.SECONDS)).isTrue();
            covered.stop();
            assertThat(looks).hasValue(0);
        } finally {
            watchdog.stop();
        }
    }

    @Test
    void ticksForTheShortestTimeoutCovered() throws Exception {
        AtomicLong askedFor = new AtomicLong();
        CountDownLatch shorter = new CountDownLatch(1);
        Watchdog watchdog = new Watchdog("test-watchdog-tick", round(timeout -> {
            askedFor.set(timeout);
            return MS;
        }, (now, freezes) -> {
            if (askedFor.get() == 40 * MS) {
                shorter.countDown();
            }
        }));
        try {
            watchdog.cover(400 * MS);
            watchdog.cover(40 * MS);
            watchdog.cover(4_000 * MS); // longer: changes nothing
            assertThat(shorter.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            watchdog.stop();
        }
    }

    @Test
    void aRoundThatThrows_doesNotEndTheWatchdog() throws Exception {
        CountDownLatch later = new CountDownLatch(2);
        Watchdog watchdog = new Watchdog("test-watchdog-throws", round(t -> MS, (now, freezes) -> {
            later.countDown();
            throw new IllegalStateException("a look failed (expected by the test)");
        }));
        try {
            watchdog.cover(MS);
            assertThat(later.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            watchdog.stop();
        }
    }

    @Test
    void stop_endsTheThread_andItNeverStartsAgain() throws Exception {
        CountDownLatch looked = new CountDownLatch(1);
        Watchdog watchdog = new Watchdog("test-watchdog-stop", round(t -> MS, (now, freezes) -> looked.countDown()));
        watchdog.cover(MS);
        assertThat(looked.await(10, TimeUnit.SECONDS)).isTrue();
        watchdog.stop();
        assertThat(threadNamed("test-watchdog-stop")).isFalse();
        watchdog.cover(MS / 2);
        assertThat(threadNamed("test-watchdog-stop")).isFalse();
    }

    private interface Look {
        void look(long now, FreezeClock freezes);
    }

    private static Watchdog.Round round(LongUnaryOperator tick, Look look) {
        return new Watchdog.Round() {
            @Override
            public long tickNanos(long shortestTimeoutNanos) {
                return tick.applyAsLong(shortestTimeoutNanos);
            }

            @Override
            public void look(long now, FreezeClock freezes) {
                look.look(now, freezes);
            }
        };
    }

    private static boolean threadNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }
}
