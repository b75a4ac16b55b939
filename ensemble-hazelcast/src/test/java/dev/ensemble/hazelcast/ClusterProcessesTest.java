package dev.ensemble.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ensemble.CallOptions;
import dev.ensemble.FileLatch;
import dev.ensemble.Outcome;
import dev.ensemble.TaskTimeoutException;
import dev.ensemble.WorkerDiedException;
import dev.ensemble.WorkerPool;
import dev.ensemble.WorkerPoolContract;
import dev.ensemble.hazelcast.internal.LoopbackCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The contract on a cluster of two member JVMs on 127.0.0.1 whose workers are worker JVMs that each member starts
 * ({@code memberWorkers(processes())}: {@code workers(2)} is one worker JVM per member); plus what only worker
 * JVMs on members do: a worker JVM killed or timed out is replaced on its member, its files go with the pool.
 */
class ClusterProcessesTest extends WorkerPoolContract {
    @RegisterExtension
    static final ClassCluster CLUSTER = new ClassCluster(2, 1);

    @Override
    protected boolean collectsExitResults() {
        return false;
    }

    @Override
    protected WorkerPool.Builder builder() {
        return WorkerPool.builder().cluster(HazelcastBackend.of(CLUSTER.client()).memberWorkers(MemberWorkers.processes()));
    }

    @Override
    protected boolean isInProcess() {
        return false;
    }

    private static List<Integer> ints(int n) {
        return java.util.stream.IntStream.range(0, n).boxed().toList();
    }

    private static Set<Long> memberPids() {
        return CLUSTER.cluster().members().stream().filter(Process::isAlive).map(Process::pid).collect(Collectors.toSet());
    }

    /** The pid of the worker JVM that runs a task, and of the member that started it. */
    private static String whereAmI() {
        ProcessHandle self = ProcessHandle.current();
        return self.pid() + "<" + self.parent().map(ProcessHandle::pid).orElse(-1L);
    }

    // ---------------------------------------------------------------- where workers run

    @Test
    void eachWorker_isAJvmStartedByItsMember() {
        WorkerPool pool = track(WorkerPool.builder().cluster(HazelcastBackend.of(CLUSTER.client())
                .memberWorkers(MemberWorkers.processes(1))).build());
        assertThat(pool.size()).isEqualTo(2);
        List<String> where = pool.broadcast(ClusterProcessesTest::whereAmI);
        Set<Long> workers = new HashSet<>();
        Set<Long> parents = new HashSet<>();
        for (String w : where) {
            workers.add(Long.parseLong(w.substring(0, w.indexOf('<'))));
            parents.add(Long.parseLong(w.substring(w.indexOf('<') + 1)));
        }
        assertThat(parents).isEqualTo(memberPids());
        assertThat(workers).hasSize(2).doesNotContainAnyElementsOf(memberPids())
                .doesNotContain(ProcessHandle.current().pid());
        assertThat(pool.broadcast(() -> dev.ensemble.WorkerContext.current().workerId() + "/"
                + dev.ensemble.WorkerContext.current().workerCount())).containsExactly("0/2", "1/2");
    }

    @Test
    void jvmArgs_reachTheWorkerJvms() {
        WorkerPool pool = track(WorkerPool.builder().cluster(HazelcastBackend.of(CLUSTER.client())
                .memberWorkers(MemberWorkers.processes(1).jvmArgs("-Densemble.test.flag=on-member"))).build());
        assertThat(pool.broadcast(() -> System.getProperty("ensemble.test.flag")))
                .containsExactly("on-member", "on-member");
    }

