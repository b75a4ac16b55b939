package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ensemble.internal.shm.ShmDirectory;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only worker processes do: die in every way a JVM can, time out by being killed, be recycled, fail to
 * start, refuse what cannot be serialized, forward their output, and never outlive their pool or its JVM.
 * Every test runs real worker JVMs; tasks coordinate with the test through files, never through this JVM's
 * objects.
 */
@ExtendWith(LeakCheck.class)
class ProcessFaultsTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    Path temp;

    private final List<WorkerPool> pools = new ArrayList<>();

    private WorkerPool track(WorkerPool pool) {
        pools.add(pool);
        return pool;
    }

    @AfterEach
    void closePools() {
        pools.forEach(WorkerPool::close);
    }

    private static WorkerPool.Builder processes(int workers) {
        return WorkerPool.builder().workers(workers).processes();
    }

    private static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    /** Creates {@code marker} and returns true the first time only, across all processes. */
    static boolean firstTime(String marker) {
        try {
            Files.createFile(Path.of(marker));
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<Long> workerPids(WorkerPool pool) {
        List<Long> pids = pool.broadcast(() -> ProcessHandle.current().pid());
        return new HashSet<>(pids);
    }

    private static void assertFullSizeAndUsable(WorkerPool pool, int workers) {
        assertThat(pool.map(range(100), x -> x + 1)).isEqualTo(range(100).stream().map(x -> x + 1).toList());
        Set<Long> pids = workerPids(pool);
        assertThat(pids).hasSize(workers).allSatisfy(pid -> assertThat(ProcessHandle.of(pid)).isPresent());
    }

    // ---------------------------------------------------------------- processes started by tasks; kill storms

    /** Starts {@code sleep 600} from a task and records its pid in {@code pidFile}; returns the handle. */
    static Process startTool(String pidFile) throws IOException {
        Process tool = new ProcessBuilder("sleep", "600").start();
        Files.writeString(Path.of(pidFile + ".tmp"), Long.toString(tool.pid()));
        Files.move(Path.of(pidFile + ".tmp"), Path.of(pidFile));
        return tool;
    }

    /** The tool whose pid a task wrote ends (or has ended already) within the test's patience. */
    private static void assertToolEnds(Path pidFile) throws Exception {
        Optional<ProcessHandle> tool = ProcessHandle.of(Long.parseLong(Files.readString(pidFile)));
        if (tool.isEmpty()) {
            return; // gone already
        }
        try {
            tool.get().onExit().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } finally {
            tool.get().destroyForcibly(); // never leave it behind, even when the assertion fails
        }
        assertThat(tool.get().isAlive()).isFalse();
    }

    @Test
    void aToolStartedByATimedOutTask_endsWithItsWorker() throws Exception {
        WorkerPool pool = track(processes(1).taskTimeout(Duration.ofMillis(500)).build());
        String pidFile = temp.resolve("tool.pid").toString();
        assertThatThrownBy(() -> pool.map(range(1), x -> startTool(pidFile).waitFor()))
                .isInstanceOf(TaskTimeoutException.class);
        assertToolEnds(Path.of(pidFile));
    }

    @Test
    void aToolStartedByATask_endsWithItsWorker_whenThePoolIsTerminatedOrClosed() throws Exception {
        for (boolean terminate : new boolean[] {true, false}) {
            WorkerPool pool = track(processes(1).build());
            Path pidFile = temp.resolve("tool-" + terminate + ".pid");
            String name = pidFile.toString();
            if (terminate) {
                FileLatch started = FileLatch.create(temp, 1);
                CompletableFuture<List<Integer>> running = pool.mapAsync(range(1), x -> {
                    Process tool = startTool(name);
                    started.countDown("tool");
                    return tool.waitFor();
                });
                started.await(PATIENCE);
                pool.terminate();
                assertThatThrownBy(() -> running.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isNotNull();
            } else {
                pool.apply(() -> startTool(name).pid()); // left running in the background
                pool.close();
            }
            assertToolEnds(pidFile);
        }
    }

    @Test
    void aKillStorm_hittingBootingReplacementsToo_losesNothing_andThePoolEndsAtFullSize() throws Exception {
        WorkerPool pool = track(processes(2).retries(1_000).build());
        int kills = 30;
        CountDownLatch stormOver = new CountDownLatch(1);
        Thread storm = Thread.ofPlatform().name("kill-storm").start(() -> {
            try {
                for (int done = 0; done < kills; ) {
                    // Every worker JVM of this test's pool, booting ones included (what an OOM killer hits).
                    List<ProcessHandle> workers = ProcessHandle.current().children()
                            .filter(p -> p.info().commandLine().orElse("").contains("WorkerMain")).toList();
                    if (!workers.isEmpty()) {
                        workers.get(done % workers.size()).destroyForcibly();
                        done++;
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(400)); // the storm's pace, not a wait
                }
            } finally {
                stormOver.countDown();
            }
        });
        int calls = 0;
        try {
            while (stormOver.getCount() > 0) {
                assertThat(pool.map(range(200), x -> {
                    Thread.sleep(5);
                    return x * 2;
                }, CallOptions.defaults().chunkSize(4))).isEqualTo(range(200).stream().map(x -> x * 2).toList());
                calls++;
            }
        } finally {
            storm.join();
        }
        assertThat(calls).isPositive();
        assertFullSizeAndUsable(pool, 2);
        assertThat(pool.insights().workers().stream().mapToInt(Insights.WorkerStats::restarts).sum())
                .isGreaterThanOrEqualTo(kills / 2);
    }

    @Test
    void aReplacementThatFailsTheSameWayTwice_failsTheCallsWithItsError() throws Exception {
        Path broken = temp.resolve("broken");
        // The start hook fails once its marker file exists: the first workers start, their replacements cannot.
        String marker = broken.toString();
        WorkerPool pool = track(processes(1).retries(5).onWorkerStart(ctx -> {
            if (Files.exists(Path.of(marker))) {
                throw new IllegalStateException("licence server unreachable");
            }
        }).build());
        Files.createFile(broken);
        assertThatThrownBy(() -> pool.map(range(3), x -> {
            Runtime.getRuntime().halt(3);
            return x;
        })).hasMessageContaining("no worker left").rootCause().hasMessageContaining("licence server unreachable");
    }

    @Test
    void close_killsAWorkerWhoseShutdownHookNeverEnds_afterTheGracePeriod() throws Exception {
        WorkerPool pool = track(processes(1).exitGracePeriod(Duration.ofMillis(300)).onWorkerStart(ctx ->
                Runtime.getRuntime().addShutdownHook(new Thread(() -> LockSupport.park()))).build());
        long pid = workerPids(pool).iterator().next();
        CompletableFuture.runAsync(pool::close).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
    }

    @Test
    void close_killsAWorkerWhoseExitHookHangs_afterTheExitHookTimeout() throws Exception {
        WorkerPool pool = track(processes(1).exitHookTimeout(Duration.ofMillis(500))
                .onWorkerExit(ctx -> LockSupport.park()).build());
        long pid = workerPids(pool).iterator().next();
        CompletableFuture.runAsync(pool::close).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
    }

    @Test
    void aStartHookThatHangs_failsBuildAfterTheStartHookTimeout_sayingSo() {
        assertThatThrownBy(() -> track(processes(1).startHookTimeout(Duration.ofMillis(500))
                .onWorkerStart(ctx -> LockSupport.park()).build()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("startHookTimeout");
    }

    @Test
    void exitGracePeriod_onThreads_isRefused() {
        assertThatThrownBy(() -> WorkerPool.builder().threads().exitGracePeriod(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only to process workers");
    }

    // ---------------------------------------------------------------- basics

    @Test
    void workers_areOtherJvms_withThisClassPath() {
        WorkerPool pool = track(WorkerPool.processes(2));
        Set<Long> pids = workerPids(pool);
        assertThat(pids).hasSize(2).doesNotContain(ProcessHandle.current().pid());
        String ours = System.getProperty("java.class.path");
        assertThat(pool.broadcast(() -> System.getProperty("java.class.path"))).allSatisfy(cp -> assertThat(cp).endsWith(ours));
        assertThat(pool.toString()).contains("2 processes");
    }

    @Test
    void close_stopsEveryWorker_andRemovesItsDirectory() {
        WorkerPool pool = processes(2).build();
        Set<Long> pids = workerPids(pool);
        List<Path> dirs = new ArrayList<>();
        for (long pid : pids) {
            String[] args = ProcessHandle.of(pid).orElseThrow().info().arguments().orElseThrow();
            String socket = Arrays.stream(args).filter(a -> a.endsWith(".sock")).findFirst().orElseThrow();
            dirs.add(Path.of(socket).getParent());
        }
        assertThat(dirs).allSatisfy(d -> assertThat(d).isDirectory());
        pool.close();
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true)));
        assertThat(dirs).allSatisfy(d -> assertThat(d).doesNotExist());
    }

    @Test
    void largeMessages_goThroughSharedMemory_andAKilledWorkersFilesAreDeletedByThePool() throws Exception {
        WorkerPool pool = track(processes(2).build());
        List<Long> pids = pool.broadcast(() -> ProcessHandle.current().pid());
        // Each worker answers with 8 MiB, which it writes into a message file of its own.
        assertThat(pool.broadcast(() -> new double[1 << 20])).allSatisfy(a -> assertThat(a).hasSize(1 << 20));
        assertThat(pids).allSatisfy(pid -> assertThat(frameFilesOf(pid)).anyMatch(ShmDirectory::isFrameFile));
        double[] input = new double[1 << 20];
        input[12_345] = 7;
        assertThat(pool.submit(() -> input[12_345]).get()).isEqualTo(7.0);
        assertThat(ShmDirectory.liveFiles()).anySatisfy(file -> assertThat(ShmDirectory.isFrameFile(file)).isTrue());

        long victim = pids.get(0);
        ProcessHandle handle = ProcessHandle.of(victim).orElseThrow();
        assertThat(handle.destroyForcibly()).isTrue(); // SIGKILL: its shutdown hook never runs
        handle.onExit().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertFullSizeAndUsable(pool, 2);
        assertThat(pool.submit(() -> input[12_345] + 1).get()).isEqualTo(8.0);
        pool.close();
        assertThat(frameFilesOf(victim)).as("the killed worker's message files").isEmpty();
        assertThat(ShmDirectory.liveFiles()).noneSatisfy(file -> assertThat(ShmDirectory.isFrameFile(file)).isTrue());
    }

    /** The message files (and the directory) in /dev/shm of the JVM with process id {@code pid}. */
    private static List<Path> frameFilesOf(long pid) throws IOException {
        List<Path> found = new ArrayList<>();
        try (var dirs = Files.list(ShmDirectory.root())) {
            for (Path dir : dirs.filter(d -> d.getFileName().toString().matches("ensemble-.*-" + pid + "-[0-9]+-[0-9a-f]{16}"))
                    .toList()) {
                found.add(dir);
                try (var files = Files.list(dir)) {
                    files.filter(ShmDirectory::isFrameFile).forEach(found::add);
                }
            }
        }
        return found;
    }

    // ---------------------------------------------------------------- deaths

    @Test
    void shouldReplaceWorkerKilledMidTask_andRerunItsChunk() throws Exception {
        WorkerPool pool = track(processes(2).retries(1).build());
        Path victim = temp.resolve("victim");
        String victimFile = victim.toString();
        CompletableFuture<List<Integer>> results = pool.mapAsync(range(1_000), x -> {
            if (x == 300 && firstTime(victimFile + ".claimed")) {
                Files.writeString(Path.of(victimFile + ".tmp"), Long.toString(ProcessHandle.current().pid()));
                Files.move(Path.of(victimFile + ".tmp"), Path.of(victimFile));
                Thread.sleep(PATIENCE.toMillis()); // until killed
            }
            return x * 2;
        });
        long pid = Long.parseLong(awaitFile(victim));
        assertThat(ProcessHandle.of(pid).orElseThrow().destroyForcibly()).isTrue(); // SIGKILL
        assertThat(results.get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .isEqualTo(range(1_000).stream().map(x -> x * 2).toList());
        assertFullSizeAndUsable(pool, 2);
        assertThat(workerPids(pool)).doesNotContain(pid);
        assertThat(pool.insights().workers().stream().mapToInt(Insights.WorkerStats::restarts).sum()).isEqualTo(1);
    }

    private static String awaitFile(Path file) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!Files.exists(file)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no task wrote " + file);
            }
            LockSupport.parkNanos(2_000_000);
        }
        return Files.readString(file).strip();
    }

    @Test
    void systemExit_failsTheCallWithWorkerDiedException_blamingTheRightInput() {
        WorkerPool pool = track(processes(2).build());
        assertThatThrownBy(() -> pool.map(range(10), x -> {
            if (x == 5) {
                System.err.println("leaving now");
                System.exit(3);
            }
            return x;
        }, CallOptions.defaults().chunkSize(10))).isInstanceOfSatisfying(WorkerDiedException.class, e -> {
            assertThat(e.index()).isEqualTo(5);
            assertThat(e.input()).isEqualTo("5");
            assertThat(e.exitStatus()).isEqualTo("exit code 3");
            assertThat(e.lastErrorLines()).contains("leaving now");
            assertThat(e.getMessage()).contains("index 5", "exit code 3", "leaving now");
        });
        assertFullSizeAndUsable(pool, 2);
    }

    @Test
    void runtimeHalt_withRetries_isRunAgainElsewhere_andNothingIsDeliveredTwice() {
        WorkerPool pool = track(processes(2).retries(1).build());
        String marker = temp.resolve("halted").toString();
        List<Integer> out = pool.mapUnordered(range(200), x -> {
            if (x == 100 && firstTime(marker)) {
                Runtime.getRuntime().halt(7);
            }
            return x;
        });
        assertThat(out).hasSize(200).containsExactlyInAnyOrderElementsOf(range(200));
        assertFullSizeAndUsable(pool, 2);
    }

    @Test
    void runtimeHalt_withoutRetries_reportsTheExitCode() {
        WorkerPool pool = track(processes(1).build());
        assertThatThrownBy(() -> pool.apply(() -> {
            Runtime.getRuntime().halt(7);
            return 0;
        })).isInstanceOfSatisfying(WorkerDiedException.class, e -> assertThat(e.exitStatus()).isEqualTo("exit code 7"));
        assertFullSizeAndUsable(pool, 1);
    }

    @Test
    void runtimeHalt_inAChunkOfFastTasks_blamesTheTaskThatWasRunning() {
        WorkerPool pool = track(processes(1).build());
        assertThatThrownBy(() -> pool.map(range(10), x -> {
            if (x == 6) {
                Runtime.getRuntime().halt(7); // no word to the pool: only the worker's position mark tells
            }
            return x;
        }, CallOptions.defaults().chunkSize(10))).isInstanceOfSatisfying(WorkerDiedException.class, e -> {
            assertThat(e.index()).isEqualTo(6);
            assertThat(e.exitStatus()).isEqualTo("exit code 7");
        });
    }

    @Test
    void killedWorker_inOutcomesMode_costsOnlyTheInputItWasRunning() {
        WorkerPool pool = track(processes(1).build());
        List<Outcome<Integer>> outcomes = pool.mapOutcomes(range(10), x -> {
            if (x == 6) {
                Runtime.getRuntime().halt(9);
            }
            return x * 10;
        }, CallOptions.defaults().chunkSize(10));
        for (int i = 0; i < 10; i++) {
            if (i == 6) {
                assertThat(outcomes.get(i)).isInstanceOfSatisfying(Outcome.Failure.class,
                        f -> assertThat(f.error()).isInstanceOf(WorkerDiedException.class));
            } else {
                assertThat(outcomes.get(i).getOrThrow()).isEqualTo(i * 10);
            }
        }
    }

    @Test
    void outOfMemoryError_costsOneWorker_whichIsReplaced() {
        WorkerPool pool = track(processes(2).jvmArgs("-Xmx48m").build());
        assertThatThrownBy(() -> pool.map(range(4), x -> {
            if (x == 1) {
                List<long[]> hog = new ArrayList<>();
                while (true) {
                    hog.add(new long[1 << 20]);
                }
            }
            return x;
        }, CallOptions.defaults().chunkSize(1))).isInstanceOfSatisfying(WorkerDiedException.class, e -> {
            assertThat(e.index()).isEqualTo(1);
            assertThat(e.getMessage()).contains("OutOfMemoryError");
            assertThat(e.exitStatus()).isEqualTo("exit code 3");
        });
        assertFullSizeAndUsable(pool, 2);
    }

    @Test
    void aWorkersLastWords_reachThePool_evenIfATaskReplacedSystemErr() {
        WorkerPool pool = track(processes(1).build());
        assertThatThrownBy(() -> pool.map(range(2), x -> {
            if (x == 1) {
                System.setErr(new java.io.PrintStream(java.io.OutputStream.nullOutputStream(), true));
                throw new OutOfMemoryError("test");
            }
            return x;
        }, CallOptions.defaults().chunkSize(1))).isInstanceOfSatisfying(WorkerDiedException.class, e -> {
            assertThat(e.index()).isEqualTo(1);
            assertThat(e.getMessage()).contains("java.lang.OutOfMemoryError: test in a task; this worker exits");
        });
        assertFullSizeAndUsable(pool, 1);
    }

    @Test
    void nativeCrash_isAWorkerDeath() {
        WorkerPool pool = track(processes(1).build());
        assertThatThrownBy(() -> pool.apply(() -> {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field field = unsafeClass.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            unsafeClass.getMethod("putAddress", long.class, long.class).invoke(field.get(null), 0L, 42L); // SIGSEGV
            return 0;
        })).isInstanceOfSatisfying(WorkerDiedException.class, e -> assertThat(e.exitStatus()).startsWith("signal"));
        assertFullSizeAndUsable(pool, 1);
    }

    // ---------------------------------------------------------------- timeouts and recycling

    @Test
    void taskTimeout_killsTheWorkerRunningIt_andReplacesIt() {
        WorkerPool pool = track(processes(1).taskTimeout(Duration.ofSeconds(2)).build());
        long before = workerPids(pool).iterator().next();
        assertThatThrownBy(() -> pool.map(range(3), x -> {
            if (x == 1) {
                while (true) {
                    Thread.onSpinWait(); // ignores interrupts: only killing stops it
                }
            }
            return x;
        }, CallOptions.defaults().chunkSize(3))).isInstanceOfSatisfying(TaskTimeoutException.class, e -> {
            assertThat(e.index()).isEqualTo(1);
            assertThat(e.getMessage()).contains("killed and replaced");
        });
        assertThat(ProcessHandle.of(before).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
        assertThat(workerPids(pool)).doesNotContain(before);
        assertThat(pool.insights().workers().getFirst().restarts()).isEqualTo(1);
    }

    @Test
    void aWorkerStoppedWithoutDying_isKilledByThePool_andItsTaskTimesOut() {
        // SIGSTOP freezes the whole worker JVM, its own timeout watchdog included: only the pool can end it.
        WorkerPool pool = track(processes(1).taskTimeout(Duration.ofMillis(500)).build());
        long before = workerPids(pool).iterator().next();
        assertThatThrownBy(() -> pool.map(range(3), x -> {
            if (x == 1) {
                new ProcessBuilder("kill", "-STOP", Long.toString(ProcessHandle.current().pid())).start().waitFor();
                // The stop can land a moment after kill has exited (seen: the task returned, the results went
                // out, and the worker froze afterwards, at close); the task must not finish before it does.
                Thread.sleep(PATIENCE.toMillis());
            }
            return x;
        }, CallOptions.defaults().chunkSize(3))).isInstanceOfSatisfying(TaskTimeoutException.class, e -> {
            assertThat(e.index()).isEqualTo(1);
            assertThat(e.getMessage()).contains("killed and replaced");
        });
        assertThat(workerPids(pool)).doesNotContain(before);
        assertFullSizeAndUsable(pool, 1);
    }

    @Test
    void aWorkerFrozenForAWhile_doesNotCountTheFrozenTimeAgainstItsTask() throws Exception {
        // A pause (SIGSTOP then SIGCONT, a long GC pause) is no task's time: the task running through it still has
        // its whole timeout afterwards. Before, the worker's watchdog saw it overdue the moment the JVM resumed.
        WorkerPool pool = track(processes(1).taskTimeout(Duration.ofSeconds(1)).build());
        long worker = workerPids(pool).iterator().next();
        FileLatch started = FileLatch.create(temp, 1);
        FileLatch release = FileLatch.create(temp, 1);
        CompletableFuture<List<Integer>> call = pool.mapAsync(range(2), x -> {
            if (x == 1) {
                started.countDown("started");
                release.await(PATIENCE);
            }
            return x;
        }, CallOptions.defaults().chunkSize(1));
        started.await(PATIENCE);
        signal("-STOP", worker);
        try {
            // The freeze itself: longer than the task's timeout, shorter than the pool's patience with a silent
            // worker (twice the timeout plus 2 s), so only the worker's own watchdog could blame the task.
            Thread.sleep(2_000);
        } finally {
            signal("-CONT", worker);
        }
        // The task runs on for a while after the freeze (the watchdog looks every few ms), within its timeout.
        Thread.sleep(300);
        release.countDown("go");
        assertThat(call.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(range(2));
        assertThat(workerPids(pool)).containsExactly(worker);
    }

    private static void signal(String signal, long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", signal, Long.toString(pid)).start().waitFor()).isZero();
    }

    @Test
    void maxTasksPerWorker_recyclesBetweenChunks_neverMidTask() {
        WorkerPool pool = track(processes(1).maxTasksPerWorker(5).build());
        List<Long> pids = pool.map(range(20), x -> ProcessHandle.current().pid());
        for (int group = 0; group < 4; group++) {
            assertThat(new HashSet<>(pids.subList(group * 5, group * 5 + 5))).hasSize(1);
        }
        assertThat(new HashSet<>(pids)).hasSize(4);
    }

    @Test
    void maxTasksPerWorker_holdsForSubmitsSentFromTheCallersThread() throws Exception {
        // A submit to an idle worker is sent by the caller; the pool's sender, waiting meanwhile with the limit it
        // saw before, must not hand that worker a task past its limit when the caller cannot.
        WorkerPool pool = track(processes(1).maxTasksPerWorker(3).build());
        java.util.Map<Long, Integer> perPid = new java.util.HashMap<>();
        for (int i = 0; i < 30; i++) {
            perPid.merge(pool.submit(() -> ProcessHandle.current().pid()).get(), 1, Integer::sum);
        }
        assertThat(perPid.values()).as("tasks per worker JVM: %s", perPid).allSatisfy(n ->
                assertThat(n).isLessThanOrEqualTo(3));
        assertThat(perPid).hasSize(10);
    }

    // ---------------------------------------------------------------- start failures

    @Test
    void badJvmArgs_failBuild_withTheJvmsOwnMessage() {
        assertThatThrownBy(() -> processes(2).jvmArgs("-XX:+NoSuchOptionAnywhere").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("failed to start")
                .hasMessageContaining("Unrecognized VM option 'NoSuchOptionAnywhere'");
    }

    @Test
    void missingClass_failsBuild_withTheJvmsOwnMessage() {
        assertThatThrownBy(() -> processes(1).jvmArgs("-Djava.system.class.loader=no.such.Loader").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("failed to start")
                .hasMessageContaining("java.lang.Error: no.such.Loader");
    }

    @Test
    void jvmArgsThatReplaceTheClassPathOrWhatRuns_areRefusedByTheBuilder_sayingWhy() {
        for (String[] args : new String[][] {{"-cp", temp.toString()}, {"-classpath", "x"},
                {"--class-path=x"}, {"--module-path", "x"}, {"-jar", "x.jar"}, {"-m", "m/M"}, {"--module=m/M"}}) {
            assertThatThrownBy(() -> processes(1).jvmArgs(args))
                    .as(String.join(" ", args)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("jvmArgs must not contain " + args[0].replaceFirst("=.*", ""));
        }
        assertThatThrownBy(() -> processes(1).jvmArgs("-cp", "lib/*"))
                .hasMessageContaining("put the jars the tasks need on this JVM's class path");
        assertThatThrownBy(() -> processes(1).jvmArgs("-jar", "app.jar"))
                .hasMessageContaining("the library decides what a worker JVM runs");
    }

    @Test
    void failingStartHook_failsBuild_withItsException() {
        assertThatThrownBy(() -> processes(2).onWorkerStart(ctx -> {
            throw new IllegalStateException("no licence on worker " + ctx.workerId());
        }).build()).isInstanceOf(IllegalStateException.class).hasMessageContaining("no licence on worker");
    }

    // ---------------------------------------------------------------- serialization

    @Test
    void unserializableTask_failsBeforeAnythingIsSent_namingTheCapturedValue() {
        WorkerPool pool = track(processes(1).build());
        Thread notData = new Thread(() -> { });
        assertThatThrownBy(() -> pool.map(range(3), x -> x + notData.getName().length()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot be sent to a worker process")
                .hasMessageContaining("java.lang.Thread");
        assertFullSizeAndUsable(pool, 1);
    }

    @Test
    void unserializableSharedObjects_failBuild() {
        assertThatThrownBy(() -> processes(1).sharedObjects(new Thread(() -> { })).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sharedObjects")
                .hasMessageContaining("java.lang.Thread");
    }

    @Test
    void unserializableInput_failsAtItsOwnIndex() {
        WorkerPool pool = track(processes(1).build());
        List<Object> inputs = Arrays.asList(1, new Thread(() -> { }), 3);
        List<Outcome<String>> outcomes = pool.mapOutcomes(inputs, x -> "ok " + x.getClass().getSimpleName());
        assertThat(outcomes.get(0).getOrThrow()).isEqualTo("ok Integer");
        assertThat(outcomes.get(1)).isInstanceOfSatisfying(Outcome.Failure.class,
                f -> assertThat(f.error()).hasMessageContaining("index 1").cause()
                        .hasMessageContaining("java.lang.Thread"));
        assertThat(outcomes.get(2).getOrThrow()).isEqualTo("ok Integer");
    }

    /** An exception of the application's own, with a field. */
    static final class LedgerException extends Exception {
        final int account;

        LedgerException(String message, int account) {
            super(message);
            this.account = account;
        }
    }

    @Test
    void remoteException_keepsItsClassMessageFieldsAndStackTrace() {
        WorkerPool pool = track(processes(1).build());
        assertThatThrownBy(() -> pool.map(range(3), x -> {
            if (x == 2) {
                throw new LedgerException("overdrawn", 42);
            }
            return x;
        })).isInstanceOf(TaskFailedException.class).cause().isInstanceOfSatisfying(LedgerException.class, e -> {
            assertThat(e.account).isEqualTo(42);
            assertThat(e).hasMessage("overdrawn");
            assertThat(Arrays.stream(e.getStackTrace()).map(StackTraceElement::getClassName))
                    .contains(ProcessFaultsTest.class.getName(), "dev.ensemble.internal.process.WorkerMain");
        });
    }

    // ---------------------------------------------------------------- output and orphans

    @Test
    void output_isForwardedLineByLine_withTheWorkersPrefix() throws Exception {
        PrintStream original = System.out;
        CountDownLatch seen = new CountDownLatch(1);
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8) {
            @Override
            public void println(String line) {
                super.println(line);
                if (line.equals("[worker 0] hello from a worker")) {
                    seen.countDown();
                }
            }
        };
        System.setOut(capture);
        try {
            WorkerPool pool = track(processes(1).build());
            pool.apply(() -> {
                System.out.println("hello from a worker");
                return 0;
            });
            assertThat(seen.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("forwarded line").isTrue();
        } finally {
            System.setOut(original);
        }
    }

    /** The main of a JVM that starts a pool and then waits to be killed (see the test below). */
    public static final class Orphaner {
        public static void main(String[] args) throws Exception {
            WorkerPool pool = WorkerPool.processes(2);
            List<Long> pids = pool.broadcast(() -> ProcessHandle.current().pid());
            System.out.println("PIDS " + pids.get(0) + " " + pids.get(1));
            System.out.flush();
            Thread.sleep(PATIENCE.toMillis() * 3);
        }
    }

    @Test
    void workers_exitByThemselves_whenThePoolsJvmIsKilled() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process parent = new ProcessBuilder(java, "--sun-misc-unsafe-memory-access=allow", "-cp",
                System.getProperty("java.class.path"), Orphaner.class.getName()).redirectErrorStream(true).start();
        List<ProcessHandle> workers = new ArrayList<>();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null && !line.startsWith("PIDS ")) {
                // worker output and warnings
            }
            assertThat(line).as("the pool's JVM reported its workers").isNotNull();
            for (String pid : line.substring(5).split(" ")) {
                workers.add(ProcessHandle.of(Long.parseLong(pid)).orElseThrow());
            }
            parent.destroyForcibly(); // kill -9: no shutdown hook, no close
            parent.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            for (ProcessHandle worker : workers) {
                worker.onExit().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                assertThat(worker.isAlive()).isFalse();
            }
        } finally {
            parent.destroyForcibly();
            workers.forEach(ProcessHandle::destroyForcibly);
        }
    }
}
