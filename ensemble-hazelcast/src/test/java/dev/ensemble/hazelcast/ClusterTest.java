package dev.ensemble.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ensemble.CallOptions;
import dev.ensemble.FileLatch;
import dev.ensemble.Outcome;
import dev.ensemble.TaskFailedException;
import dev.ensemble.WorkerContext;
import dev.ensemble.WorkerDiedException;
import dev.ensemble.WorkerPool;
import dev.ensemble.WorkerPoolContract;
import dev.ensemble.hazelcast.internal.LoopbackCluster;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The contract on a cluster of two member JVMs on 127.0.0.1 (started once for the class), reached through a
 * Hazelcast client of the test JVM; plus what only clusters do.
 */
class ClusterTest extends WorkerPoolContract {
    @RegisterExtension
    static final ClassCluster CLUSTER = new ClassCluster(2, 2);

    @Override
    protected boolean collectsExitResults() {
        return false;
    }

    @Override
    protected WorkerPool.Builder builder() {
        return WorkerPool.builder().cluster(HazelcastBackend.of(CLUSTER.client()));
    }

    @Override
    protected boolean isInProcess() {
        return false;
    }

    @Test
    void theClientShuttingDownMidMap_endsTheCallClearly_andCloseReturns() throws Exception {
        com.hazelcast.core.HazelcastInstance client = CLUSTER.cluster().client();
        WorkerPool pool = WorkerPool.builder().cluster(HazelcastBackend.of(client)).workers(2).build();
        try {
            FileLatch started = FileLatch.create(temp, 1);
            CompletableFuture<List<Integer>> running = pool.mapAsync(java.util.stream.IntStream.range(0, 200).boxed().toList(), x -> {
                started.countDown("task-" + x);
                Thread.sleep(50);
                return x;
            }, CallOptions.defaults().chunkSize(1));
            started.await(PATIENCE);
            client.shutdown();
            assertThatThrownBy(() -> running.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).cause()
                    .hasMessageContaining("shut down");
        } finally {
            CompletableFuture.runAsync(pool::close).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        }
    }

    @Test
    void workersPerMember_putsThatManyWorkersOnEachMember() {
        WorkerPool pool = track(WorkerPool.builder().cluster(HazelcastBackend.of(CLUSTER.client()).workersPerMember(2)).build());
        assertThat(pool.size()).isEqualTo(4);
        List<Long> pids = pool.broadcast(() -> ProcessHandle.current().pid());
        assertThat(new HashSet<>(pids)).hasSize(2).doesNotContain(ProcessHandle.current().pid());
        assertThat(pool.toString()).contains("4 cluster");
    }

    @Test
    void workersSpreadOverTheMembers_roundRobin() {
        List<Long> pids = pool(4).broadcast(() -> ProcessHandle.current().pid());
        assertThat(pids.get(0)).isEqualTo(pids.get(2)).isNotEqualTo(pids.get(1));
        assertThat(pids.get(1)).isEqualTo(pids.get(3));
    }

    @Test
    void defaultSize_isTheMembersProcessorCounts() {
        WorkerPool pool = track(builder().build());
        int perMember = pool.apply(() -> Runtime.getRuntime().availableProcessors());
        assertThat(pool.size()).isEqualTo(2 * perMember);
    }

