package dev.ensemble.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ensemble.LeakCheck;
import dev.ensemble.TaskFailedException;
import dev.ensemble.WorkerDiedException;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.internal.schedule.CallRef;
import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.schedule.Loss;
import dev.ensemble.internal.schedule.TestCalls;
import dev.ensemble.internal.schedule.WorkSource;
import dev.ensemble.internal.schedule.WorkerStart;
import dev.ensemble.internal.worker.ChunkResult;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The process backend driven by a {@link WorkSource} that is not a scheduler, as a cluster member drives the
 * worker JVM of the one slot it hosts ({@link ProcessBackend#forOneSlot}): every chunk it takes gets exactly one
 * report, a dead worker JVM is replaced and the chunks queued behind its lost one run on the replacement.
 */
@ExtendWith(LeakCheck.class)
class OneSlotBackendTest {
    private static final long PATIENCE_SECONDS = 60;

    /** A queue of ready-made chunks, and what the backend reported of each. */
    private static final class Source implements WorkSource {
        final ArrayDeque<Chunk> queue = new ArrayDeque<>(); // guarded by this
        boolean closed;                                      // guarded by this
        final Map<Chunk, CompletableFuture<String>> reports = new ConcurrentHashMap<>();
        final List<WorkerStart> starts = new CopyOnWriteArrayList<>();
        final CompletableFuture<Integer> exited = new CompletableFuture<>();

        CompletableFuture<String> add(Chunk chunk) {
            CompletableFuture<String> report = reports.computeIfAbsent(chunk, c -> new CompletableFuture<>());
            synchronized (this) {
                queue.add(chunk);
                notifyAll();
            }
            return report;
        }

        synchronized void close() {
            closed = true;
            notifyAll();
        }

        @Override
        public synchronized Chunk take(int slot, int limit) throws InterruptedException {
            while (queue.isEmpty() && !closed) {
                wait();
            }
            return closed ? null : queue.poll();
        }

        @Override
        public synchronized Chunk poll(int slot, int limit) {
            return closed ? null : queue.poll();
        }

        @Override
        public synchronized boolean workWaiting() {
            return !queue.isEmpty();
        }

        @Override
        public void completed(int slot, Chunk chunk, ChunkResult result) {
            report(chunk, "completed on " + slot + ": " + List.of(result.values()).subList(0, result.processed()));
        }

        @Override
        public void lost(int slot, Chunk chunk, ChunkResult partial, int failedOffset, TaskFailedException error,
                Loss loss) {
            // The results sent before the death (partial) depend on output batching; the blamed offset does not.
            report(chunk, "lost on " + slot + " at offset " + failedOffset + ", " + loss + ", "
                    + (error instanceof WorkerDiedException ? "died" : String.valueOf(error)));
        }

        @Override
        public synchronized void returned(int slot, Chunk chunk) {
            queue.addFirst(chunk);
            notifyAll();
        }

        @Override
        public void workerStarted(int slot, long startingNanos, long hookNanos, WorkerStart start) {
            starts.add(start);
        }

        @Override
        public void workerExited(int slot, long hookNanos) {
            exited.complete(slot);
        }

        @Override
        public synchronized boolean needsWorkers() {
            return !closed;
        }

        @Override
        public void terminate(RuntimeException reason) {
            close();
        }

        private void report(Chunk chunk, String what) {
            reports.computeIfAbsent(chunk, c -> new CompletableFuture<>()).complete(what);
        }
    }

    private static ProcessBackend oneSlot(int slot) {
        PoolConfig config = new PoolConfig("one-slot", PoolConfig.Kind.PROCESSES, 3, null, null, null, null, null,
                0, 0, false, List.of("-Xmx64m"), Duration.ZERO, PoolConfig.DEFAULT_EXIT_GRACE_PERIOD, null,
                PoolConfig.DEFAULT_EXIT_HOOK_TIMEOUT, List.of(), null);
        return ProcessBackend.forOneSlot(config, slot);
    }

    private static Chunk chunk(CallRef call, long firstIndex, Object... inputs) {
        return Chunk.of(call, firstIndex, new ArrayList<>(List.of(inputs)), Chunk.Timing.EACH_TASK);
    }

    private static String reportOf(CompletableFuture<String> report) throws Exception {
        return report.get(PATIENCE_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void chunksFromTheSource_runOnTheHostedSlot_andEachIsReportedOnce() throws Exception {
        Source source = new Source();
        ProcessBackend backend = oneSlot(2);
        backend.start(source);
        try {
            CallRef call = TestCalls.of(7, x -> (Integer) x + 1);
            CompletableFuture<String> first = source.add(chunk(call, 40, 1, 2, 3));
            CompletableFuture<String> second = source.add(chunk(call, 43, 10));
            assertThat(reportOf(first)).isEqualTo("completed on 2: [2, 3, 4]");
            assertThat(reportOf(second)).isEqualTo("completed on 2: [11]");
            assertThat(source.starts).containsExactly(WorkerStart.FIRST);
        } finally {
            source.close();
            backend.awaitExit();
        }
        assertThat(source.exited.get(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo(2);
    }

    @Test
    void aWorkerJvmThatDies_isReportedLostAtItsTask_andReplaced_forTheChunksQueuedBehind() throws Exception {
        Source source = new Source();
        ProcessBackend backend = oneSlot(0);
        backend.start(source);
        try {
            CallRef dies = TestCalls.of(1, x -> {
                if ((Integer) x == 2) {
                    Runtime.getRuntime().halt(3);
                }
                return x;
            });
            CompletableFuture<String> lost = source.add(chunk(dies, 0, 1, 2, 3));
            CompletableFuture<String> behind = source.add(chunk(TestCalls.of(2, x -> "ran " + x), 0, "after"));
            assertThat(reportOf(lost)).isEqualTo("lost on 0 at offset 1, RETRYABLE, died");
            assertThat(reportOf(behind)).isEqualTo("completed on 0: [ran after]");
            assertThat(source.starts).containsExactly(WorkerStart.FIRST, WorkerStart.REPLACEMENT);
        } finally {
            source.close();
            backend.awaitExit();
        }
    }
}
