package dev.ensemble.internal.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A call's end: settled once, waited for, followed. */
class CallEndTest {

    @Test
    void theFirstSettlingWins_andFollowersHearItOnce() throws Exception {
        CallEnd<Integer> end = new CallEnd<>();
        List<String> heard = new ArrayList<>();
        end.whenSettled((results, failure) -> heard.add("before " + results + " " + failure));
        end.settle(List.of(1, 2), null);
        end.settle(null, new IllegalStateException("late"));
        end.whenSettled((results, failure) -> heard.add("after " + results + " " + failure));

        assertThat(end.await()).containsExactly(1, 2);
        assertThat(end.isReleasable()).isTrue();
        assertThat(heard).containsExactly("before [1, 2] null", "after [1, 2] null");
    }

    @Test
    void aFailedEnd_throwsItsReasonItself() {
        CallEnd<Integer> end = new CallEnd<>();
        IllegalStateException reason = new IllegalStateException("task 3 failed");
        end.settle(null, reason);

        assertThatThrownBy(end::await).isSameAs(reason);
    }

    @Test
    void aWaiter_isWokenByTheSettlingThread() throws Exception {
        CallEnd<String> end = new CallEnd<>();
        AtomicReference<List<String>> got = new AtomicReference<>();
        CountDownLatch waiting = new CountDownLatch(1);
        Thread waiter = Thread.ofPlatform().start(() -> {
            waiting.countDown();
            try {
                got.set(end.await());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(waiting.await(5, TimeUnit.SECONDS)).isTrue();
        end.settle(List.of("done"), null);
        waiter.join(TimeUnit.SECONDS.toMillis(5));

        assertThat(got.get()).containsExactly("done");
    }

    @Test
    void anInterruptedWaiter_getsInterruptedException_andTheEndStaysOpen() {
        CallEnd<String> end = new CallEnd<>();
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(end::await).isInstanceOf(InterruptedException.class);
        } finally {
            Thread.interrupted();
        }
        assertThat(end.isReleasable()).isFalse();
    }
}
