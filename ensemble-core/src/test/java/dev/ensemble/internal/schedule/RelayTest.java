package dev.ensemble.internal.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ensemble.Task;
import dev.ensemble.TaskFailedException;
import dev.ensemble.WorkerDiedException;
import dev.ensemble.internal.worker.ChunkResult;
import dev.ensemble.internal.worker.ChunkRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

/**
 * Relay calls ({@link Scheduler#openRelay}): a scheduler that only carries chunks made elsewhere to a backend,
 * passing what becomes of each back untouched, as a cluster member does for its worker JVMs.
 */
class RelayTest {
    private static final Task<Object, Object> PLUS_ONE = x -> (Integer) x + 1;

    /** What the relay heard, in order. */
    private static final class Heard implements Relay {
        final List<String> events = new ArrayList<>();

        @Override
        public synchronized void completed(Chunk chunk, ChunkResult result) {
            events.add("completed " + chunk.firstIndex() + " " + result.processed());
        }

        @Override
        public synchronized void lost(Chunk chunk, ChunkResult partial, int failedOffset, TaskFailedException error,
                Loss loss) {
            events.add("lost " + chunk.firstIndex() + " at " + failedOffset + " retryable " + (loss == Loss.RETRYABLE));
        }
    }

    private static List<Object> inputs(int... values) {
        List<Object> list = new ArrayList<>();
        for (int v : values) {
            list.add(v);
        }
        return list;
    }

    @Test
    void aRelayedChunk_goesToItsSlotOnly_andItsResultToTheRelay() throws Exception {
        Scheduler scheduler = new Scheduler("member", 3, null, 0);
        Heard heard = new Heard();
        Call<Void> call = scheduler.openRelay("call 7", PLUS_ONE, Call.OnFailure.FAIL_FAST, heard);
        Chunk chunk = scheduler.relay(call, 2, 40, inputs(1, 2, 3), Chunk.Timing.EACH_TASK);
        assertThat(chunk.firstIndex()).isEqualTo(40);
        assertThat(chunk.targetSlot()).isEqualTo(2);
        assertThat(scheduler.poll(0, Integer.MAX_VALUE)).isNull();
        assertThat(scheduler.take(2, Integer.MAX_VALUE)).isSameAs(chunk);
        ChunkResult result = new ChunkRunner(chunk.task(), chunk.inputs(), chunk.keepGoing()).run(0, () -> false);
        scheduler.completed(2, chunk, result);
        assertThat(heard.events).containsExactly("completed 40 3");
        assertThat(result.values()).containsExactly(2, 3, 4);
        assertThat(call.future()).isNotDone(); // open until cancelled
    }

    @Test
    void aLostChunk_isPassedOnWithItsRetryableFlag_whateverThisSchedulersRetries() {
        Scheduler scheduler = new Scheduler("member", 1, null, 0);
        Heard heard = new Heard();
        Call<Void> call = scheduler.openRelay("call 1", PLUS_ONE, Call.OnFailure.FAIL_FAST, heard);
        Chunk first = scheduler.relay(call, 0, 0, inputs(1, 2), Chunk.Timing.EACH_TASK);
        Chunk second = scheduler.relay(call, 0, 2, inputs(3), Chunk.Timing.EACH_TASK);
        WorkerDiedException died = new WorkerDiedException("died", 0, 1, "2", "signal 9 (KILL)", List.of());
        scheduler.lost(0, scheduler.poll(0, 1), null, 1, died, Loss.RETRYABLE);
        scheduler.lost(0, scheduler.poll(0, 1), null, -1, died, Loss.FINAL);
        assertThat(heard.events).containsExactly("lost 0 at 1 retryable true", "lost 2 at -1 retryable false");
        assertThat(first).isNotSameAs(second);
        assertThat(scheduler.poll(0, 1)).isNull(); // nothing is run again here
    }

    @Test
    void cancellingTheRelayCall_settlesItsQueuedChunksAsNotRun_andRefusesMore() {
        Scheduler scheduler = new Scheduler("member", 1, null, 0);
        Heard heard = new Heard();
        Call<Void> call = scheduler.openRelay("call 1", PLUS_ONE, Call.OnFailure.FAIL_FAST, heard);
        Chunk queued = scheduler.relay(call, 0, 5, inputs(1), Chunk.Timing.EACH_TASK);
        assertThat(queued.isCancelled()).isFalse();
        scheduler.cancel(call, new CancellationException("cancelled by the pool"));
        assertThat(queued.isCancelled()).isTrue(); // a worker process hears of it and skips the chunk
        assertThat(scheduler.poll(0, 1)).isNull();
        assertThat(heard.events).containsExactly("completed 5 0");
        assertThat(call.future()).isCompletedExceptionally();
        assertThatThrownBy(() -> scheduler.relay(call, 0, 6, inputs(2), Chunk.Timing.EACH_TASK)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aClosingScheduler_letsItsWorkersGo_onceTheRelayCallsAreCancelled() throws Exception {
        Scheduler scheduler = new Scheduler("member", 1, null, 0);
        Call<Void> call = scheduler.openRelay("call 1", PLUS_ONE, Call.OnFailure.FAIL_FAST, new Heard());
        scheduler.close();
        assertThat(scheduler.liveCalls()).containsExactly(call); // take would wait: the worker stays
        scheduler.cancel(call, new CancellationException("stopping"));
        assertThat(scheduler.take(0, 1)).isNull();
    }

    @Test
    void terminating_failsTheRelayCallsFuture() {
        Scheduler scheduler = new Scheduler("member", 1, null, 0);
        Call<Void> call = scheduler.openRelay("call 1", PLUS_ONE, Call.OnFailure.FAIL_FAST, new Heard());
        scheduler.relay(call, 0, 0, inputs(1), Chunk.Timing.EACH_TASK);
        scheduler.terminate();
        assertThat(call.future()).isCompletedExceptionally();
        assertThatThrownBy(() -> scheduler.relay(call, 0, 1, inputs(2), Chunk.Timing.EACH_TASK)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> scheduler.openRelay("call 2", PLUS_ONE, Call.OnFailure.FAIL_FAST, new Heard()))
                .isInstanceOf(IllegalStateException.class);
    }
}
