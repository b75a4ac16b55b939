package dev.ensemble.internal.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ensemble.TaskFailedException;
import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.schedule.Loss;
import dev.ensemble.internal.schedule.TestCalls;
import dev.ensemble.internal.schedule.WorkSource;
import dev.ensemble.internal.schedule.WorkerStart;
import dev.ensemble.internal.worker.ChunkResult;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one slot loop, driven on the test's thread with a scripted source and worker: which of take and poll it
 * uses, what it gives back, when it recycles and finishes, and how an interrupt ends it.
 */
class SlotDriverTest {

    private static Chunk chunk(long call, int size) {
        List<Object> inputs = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            inputs.add(i);
        }
        return Chunk.of(TestCalls.of(call, x -> x), 0, inputs, Chunk.Timing.CHUNK);
    }

    /** Chunks to hand out, and a log of what the driver asked of it. */
    private static final class Source implements WorkSource {
        final ArrayDeque<Object> takes = new ArrayDeque<>(); // a Chunk, or an InterruptedException to throw
        final ArrayDeque<Chunk> polls = new ArrayDeque<>();
        final List<String> log;
        IdleSlots idle; // logged at each take, if set

        Source(List<String> log) {
            this.log = log;
        }

        @Override
        public Chunk take(int slot, int limit) throws InterruptedException {
            Object next = takes.poll();
            log.add("take(" + limit + ")" + (idle == null ? "" : " with " + idle.count() + " idle"));
            if (next instanceof InterruptedException e) {
                throw e;
            }
            return (Chunk) next;
        }

        @Override
        public Chunk poll(int slot, int limit) {
            log.add("poll(" + limit + ")");
            return polls.poll();
        }

        @Override
        public boolean workWaiting() {
            return !takes.isEmpty();
        }

        @Override
        public void completed(int slot, Chunk chunk, ChunkResult result) {
            throw new AssertionError("the driver reports nothing itself but returned chunks");
        }

        @Override
        public void lost(int slot, Chunk chunk, ChunkResult partial, int failedOffset, TaskFailedException error,
                Loss loss) {
            throw new AssertionError("the driver reports nothing itself but returned chunks");
        }

        @Override
        public void returned(int slot, Chunk chunk) {
            log.add("returned " + chunk.callId());
        }

        @Override
        public void workerStarted(int slot, long startingNanos, long hookNanos, WorkerStart start) {
        }

        @Override
        public void workerExited(int slot, long hookNanos) {
        }

        @Override
        public boolean needsWorkers() {
            return true;
        }

        @Override
        public void terminate(RuntimeException reason) {
        }
    }

    /**
     * A worker that holds what it is given until it is asked to wait for an answer (one answer each time), with a
     * lifespan of {@code room} tasks that recycling renews.
     */
    private static final class Worker implements SlotDriver.Worker {
        final List<String> log;
        final int depth;
        final int lifespan;
        int room;
        int held;
        boolean refuse;
        boolean mayPipeline = true;
        boolean stopping;
        int interruptsBeforeStopping = Integer.MAX_VALUE; // interrupts taken as wake-ups, then the slot stops
        boolean interruptGive;
        int endAfterRooms = Integer.MAX_VALUE;

        Worker(List<String> log, int depth, int lifespan) {
            this.log = log;
            this.depth = depth;
            this.lifespan = lifespan;
            this.room = lifespan;
        }

        @Override
        public int awaitRoom() {
            if (endAfterRooms-- <= 0) {
                log.add("no worker");
                return -1;
            }
            while (held >= depth) {
                awaitAnswer();
            }
            return held;
        }

        @Override
        public int room() {
            return room;
        }

        @Override
        public void awaitAnswer() {
            log.add("answer");
            held--;
        }

        @Override
        public boolean mayPipeline() {
            return mayPipeline;
        }

        @Override
        public boolean give(Chunk chunk) throws InterruptedException {
            if (interruptGive) {
                interruptGive = false;
                throw new InterruptedException();
            }
            if (refuse || chunk.size() > room) {
                log.add("refused " + chunk.callId());
                return false;
            }
            log.add("gave " + chunk.callId());
            if (lifespan != Integer.MAX_VALUE) {
                room -= chunk.size();
            }
            held++;
            return true;
        }

        @Override
        public void recycle() {
            log.add("recycle");
            room = lifespan;
        }

        @Override
        public void finish() {
            log.add("finish");
        }

        @Override
        public void idle(boolean waiting) {
            log.add(waiting ? "idle" : "busy");
        }

        @Override
        public boolean stopping() {
            return stopping || interruptsBeforeStopping-- <= 0;
        }
    }

    @Test
    void theSlot_countsAsIdleWhileItWaitsInTake_evenWhenTheWaitIsInterrupted() {
        List<String> log = new ArrayList<>();
        Source source = new Source(log);
        IdleSlots idle = new IdleSlots();
        source.idle = idle;
        Worker worker = new Worker(log, 1, Integer.MAX_VALUE);
        worker.interruptsBeforeStopping = 1; // the first interrupt is a wake-up
        source.takes.add(new InterruptedException());
        source.takes.add(chunk(1, 1));

        SlotDriver.run(source, 0, worker, null, idle);

        assertThat(log).containsExactly("idle", "take(" + Integer.MAX_VALUE + ") with 1 idle", "busy", "idle",
                "take(" + Integer.MAX_VALUE + ") with 1 idle", "busy", "gave 1", "answer", "idle",
                "take(" + Integer.MAX_VALUE + ") with 1 idle", "busy", "finish");
        assertThat(idle.count()).as("after the loop").isZero();
    }

    @Test
    void aWorkerThatHoldsNothing_takes_andFinishesWhenNoMoreWorkComes() {
        List<String> log = new ArrayList<>();
        Source source = new Source(log);
        Worker worker = new Worker(log, 1, Integer.MAX_VALUE);
        source.takes.add(chunk(1, 2));

        SlotDriver.run(source, 0, worker, null, null);

        assertThat(log).containsExactly("idle", "take(" + Integer.MAX_VALUE + ")", "busy", "gave 1",
                "answer", "idle", "take(" + Integer.MAX_VALUE + ")", "busy", "finish");
    }

    @Test
    void aWorkerWithRoomInItsPipeline_polls_andWaitsForAnAnswerWhenThereIsNothing() {
        List<String> log = new ArrayList<>();
        Source source = new Source(log);
        Worker worker = new Worker(log, 2, 100);
        source.takes.add(chunk(1, 1));
        source.polls.add(chunk(2, 1));

        SlotDriver.run(source, 0, worker, null, null);

        assertThat(log).containsExactly("idle", "take(100)", "busy", "gave 1", "poll(99)", "gave 2",
                "answer", "poll(98)", "answer", "idle", "take(98)", "busy", "finish");
    }

    @Test
    void aWorkerThatMayNotPipeline_waitsForItsAnswerInsteadOfPolling() {
        List<String> log = new ArrayList<>();
        Source source = new Source(log);
        Worker worker = new Worker(log, 2, 100);
        worker.mayPipeline = false;
        source.takes.add(chunk(1, 1));
        source.polls.add(chunk(2, 1));

        SlotDriver.run(source, 0, worker, null, null);

        assertThat(log).containsExactly("idle", "take(100)", "busy", "gave 1", "answer", "idle", "take(99)", "busy",
                "finish");
        assertThat(source.polls).hasSize(1);
    }

    @Test
    void aChunkTheWorkerRefuses_goesBackToTheSource() {
        List<String> log = new ArrayList<>();
        Source source = new Source(log);
        Worker worker = new Worker(log, 1, 100);
        worker.refuse = true;
        source.takes.add(chunk(7, 1));

        SlotDriver.run(source, 0, worker, null, null);

        assertThat(log).containsExactly("idle", "take(100)", "busy", "refused 7", "returned 7", "idle", "take(100)",
                "busy", "finish");
    }

    @Test
    void aDueWorker_finishesWhatItHolds_thenIsRecycled_beforeItTakesMore() {
        List<String> log = new ArrayList<>();
        Source source = new Source(log);
        Worker worker = new Worker(log, 2, 3);
        source.takes.add(chunk(1, 2));
        source.polls.add(chunk(2, 1));
        source.takes.add(chunk(3, 1));

        SlotDriver.run(source, 0, worker, null, null);

        assertThat(log).containsExactly("idle", "take(3)", "busy", "gave 1", "poll(1)", "gave 2",
                "answer", "answer", "recycle", "idle", "take(3)", "busy", "gave 3", "poll(2)", "answer", "idle",
                "take(2)", "busy", "finish");
    }

    @Test
    void anInterruptedTake_isAWakeUp_unlessTheSlotIsStopping() {
        List<String> log = new ArrayList<>();
        Source source = new Source(log);
        source.takes.add(new InterruptedException());
        source.takes.add(chunk(1, 1));
        source.takes.add(new InterruptedException());

        Worker worker = new Worker(log, 1, 100);
        worker.interruptsBeforeStopping = 1; // the second interrupt comes as the pool stops

        SlotDriver.run(source, 0, worker, null, null);

        assertThat(log).containsExactly("idle", "take(100)", "busy", "idle", "take(100)", "busy", "gave 1",
                "answer", "idle", "take(99)", "busy");
    }

    @Test
    void aChunkWhoseGiveIsInterrupted_goesBackToTheSource() {
        List<String> log = new ArrayList<>();
        Source source = new Source(log);
        Worker worker = new Worker(log, 1, 100);
        worker.interruptGive = true;
        worker.stopping = true;
        source.takes.add(chunk(4, 1));

        SlotDriver.run(source, 0, worker, null, null);

        assertThat(log).containsExactly("idle", "take(100)", "busy", "returned 4");
    }

    @Test
    void aSlotWithoutAWorker_endsWithoutFinishing() {
        List<String> log = new ArrayList<>();
        Source source = new Source(log);
        Worker worker = new Worker(log, 1, 100);
        worker.endAfterRooms = 1;
        source.takes.add(chunk(1, 1));
        source.takes.add(chunk(2, 1));

        SlotDriver.run(source, 0, worker, null, null);

        assertThat(log).containsExactly("idle", "take(100)", "busy", "gave 1", "no worker");
        assertThat(source.takes).hasSize(1);
    }
}