    @Test
    void memberWorkers_optionsAreCheckedAndContradictionsRefused() {
        HazelcastBackend hz = HazelcastBackend.of(CLUSTER.client());
        assertThatThrownBy(() -> hz.memberWorkers(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MemberWorkers.processes(k)");
        assertThatThrownBy(() -> MemberWorkers.processes(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1, got 0");
        assertThatThrownBy(() -> MemberWorkers.threads(-2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got -2");
        assertThatThrownBy(() -> MemberWorkers.threads(2).jvmArgs("-Xmx1g")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("only to worker processes");
        assertThatThrownBy(() -> MemberWorkers.processes(2).jvmArgs("-Xmx1g").jvmArgs("-Xmx2g"))
                .isInstanceOf(IllegalStateException.class).hasMessage("jvmArgs was already set to [-Xmx1g]");
        assertThatThrownBy(() -> MemberWorkers.processes(2).jvmArgs("-Xmx1g", " "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank");
        assertThatThrownBy(() -> hz.memberWorkers(MemberWorkers.processes(2)).memberWorkers(MemberWorkers.threads(1)))
                .isInstanceOf(IllegalStateException.class).hasMessage("memberWorkers was already set to processes(2)");
        assertThatThrownBy(() -> hz.workersPerMember(2).memberWorkers(MemberWorkers.processes(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("workersPerMember(2) and memberWorkers(processes(2)) both say");
        assertThatThrownBy(() -> hz.memberWorkers(MemberWorkers.processes(1)).workersPerMember(1))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("keep one");
        assertThatThrownBy(() -> WorkerPool.builder().cluster(hz.memberWorkers(MemberWorkers.processes(1))).workers(3)
                .build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("memberWorkers(processes(1)) (on each member), not both");
        assertThat(hz.memberWorkers(MemberWorkers.processes(3).jvmArgs("-Xmx1g")).toString())
                .contains("memberWorkers(processes(3).jvmArgs(-Xmx1g))");
    }

    @Test
    void threadsOnMembers_areWhatWorkersPerMemberGives() {
        WorkerPool pool = track(WorkerPool.builder().cluster(HazelcastBackend.of(CLUSTER.client())
                .memberWorkers(MemberWorkers.threads(1))).build());
        assertThat(new HashSet<>(pool.broadcast(() -> ProcessHandle.current().pid()))).isEqualTo(memberPids());
    }

    // ---------------------------------------------------------------- faults of worker JVMs

    /**
     * Runs a map in which the task at index 7 writes its JVM's pid and then waits (on its first run only), and
     * kills that worker JVM with SIGKILL once it waits.
     */
    private CompletableFuture<List<Outcome<Integer>>> mapWhileAWorkerJvmIsKilled(WorkerPool pool) throws Exception {
        String pidFile = temp.resolve("victim.pid").toString();
        FileLatch waiting = FileLatch.create(temp, 1);
        FileLatch never = FileLatch.create(temp, 1);
        CompletableFuture<List<Outcome<Integer>>> outcomes = CompletableFuture.supplyAsync(() -> pool.mapOutcomes(
                ints(20), x -> {
                    if (x == 7 && !Files.exists(Path.of(pidFile))) {
                        Path tmp = Path.of(pidFile + ".tmp");
                        Files.writeString(tmp, Long.toString(ProcessHandle.current().pid()));
                        Files.move(tmp, Path.of(pidFile), StandardCopyOption.ATOMIC_MOVE);
                        waiting.countDown("victim");
                        never.await(PATIENCE); // killed meanwhile
                    }
                    return x * 2;
                }, CallOptions.defaults().chunkSize(1)));
        waiting.await(PATIENCE);
        long pid = Long.parseLong(Files.readString(Path.of(pidFile)));
        assertThat(pid).isNotIn(memberPids()).isNotEqualTo(ProcessHandle.current().pid());
        ProcessHandle victim = ProcessHandle.of(pid).orElseThrow();
        assertThat(victim.parent().map(ProcessHandle::pid).orElseThrow()).isIn(memberPids());
        victim.destroyForcibly(); // SIGKILL
        victim.onExit().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        outcomes.get(PATIENCE.toSeconds() * 2, TimeUnit.SECONDS);
        return outcomes;
    }

    @Test
    void workerJvmKilledDuringAMap_withRetries_givesEveryResultInOrder() throws Exception {
        WorkerPool pool = track(builder().workers(2).retries(1).build());
        List<Outcome<Integer>> outcomes = mapWhileAWorkerJvmIsKilled(pool).get();
        assertThat(outcomes.stream().map(Outcome::getOrThrow).toList())
                .isEqualTo(ints(20).stream().map(x -> x * 2).toList());
        assertThat(pool.insights().workers().stream().mapToInt(w -> w.restarts()).sum()).isEqualTo(1);
        assertThat(pool.map(ints(6), x -> x + 1)).containsExactly(1, 2, 3, 4, 5, 6);
    }

    @Test
    void workerJvmKilledDuringAMap_withoutRetries_failsItsTaskWithTheExitStatus() throws Exception {
        WorkerPool pool = track(builder().workers(2).build());
        List<Outcome<Integer>> outcomes = mapWhileAWorkerJvmIsKilled(pool).get();
        List<Outcome<Integer>> failed = outcomes.stream().filter(o -> !o.isSuccess()).toList();
        assertThat(failed).hasSize(1);
        assertThat(((Outcome.Failure<Integer>) failed.getFirst()).error()).isInstanceOfSatisfying(
                WorkerDiedException.class, e -> {
                    assertThat(e.index()).isEqualTo(7);
                    assertThat(e.exitStatus()).contains("signal 9");
                    assertThat(e.getMessage()).contains("index 7").contains("worker process died");
                });
        assertThat(outcomes.stream().filter(Outcome::isSuccess).count()).isEqualTo(19);
    }

    @Test
    void taskTimeout_killsTheWorkerJvm_evenWhenTheTaskIgnoresInterrupts() {
        WorkerPool pool = track(builder().workers(1).taskTimeout(Duration.ofMillis(300)).build());
        long before = pool.apply(() -> ProcessHandle.current().pid());
        assertThatThrownBy(() -> pool.map(List.of(1, 2), x -> {
            if (x == 2) {
                long end = System.nanoTime() + PATIENCE.toNanos();
                while (System.nanoTime() < end) {
                    Thread.onSpinWait(); // deaf to interrupts: only killing its JVM stops it
                }
            }
            return x;
        }, CallOptions.defaults().chunkSize(1))).isInstanceOfSatisfying(TaskTimeoutException.class,
                e -> assertThat(e.index()).isEqualTo(1));
        long after = pool.apply(() -> ProcessHandle.current().pid());
        assertThat(after).isNotEqualTo(before);
        assertThat(ProcessHandle.of(before)).isEmpty();
    }

    @Test
    void close_stopsTheWorkerJvmsAndRemovesTheirFiles() {
        WorkerPool pool = builder().workers(2).build();
        List<String> directories = pool.broadcast(() -> {
            List<String> args = List.of(ProcessHandle.current().info().arguments().orElseThrow());
            return Path.of(args.get(args.size() - 3)).getParent().toString(); // the socket's directory
        });
        List<Long> pids = pool.broadcast(() -> ProcessHandle.current().pid());
        for (String d : directories) {
            assertThat(Path.of(d)).isDirectory();
        }
        pool.close();
        for (String d : directories) {
            assertThat(Path.of(d)).doesNotExist();
        }
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        }
    }

    // ---------------------------------------------------------------- membership

    @Test
    void memberKilledDuringAMap_withRetries_runsItsTaskElsewhere_andItsWorkerJvmEnds() throws Exception {
        Process victim = CLUSTER.cluster().addMember(2);
        LoopbackCluster.awaitMembers(CLUSTER.client(), 3, PATIENCE);
        WorkerPool pool = track(WorkerPool.builder().cluster(HazelcastBackend.of(CLUSTER.client())
                .memberWorkers(MemberWorkers.processes(1))).retries(1).build());
        assertThat(pool.size()).isEqualTo(3);
        List<String> where = pool.broadcast(ClusterProcessesTest::whereAmI);
        long orphan = where.stream().filter(w -> w.endsWith("<" + victim.pid()))
                .mapToLong(w -> Long.parseLong(w.substring(0, w.indexOf('<')))).findFirst().orElseThrow();
        FileLatch running = FileLatch.create(temp, 3);
        FileLatch gate = FileLatch.create(temp, 1);
        CompletableFuture<List<Integer>> results = CompletableFuture.supplyAsync(() -> pool.map(ints(6), x -> {
            if (x < 3) {
                running.countDown("task-" + x + "-" + ProcessHandle.current().pid());
                gate.await(PATIENCE);
            }
            return x * 10;
        }, CallOptions.defaults().chunkSize(1)));
        running.await(PATIENCE);
        victim.destroyForcibly(); // SIGKILL: the member and its worker JVM's socket go at once
        assertThat(victim.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        // The member's worker JVM is no longer our descendant (LeakCheck cannot see it): it must end by itself.
        ProcessHandle.of(orphan).ifPresent(p -> p.onExit().orTimeout(PATIENCE.toSeconds(), TimeUnit.SECONDS).join());
        gate.countDown("open");
        assertThat(results.get(PATIENCE.toSeconds() * 2, TimeUnit.SECONDS)).containsExactly(0, 10, 20, 30, 40, 50);
        assertThat(new HashSet<>(pool.broadcast(() -> ProcessHandle.current().parent().orElseThrow().pid())))
                .hasSize(2).doesNotContain(victim.pid());
        LoopbackCluster.awaitMembers(CLUSTER.client(), 2, PATIENCE); // the next test starts from the two members
    }
}
