package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The contract on worker processes; the faults only processes have are in {@link ProcessFaultsTest}. */
class ProcessesTest extends WorkerPoolContract {
    @Override
    protected WorkerPool.Builder builder() {
        return WorkerPool.builder().processes();
    }

    @Override
    protected boolean isInProcess() {
        return false;
    }

    @Test
    void aTaskThatCapturesItsPool_isRefusedWithAClearMessage() {
        WorkerPool pool = pool(1);
        assertThatThrownBy(() -> pool.map(range(2), x -> pool.map(range(2), y -> y).size()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("captures a pool")
                .hasMessageContaining("WorkerPool.threads(n)").hasMessageNotContaining("PoolImpl")
                .hasMessageNotContaining("allow list");
        assertThat(pool.map(List.of(1, 2), x -> x)).containsExactly(1, 2);
    }

    @Test
    void anEnsembleThatCapturesItself_isRefusedWithAClearMessage() {
        try (Ensemble<StringBuilder> models = Ensemble.processes(1, StringBuilder::new)) {
            assertThatThrownBy(() -> models.broadcast(m -> models.broadcast(StringBuilder::length).size()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("captures a pool")
                    .hasMessageNotContaining("EnsembleImpl");
        }
    }

    @Test
    void stream_ofLargeResults_andASlowReader_staysWithinItsByteBound() throws Exception {
        WorkerPool pool = pool(2);
        String started = temp.resolve("started").toString();
        Files.createDirectory(Path.of(started));
        int mib = 1 << 20;
        CallOptions options = CallOptions.defaults().chunkSize(1).maxChunksInFlight(100).maxBytesInFlight(4L * mib);
        int maxAhead = 0;
        try (Stream<byte[]> results = pool.stream(range(40), x -> {
            Files.createFile(Path.of(started, "task-" + x));
            return new byte[mib];
        }, options)) {
            Iterator<byte[]> it = results.iterator();
            for (int read = 1; read <= 40; read++) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // a slow reader, not a wait for anything
                assertThat(it.next()).hasSize(mib);
                try (Stream<Path> files = Files.list(Path.of(started))) {
                    maxAhead = Math.max(maxAhead, (int) files.count() - read);
                }
            }
        }
        // Under 4 results of 1 MiB unread, plus the chunks each worker already had in flight (up to 4 each) when the
        // bound was reached; without the bound, 27 ran ahead here.
        assertThat(maxAhead).isLessThanOrEqualTo(16);
    }

    @Test
    void asExecutorService_refusesATaskThatCannotBeSent_withTheReason() {
        java.util.concurrent.ExecutorService executor = pool(1).asExecutorService();
        assertThatThrownBy(() -> java.util.concurrent.CompletableFuture.supplyAsync(() -> 5, executor))
                .isInstanceOf(java.util.concurrent.RejectedExecutionException.class)
                .hasMessageContaining("cannot be sent");
    }

    /** The CPUs this process may run on, as Linux lists them ("0", "0-1"). */
    static String allowedCpus() throws java.io.IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Cpus_allowed_list:"))
                .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElseThrow();
    }

    @Test
    void cpus_pinEachWorkerProcess_asMpireCpuIds() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/taskset"))
                && Files.exists(Path.of("/proc/self/status")), "needs Linux with taskset");
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2,
                "needs two CPUs");
        WorkerPool pinned = track(builder().workers(2).cpus(0, 1).build());
        assertThat(pinned.broadcast(ProcessesTest::allowedCpus)).containsExactly("0", "1");
        assertThat(pinned.broadcast(() -> Runtime.getRuntime().availableProcessors())).containsOnly(1);
        WorkerPool shared = track(builder().workers(2).cpuSets(List.of(java.util.Set.of(0, 1))).build());
        assertThat(shared.broadcast(ProcessesTest::allowedCpus)).containsOnly("0-1");
        assertThatThrownBy(() -> WorkerPool.builder().threads().cpus(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only to process workers");
    }
}
