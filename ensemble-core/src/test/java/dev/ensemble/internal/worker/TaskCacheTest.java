package dev.ensemble.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The task cache of both ends of a link: bounded, in order of use, and a sender's record that stays exact. */
class TaskCacheTest {

    @Test
    void keepsTheMostRecentlyUsedCalls_upToItsCapacity() {
        TaskCache<String> cache = new TaskCache<>(2);
        cache.put(1, "a");
        cache.put(2, "b");
        assertThat(cache.get(1)).isEqualTo("a"); // 1 is now the most recently used
        cache.put(3, "c");

        assertThat(cache.get(2)).isNull();
        assertThat(cache.get(1)).isEqualTo("a");
        assertThat(cache.get(3)).isEqualTo("c");
        cache.remove(1);
        assertThat(cache.get(1)).isNull();
        cache.clear();
        assertThat(cache.get(3)).isNull();
    }

    /**
     * The process protocol: the pool records a call when a chunk carries its task and touches the record for every
     * chunk; the worker keeps the task it receives and touches it for every chunk it reads. Any sequence of chunks
     * leaves both ends with the same calls, so a chunk never arrives without a task the worker dropped.
     */
    @Test
    void aSendersRecord_matchesWhatTheReceiverKeeps_forAnySequenceOfChunks() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            int capacity = 1 + random.nextInt(6);
            TaskCache<Boolean> record = new TaskCache<>(capacity);
            TaskCache<String> worker = new TaskCache<>(capacity);
            List<Long> sent = new ArrayList<>();
            for (int chunk = 0; chunk < 100; chunk++) {
                long call = random.nextInt(12);
                boolean carriesTask = record.get(call) == null;
                if (carriesTask) {
                    record.put(call, Boolean.TRUE);
                    worker.put(call, "task " + call);
                } else {
                    assertThat(worker.get(call)).as("the worker keeps the task of call %d", call)
                            .isEqualTo("task " + call);
                }
                sent.add(call);
            }
            for (long call = 0; call < 12; call++) {
                assertThat(record.get(call) != null).as("call %d after %s", call, sent)
                        .isEqualTo(worker.get(call) != null);
            }
        }
    }

    @Test
    void computeIfAbsent_makesTheValueOutsideTheLock() throws Exception {
        TaskCache<String> cache = new TaskCache<>(4);
        cache.put(1, "kept");
        CountDownLatch making = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> made = CompletableFuture.supplyAsync(() -> cache.computeIfAbsent(2, id -> {
            making.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "made " + id;
        }));
        assertThat(making.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(cache.get(1)).as("read while another thread makes a value").isEqualTo("kept");
        release.countDown();
        assertThat(made.get(10, TimeUnit.SECONDS)).isEqualTo("made 2");
        assertThat(cache.computeIfAbsent(2, id -> "again")).isEqualTo("made 2");
    }
}