    @Test
    void workersAndWorkersPerMember_together_areRefused() {
        assertThatThrownBy(() -> WorkerPool.builder().cluster(HazelcastBackend.of(CLUSTER.client()).workersPerMember(1))
                .workers(3).build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not both");
    }

    @Test
    void backendOptions_areCheckedAndSetOnce() {
        assertThatThrownBy(() -> HazelcastBackend.of(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HazelcastBackend.of(CLUSTER.client()).workersPerMember(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1, got 0");
        assertThatThrownBy(() -> HazelcastBackend.of(CLUSTER.client()).workersPerMember(2).workersPerMember(3))
                .isInstanceOf(IllegalStateException.class).hasMessage("workersPerMember was already set to 2");
    }

    @Test
    void context_onAMember_saysItsSlot() {
        assertThat(pool(3).broadcast(() -> WorkerContext.current().workerId() + "/"
                + WorkerContext.current().workerCount())).containsExactly("0/3", "1/3", "2/3");
    }

    // ---------------------------------------------------------------- membership

    /**
     * Starts a third member (the victim), builds a pool with one worker on each of the three members, and runs
     * a map whose first three tasks (one per worker) wait for a gate; kills the victim with SIGKILL once they
     * all run, then opens the gate.
     */
    private CompletableFuture<List<Outcome<Long>>> mapWhileAMemberIsKilled(int reservedPort, int retries)
            throws Exception {
        Process victim = CLUSTER.cluster().addMember(reservedPort);
        LoopbackCluster.awaitMembers(CLUSTER.client(), 3, PATIENCE);
        WorkerPool pool = track(WorkerPool.builder().cluster(HazelcastBackend.of(CLUSTER.client()).workersPerMember(1))
                .retries(retries).build());
        assertThat(pool.size()).isEqualTo(3);
        FileLatch running = FileLatch.create(temp, 3);
        FileLatch gate = FileLatch.create(temp, 1);
        CompletableFuture<List<Outcome<Long>>> outcomes = CompletableFuture.supplyAsync(() -> pool.mapOutcomes(
                List.of(0L, 1L, 2L, 3L, 4L, 5L), x -> {
                    if (x < 3) {
                        running.countDown("task-" + x);
                        gate.await(PATIENCE);
                    }
                    return x * 10;
                }, CallOptions.defaults().chunkSize(1)));
        running.await(PATIENCE);
        victim.destroyForcibly(); // SIGKILL: the member gets no chance to say goodbye
        assertThat(victim.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        gate.countDown("open");
        // the pool stays usable with its workers moved to the surviving members
        outcomes.get(PATIENCE.toSeconds() * 2, TimeUnit.SECONDS);
        assertThat(pool.map(List.of(1, 2, 3), x -> x + 1)).containsExactly(2, 3, 4);
        assertThat(new HashSet<>(pool.broadcast(() -> ProcessHandle.current().pid()))).hasSize(2)
                .doesNotContain(victim.pid());
        assertThat(pool.insights().workers().stream().mapToInt(w -> w.restarts()).sum()).isEqualTo(1);
        LoopbackCluster.awaitMembers(CLUSTER.client(), 2, PATIENCE); // the next test starts from the two members
        return outcomes;
    }

    @Test
    void memberKilledDuringAMap_withRetries_runsItsTaskElsewhere() throws Exception {
        List<Outcome<Long>> outcomes = mapWhileAMemberIsKilled(2, 1).get();
        List<Long> values = new ArrayList<>();
        for (Outcome<Long> o : outcomes) {
            values.add(o.getOrThrow());
        }
        assertThat(values).containsExactly(0L, 10L, 20L, 30L, 40L, 50L);
    }

    @Test
    void memberKilledDuringAMap_withoutRetries_failsItsTaskWithWorkerDiedException() throws Exception {
        List<Outcome<Long>> outcomes = mapWhileAMemberIsKilled(3, 0).get();
        List<Outcome<Long>> failed = outcomes.stream().filter(o -> !o.isSuccess()).toList();
        assertThat(failed).hasSize(1);
        assertThat(((Outcome.Failure<Long>) failed.getFirst()).error()).isInstanceOfSatisfying(
                WorkerDiedException.class, e -> {
                    assertThat(e.exitStatus()).isEqualTo("member left the cluster");
                    assertThat(e.index()).isBetween(0L, 2L);
                    assertThat(e.getMessage()).contains("left the cluster");
                });
        assertThat(outcomes.stream().filter(Outcome::isSuccess).count()).isEqualTo(5);
    }

    @Test
    void aFrozenMember_underATaskTimeout_losesItsChunk_whichRunsElsewhere_longBeforeTheHeartbeatWould()
            throws Exception {
        WorkerPool pool = track(WorkerPool.builder().cluster(HazelcastBackend.of(CLUSTER.client()).workersPerMember(1))
                .taskTimeout(java.time.Duration.ofMillis(600)).retries(1).build());
        assertThat(pool.size()).isEqualTo(2);
        FileLatch running = FileLatch.create(temp, 2);
        CompletableFuture<List<Long>> call = CompletableFuture.supplyAsync(() -> pool.map(List.of(0L, 1L), x -> {
            running.countDown("pid-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
            Thread.sleep(400);
            return x * 10;
        }, CallOptions.defaults().chunkSize(1)));
        running.await(PATIENCE);
        long victim;
        try (var marks = java.nio.file.Files.list(java.nio.file.Path.of(running.directory()))) {
            victim = Long.parseLong(marks.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("pid-"))
                    .findFirst().orElseThrow().split("-")[1]);
        }
        // SIGSTOP, as a long GC pause or a stopped VM would: the member stays in the cluster, silent.
        assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(victim)).start().waitFor()).isZero();
        try {
            // Its chunk is given up after the chunk's time under the task timeout (about 3 s) and runs on the
            // other member; without that the call waited for the heartbeat to drop the member (10 s here).
            assertThat(call.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).containsExactly(0L, 10L);
            assertThat(CLUSTER.client().getCluster().getMembers()).as("the frozen member was never dropped")
                    .hasSize(2);
        } finally {
            assertThat(new ProcessBuilder("kill", "-CONT", Long.toString(victim)).start().waitFor()).isZero();
        }
        assertThat(pool.map(List.of(1L, 2L, 3L), x -> x + 1)).containsExactly(2L, 3L, 4L);
    }

    @Test
    void close_afterACallEndedByItsDeadline_doesNotWaitForAFrozenMember() throws Exception {
        WorkerPool pool = WorkerPool.builder().cluster(HazelcastBackend.of(CLUSTER.client()).workersPerMember(1))
                .build();
        FileLatch running = FileLatch.create(temp, 2);
        FileLatch never = FileLatch.create(temp, 1);
        CompletableFuture<List<Long>> call = CompletableFuture.supplyAsync(() -> pool.map(List.of(0L, 1L), x -> {
            running.countDown("pid-" + ProcessHandle.current().pid() + "-" + x);
            if (x == 1) {
                never.await(PATIENCE); // input 1 runs until its call is cancelled (never, once its member froze)
            }
            return x;
        }, CallOptions.defaults().chunkSize(1).timeout(java.time.Duration.ofSeconds(2))));
        running.await(PATIENCE);
        long victim;
        try (var marks = java.nio.file.Files.list(java.nio.file.Path.of(running.directory()))) {
            victim = Long.parseLong(marks.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("-1"))
                    .findFirst().orElseThrow().split("-")[1]);
        }
        assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(victim)).start().waitFor()).isZero();
        try {
            assertThatThrownBy(() -> call.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).cause()
                    .isInstanceOf(dev.ensemble.CallTimeoutException.class);
            pool.close();
            // close() returned while the member was still frozen and in the cluster: it waited neither for the
            // member to resume nor for the heartbeat to drop it (10 s here), as it did before.
            assertThat(CLUSTER.client().getCluster().getMembers()).as("the frozen member was never dropped")
                    .hasSize(2);
        } finally {
            assertThat(new ProcessBuilder("kill", "-CONT", Long.toString(victim)).start().waitFor()).isZero();
        }
    }

    // ---------------------------------------------------------------- what cannot travel

    @Test
    void aTaskThatCannotBeSerialized_isRefusedBeforeAnythingIsSent_namingWhatItCaptures() {
        Thread notData = Thread.currentThread();
        WorkerPool pool = pool(1);
        assertThatThrownBy(() -> pool.map(List.of(1), x -> x + notData.getName().length()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be sent to a cluster member")
                .hasMessageContaining("java.lang.Thread");
        assertThat(pool.insights().tasksCompleted()).isZero();
    }

    @Test
    void anInputThatCannotBeSerialized_failsOnlyItsOwnTask() {
        List<Object> inputs = new ArrayList<>(List.of("a", "b"));
        inputs.add(1, new Object() {
            final Thread notData = Thread.currentThread();

            @Override
            public String toString() {
                return "holder of " + notData.getName();
            }
        });
        List<Outcome<Object>> outcomes = pool(1).mapOutcomes(inputs, x -> x);
        assertThat(outcomes.get(0).getOrThrow()).isEqualTo("a");
        assertThat(outcomes.get(2).getOrThrow()).isEqualTo("b");
        assertThat(((Outcome.Failure<Object>) outcomes.get(1)).error()).hasMessageContaining("index 1")
                .cause().hasMessageContaining("cannot be sent to a cluster member");
    }

    @Test
    void aResultThatCannotBeSerialized_failsItsTaskWithTheReason() {
        assertThatThrownBy(() -> pool(1).map(List.of(1), x -> Thread.currentThread()))
                .isInstanceOf(TaskFailedException.class).hasMessageContaining("index 0")
                .cause().hasMessageContaining("cannot be sent back");
    }
}
