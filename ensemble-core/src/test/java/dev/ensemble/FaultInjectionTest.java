package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.ensemble.internal.wire.FrameChannel;
import java.io.IOException;
import java.io.Serial;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maps of thousands of tasks on real worker processes while faults are injected at seeded places and moments:
 * workers killed with {@code kill -9} as the call passes seeded points of its progress, tasks that throw, call
 * {@code System.exit} or {@code Runtime.halt}, run out of memory (workers have {@code -Xmx64m}), run over the
 * timeout, return a result over the message limit (lowered to 1 MiB in the workers), inputs that cannot be
 * serialized, callers interrupted, futures cancelled, pools closed or terminated in the middle of a call.
 *
 * <p>Every run checks: each input gets exactly one outcome, a correct result or the error its fault calls for
 * (named: {@link TaskFailedException} with the task's exception, {@link WorkerDiedException} with the exit
 * status, {@link TaskTimeoutException}); results arrive in order where the call promises it; no call takes
 * longer than {@link #CALL_BOUND_SECONDS} (a hang fails with a dump of the pool's threads); afterwards the pool
 * is at full size (a broadcast answers from every worker, each a live process); after {@code close()} the
 * worker processes and the pool's socket directory are gone ({@link LeakCheck} checks processes, threads and
 * {@code /dev/shm}).
 *
 * <p>Which inputs fail and how, and when workers are killed, come from {@link #SEED} ({@code -Dfaults.seed=N}
 * to try another). The summary line in the output gives the counts.
 *
 * <p>How a death is accounted for: with {@code retries} at least the number of deaths a run can cause, every
 * task not meant to fail must succeed (a death costs the chunk the worker was running one attempt, and the chunks
 * queued behind it none). With {@code retries(0)}, each death fails at most one input with
 * {@link WorkerDiedException}: a task that kills its worker is blamed itself, and another task only if it was
 * running when its worker was killed from outside.
 */
@ExtendWith(LeakCheck.class)
class FaultInjectionTest {
    private static final long SEED = Long.getLong("faults.seed", 20261121L);
    private static final int WORKERS = 2;
    private static final int INPUTS = 2_000;
    /** The message limit in the workers: results over it are "too large". */
    private static final int LIMIT = 1 << 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final long CALL_BOUND_SECONDS = 90;
    /** How long an ordinary task takes: long enough that kills and interrupts land in the middle of calls. */
    private static final long PAUSE_NANOS = 200_000;

    /** Kills of the storm run: about one per 400 ms, more than a worker JVM's start takes on 2 loaded cores. */
    private static final int STORM_KILLS = 20;

    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final AtomicInteger FAULTS = new AtomicInteger();
    private static final AtomicLong OUTCOMES = new AtomicLong();
    private static final AtomicInteger INNOCENTS = new AtomicInteger();
    private static long suiteStart;

    @TempDir
    static Path markers;

    /** What the task at an input does. */
    enum Fault {
        NONE, THROW, EXIT_ONCE, HALT_ONCE, OOM_ONCE, EXIT, HALT, OOM, TIMEOUT, TOO_LARGE, UNSENDABLE,
        /** Throws an exception whose getMessage() throws once it crossed JVMs (it reads a transient field). */
        THROW_UNREADABLE;

        boolean once() {
            return this == EXIT_ONCE || this == HALT_ONCE || this == OOM_ONCE;
        }

        boolean killsAlways() {
            return this == EXIT || this == HALT || this == OOM;
        }
    }

    /** The exception a THROW task throws. */
    static final class PlannedFailure extends Exception {
        @Serial
        private static final long serialVersionUID = 1L;
        final int input;

        PlannedFailure(int input) {
            super("planned failure of input " + input);
            this.input = input;
        }
    }

    /** The exception a THROW_UNREADABLE task throws: its message cannot be read in the pool's JVM. */
    static final class UnreadableFailure extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;
        final int input;
        private final transient Object detail;

        UnreadableFailure(int input) {
            this.input = input;
            this.detail = "set in the worker only";
        }

        @Override
        public String getMessage() {
            return "input " + input + ": " + detail.toString();
        }
    }

    /** An input whose toString() throws: whatever renders it for a message must survive that. */
    record Unprintable(int index) implements java.io.Serializable {
        @Override
        public String toString() {
            throw new IllegalStateException("unprintable input " + index);
        }
    }

    /** What a plan's inputs are: plain numbers, or {@link Unprintable} ones. */
    enum Inputs { PLAIN, UNPRINTABLE }

    /** How often each fault kind that is not a task's plan was injected, for the summary line. */
    private static final Map<String, AtomicInteger> KINDS = new java.util.concurrent.ConcurrentSkipListMap<>();

    private static void injected(String kind, int count) {
        KINDS.computeIfAbsent(kind, k -> new AtomicInteger()).addAndGet(count);
        FAULTS.addAndGet(count);
    }

    /** An input that cannot be sent to a worker: it holds a thread. */
    record Poison(int index, Thread thread) {
    }

    @BeforeAll
    static void start() {
        suiteStart = System.nanoTime();
    }

    @AfterAll
    static void summary() {
        System.out.printf("FaultInjection: %d runs, %d faults injected, %d outcomes checked in %.1f s (seed %d; "
                + "%d tasks running when their worker was killed from outside, without retries, failed for it; "
                + "besides the planned tasks: %s)%n",
                RUNS.get(), FAULTS.get(), OUTCOMES.get(), (System.nanoTime() - suiteStart) / 1e9, SEED,
                INNOCENTS.get(), KINDS);
    }

    // ================================================================ the tasks (they run in the workers)

    static long expected(int run, int input) {
        return input * 1_000_003L + run;
    }

    static Task<Object, Object> task(byte[] plan, String markerDir, int run, long pauseNanos) {
        return input -> act(plan, markerDir, run, pauseNanos, input);
    }

    private static Object act(byte[] plan, String markerDir, int run, long pauseNanos, Object input)
            throws Exception {
        int i = input instanceof Integer n ? n : input instanceof Unprintable u ? u.index() : ((Poison) input).index();
        Fault fault = Fault.values()[plan[i]];
        switch (fault) {
            case THROW -> throw new PlannedFailure(i);
            case THROW_UNREADABLE -> throw new UnreadableFailure(i);
            case EXIT_ONCE -> {
                if (firstTime(markerDir, i)) {
                    System.exit(17);
                }
            }
            case HALT_ONCE -> {
                if (firstTime(markerDir, i)) {
                    Runtime.getRuntime().halt(19);
                }
            }
            case OOM_ONCE -> {
                if (firstTime(markerDir, i)) {
                    exhaustHeap();
                }
            }
            case EXIT -> System.exit(23);
            case HALT -> Runtime.getRuntime().halt(29);
            case OOM -> exhaustHeap();
            case TIMEOUT -> Thread.sleep(TimeUnit.MINUTES.toMillis(2)); // the worker is killed at the timeout
            case TOO_LARGE -> {
                return new byte[LIMIT + LIMIT / 2];
            }
            default -> {
            }
        }
        if (pauseNanos > 0) {
            LockSupport.parkNanos(pauseNanos);
        }
        return expected(run, i);
    }

    /** Creates a marker file, true the first time only: across workers, and across a worker's deaths. */
    private static boolean firstTime(String markerDir, int input) throws IOException {
        try {
            Files.createFile(Path.of(markerDir, "done-" + input));
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        }
    }

    private static void exhaustHeap() {
        List<long[]> hog = new ArrayList<>();
        while (true) {
            hog.add(new long[1 << 17]);
        }
    }

    // ================================================================ plans

    /** The faults of one run: one per input, mostly NONE, at seeded places. */
    static final class Plan {
        final int run = RUNS.incrementAndGet();
        final byte[] faults = new byte[INPUTS];
        final List<Object> inputs = new ArrayList<>(INPUTS);
        final Map<Fault, Integer> counts = new EnumMap<>(Fault.class);
        final String markerDir;

        Plan(Random random, Object... faultsAndCounts) throws IOException {
            this(random, Inputs.PLAIN, faultsAndCounts);
        }

        Plan(Random random, Inputs kind, Object... faultsAndCounts) throws IOException {
            boolean unprintable = kind == Inputs.UNPRINTABLE;
            for (int k = 0; k < faultsAndCounts.length; k += 2) {
                Fault fault = (Fault) faultsAndCounts[k];
                int count = (Integer) faultsAndCounts[k + 1];
                for (int placed = 0; placed < count; ) {
                    int at = random.nextInt(INPUTS);
                    if (faults[at] == 0) {
                        faults[at] = (byte) fault.ordinal();
                        placed++;
                    }
                }
                counts.merge(fault, count, Integer::sum);
                FAULTS.addAndGet(count);
            }
            for (int i = 0; i < INPUTS; i++) {
                inputs.add(fault(i) == Fault.UNSENDABLE ? new Poison(i, new Thread(() -> { }))
                        : unprintable ? new Unprintable(i) : (Object) i);
            }
            if (unprintable) {
                // Counted apart: every input of the plan is one, which would drown the other counts.
                KINDS.computeIfAbsent("unprintable inputs", k -> new AtomicInteger()).addAndGet(INPUTS);
            }
            markerDir = Files.createDirectory(markers.resolve("run-" + run)).toString();
        }

        Fault fault(int i) {
            return Fault.values()[faults[i]];
        }

        int count(Fault fault) {
            return counts.getOrDefault(fault, 0);
        }

        Task<Object, Object> task(long pauseNanos) {
            return FaultInjectionTest.task(faults, markerDir, run, pauseNanos);
        }

        List<Object> expectedValues() {
            List<Object> values = new ArrayList<>(INPUTS);
            for (int i = 0; i < INPUTS; i++) {
                values.add(expected(run, i));
            }
            return values;
        }
    }

    // ================================================================ checks

    /**
     * Checks one outcome per input, in order: a success carries the right value and was not meant to fail; a
     * failure is the named error its fault calls for. Tasks not meant to fail that failed with
     * {@link WorkerDiedException} (running when their worker was killed from outside; possible only without
     * retries) are counted and returned.
     */
    private static int checkOutcomes(Plan plan, List<Outcome<Object>> outcomes, int kills) {
        assertThat(outcomes).hasSize(INPUTS);
        String killed = kills > 0 ? "signal 9 (KILL)" : "no kill in this run";
        int blamedInnocents = 0;
        for (int i = 0; i < INPUTS; i++) {
            Outcome<Object> outcome = outcomes.get(i);
            Fault fault = plan.fault(i);
            int input = i;
            assertThat(outcome.index()).as("outcome %d", i).isEqualTo(i);
            if (outcome instanceof Outcome.Success<Object> success) {
                assertThat(fault).as("input %d succeeded", i).isIn(Fault.NONE, Fault.EXIT_ONCE, Fault.HALT_ONCE,
                        Fault.OOM_ONCE);
                assertThat(success.value()).as("result %d", i).isEqualTo(expected(plan.run, i));
                continue;
            }
            TaskFailedException error = ((Outcome.Failure<Object>) outcome).error();
            assertThat(error.index()).as("index named by the failure of %d", i).isEqualTo(i);
            String why = "input " + i + " planned " + fault + " failed with " + error;
            if (error instanceof WorkerDiedException && !fault.killsAlways()) {
                // Blamed for a death it did not cause: checked against the kills by the caller.
                blamedInnocents++;
                continue;
            }
            switch (fault) {
                case THROW -> assertThat(error).as(why).isExactlyInstanceOf(TaskFailedException.class).cause()
                        .isInstanceOfSatisfying(PlannedFailure.class, p -> assertThat(p.input).isEqualTo(input));
                case THROW_UNREADABLE -> assertThat(error).isExactlyInstanceOf(TaskFailedException.class).cause()
                        .isInstanceOfSatisfying(UnreadableFailure.class, p -> assertThat(p.input).isEqualTo(input));
                // A kill from outside may come first: then that is what the task is blamed for.
                case EXIT -> assertThat(error).as(why).isInstanceOfSatisfying(WorkerDiedException.class,
                        d -> assertThat(d.exitStatus()).isIn("exit code 23", killed));
                case HALT -> assertThat(error).as(why).isInstanceOfSatisfying(WorkerDiedException.class,
                        d -> assertThat(d.exitStatus()).isIn("exit code 29", killed));
                case OOM -> assertThat(error).as(why).isInstanceOfSatisfying(WorkerDiedException.class,
                        d -> assertThat(d.getMessage().contains("OutOfMemoryError") || d.exitStatus().equals(killed))
                                .isTrue());
                case TIMEOUT -> assertThat(error).as(why).isInstanceOfSatisfying(TaskTimeoutException.class,
                        t -> assertThat(t.timeout()).isEqualTo(TIMEOUT));
                case TOO_LARGE -> assertThat(error).as(why).isExactlyInstanceOf(TaskFailedException.class).cause()
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("could not be sent back")
                        .hasMessageContaining("at most " + LIMIT);
                case UNSENDABLE -> assertThat(error).as(why).isExactlyInstanceOf(TaskFailedException.class).cause()
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be sent")
                        .hasMessageContaining("java.lang.Thread");
                default -> fail(why);
            }
        }
        OUTCOMES.addAndGet(INPUTS);
        return blamedInnocents;
    }

    private static void checkResults(Plan plan, List<Object> results) {
        assertThat(results).as("results of run %d, in input order", plan.run).isEqualTo(plan.expectedValues());
        OUTCOMES.addAndGet(results.size());
    }

    private static int restarts(WorkerPool pool) {
        return pool.insights().workers().stream().mapToInt(Insights.WorkerStats::restarts).sum();
    }

    /** Every worker answers a broadcast, each from a live process of this pool. */
    private static void assertFullSize(WorkerPool pool, Path directory) {
        List<Long> pids = bounded("a broadcast after the run", () -> pool.broadcast(() -> ProcessHandle.current()
                .pid()));
        assertThat(new HashSet<>(pids)).as("distinct workers answering").hasSize(WORKERS);
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
                .as("worker %d alive", pid).contains(true));
        assertThat(workerPids(directory)).containsAll(pids);
        assertThat(pool.insights().workers()).hasSize(WORKERS);
    }

    /** The pool's private directory, where its sockets are made. */
    private static Path directoryOf(WorkerPool pool) {
        List<String> dirs = bounded("a broadcast", () -> pool.broadcast(() -> {
            String socket = Stream.of(ProcessHandle.current().info().arguments().orElseThrow())
                    .filter(a -> a.endsWith(".sock")).findFirst().orElseThrow();
            return Path.of(socket).getParent().toString();
        }));
        assertThat(new HashSet<>(dirs)).hasSize(1);
        Path dir = Path.of(dirs.getFirst());
        assertThat(dir).isDirectory();
        return dir;
    }

    /** The worker processes of the pool whose directory is {@code directory}, by their command lines. */
    private static List<Long> workerPids(Path directory) {
        String marker = directory.toString();
        return ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker) && c.contains("WorkerMain"))
                        .orElse(false))
                .map(ProcessHandle::pid).sorted().toList();
    }

    private static void closeAndCheck(WorkerPool pool, Path directory) {
        List<Long> pids = workerPids(directory);
        bounded("close()", () -> {
            pool.close();
            return null;
        });
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(p -> {
                try {
                    p.onExit().get(10, TimeUnit.SECONDS);
                } catch (InterruptedException | ExecutionException | TimeoutException e) {
                    fail("worker " + pid + " still running after close()");
                }
            });
        }
        assertThat(directory).as("the pool's socket directory after close()").doesNotExist();
    }

    // ================================================================ injection

    /** Runs {@code call} on a thread of its own; fails, with the pool's threads, if it takes over the bound. */
    private static <T> T bounded(String what, Callable<T> call) {
        FutureTask<T> task = new FutureTask<>(call);
        Thread caller = Thread.ofPlatform().name("fault-caller").start(task);
        try {
            return task.get(CALL_BOUND_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            String dump = threadDump();
            caller.interrupt();
            throw new AssertionError(what + " did not return within " + CALL_BOUND_SECONDS + " s:\n" + dump);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String threadDump() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().startsWith("ensemble-") || e.getKey().getName().startsWith("fault-"))
                .map(e -> e.getKey().getName() + "\n    at " + Arrays.stream(e.getValue()).limit(12)
                        .map(String::valueOf).collect(Collectors.joining("\n    at ")))
                .collect(Collectors.joining("\n"));
    }

    /** Waits until the pool has completed {@code tasks} more than {@code base}, or {@code stop} says so. */
    private static void awaitProgress(WorkerPool pool, long base, long tasks, java.util.function.BooleanSupplier stop) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CALL_BOUND_SECONDS);
        while (pool.insights().tasksCompleted() - base < tasks && !stop.getAsBoolean()
                && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
    }

    /**
     * Kills workers of a pool with SIGKILL as a call passes seeded points of its progress; counts the kills made
     * (a call may end before its last point).
     */
    static final class Killer implements AutoCloseable {
        private final Thread thread;
        private volatile boolean stop;
        final AtomicInteger kills = new AtomicInteger();

        Killer(WorkerPool pool, Path directory, Random random, int count) {
            long base = pool.insights().tasksCompleted();
            long[] points = new long[count];
            int[] picks = new int[count];
            for (int k = 0; k < count; k++) {
                points[k] = (long) (INPUTS * (0.05 + 0.75 * random.nextDouble()));
                picks[k] = random.nextInt(WORKERS);
            }
            Arrays.sort(points);
            thread = Thread.ofPlatform().name("fault-killer").start(() -> {
                for (int k = 0; k < count && !stop; k++) {
                    awaitProgress(pool, base, points[k], () -> stop);
                    List<Long> pids = workerPids(directory);
                    if (stop || pids.isEmpty()) {
                        return;
                    }
                    ProcessHandle.of(pids.get(picks[k] % pids.size())).ifPresent(p -> {
                        if (p.destroyForcibly()) {
                            kills.incrementAndGet();
                        }
                    });
                }
            });
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join();
            FAULTS.addAndGet(kills.get());
        }
    }

    private static WorkerPool.Builder processes() {
        return WorkerPool.builder().workers(WORKERS).processes()
                .jvmArgs("-Xmx64m", "-D" + FrameChannel.MAX_FRAME_PROPERTY + "=" + LIMIT);
    }

    // ================================================================ runs

    /**
     * With retries: every call shape under kills and tasks that kill their worker once; then outcomes with
     * every kind of task failure; then interrupted callers and a cancelled future. One pool throughout.
     */
    @Test
    void withRetries_nothingIsLost_andEveryFailureIsTheOnePlanned() throws Exception {
        Random random = new Random(SEED);
        WorkerPool pool = processes().retries(3).taskTimeout(TIMEOUT).build();
        Path directory = directoryOf(pool);
        try {
            // Each run causes at most three deaths: no chunk can run out of its three retries.
            Fault[] once = {Fault.EXIT_ONCE, Fault.HALT_ONCE, Fault.OOM_ONCE};
            for (int shape = 0; shape < 5; shape++) {
                int kills = 1 + random.nextInt(2);
                Plan plan = new Plan(random, once[shape % 3], 3 - kills);
                Task<Object, Object> task = plan.task(PAUSE_NANOS);
                try (Killer killer = new Killer(pool, directory, random, kills)) {
                    switch (shape) {
                        case 0 -> checkResults(plan, bounded("map", () -> pool.map(plan.inputs, task)));
                        case 1 -> {
                            List<Object> any = bounded("mapUnordered", () -> pool.mapUnordered(plan.inputs, task));
                            assertThat(any).containsExactlyInAnyOrderElementsOf(plan.expectedValues());
                            OUTCOMES.addAndGet(any.size());
                        }
                        case 2 -> checkResults(plan, bounded("stream", () -> {
                            List<Object> seen = new ArrayList<>();
                            try (Stream<Object> results = pool.stream(plan.inputs, task)) {
                                Iterator<Object> it = results.iterator();
                                while (it.hasNext()) {
                                    Object next = it.next();
                                    assertThat(next).as("streamed result %d", seen.size())
                                            .isEqualTo(expected(plan.run, seen.size()));
                                    seen.add(next);
                                }
                            }
                            return seen;
                        }));
                        case 3 -> {
                            Set<Object> any = bounded("streamUnordered", () -> {
                                try (Stream<Object> results = pool.streamUnordered(plan.inputs, task)) {
                                    return results.collect(Collectors.toSet());
                                }
                            });
                            assertThat(any).isEqualTo(new HashSet<>(plan.expectedValues()));
                            OUTCOMES.addAndGet(any.size());
                        }
                        default -> checkResults(plan, bounded("mapAsync", () -> pool.mapAsync(plan.inputs, task)
                                .get(CALL_BOUND_SECONDS, TimeUnit.SECONDS)));
                    }
                }
                assertFullSize(pool, directory);
            }

            for (int run = 0; run < 7; run++) {
                int kills = random.nextInt(2);
                Plan plan = new Plan(random, Fault.THROW, 5 + random.nextInt(25), Fault.TOO_LARGE,
                        1 + random.nextInt(3), Fault.UNSENDABLE, 1 + random.nextInt(3), once[run % 3],
                        random.nextInt(2), Fault.TIMEOUT, run % 3 == 0 ? 1 : 0);
                List<Outcome<Object>> outcomes;
                Killer killer = new Killer(pool, directory, random, kills);
                try {
                    outcomes = bounded("mapOutcomes", () -> pool.mapOutcomes(plan.inputs, plan.task(PAUSE_NANOS)));
                } finally {
                    killer.close();
                }
                assertThat(checkOutcomes(plan, outcomes, killer.kills.get())).as("tasks not meant to fail that failed")
                        .isZero();
                assertFullSize(pool, directory);
            }

            interruptedCallers(pool, directory, random);
        } finally {
            closeAndCheck(pool, directory);
        }
    }

    private void interruptedCallers(WorkerPool pool, Path directory, Random random) throws Exception {
        for (int kind = 0; kind < 3; kind++) {
            Plan plan = new Plan(random);
            Task<Object, Object> task = plan.task(1_000_000);
            long base = pool.insights().tasksCompleted();
            long point = 50 + random.nextInt(INPUTS / 4);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<Boolean> flagSet = new AtomicReference<>();
            CompletableFuture<List<Object>> future = kind == 2 ? pool.mapAsync(plan.inputs, task) : null;
            List<Object> seen = new ArrayList<>();
            int which = kind;
            Thread caller = Thread.ofPlatform().name("fault-caller").start(() -> {
                try {
                    switch (which) {
                        case 0 -> pool.mapOutcomes(plan.inputs, task);
                        case 1 -> {
                            try (Stream<Object> results = pool.stream(plan.inputs, task)) {
                                results.forEach(seen::add);
                            }
                        }
                        default -> future.join();
                    }
                } catch (Throwable t) {
                    thrown.set(t);
                    flagSet.set(Thread.currentThread().isInterrupted());
                }
            });
            awaitProgress(pool, base, point, () -> !caller.isAlive());
            if (kind < 2) {
                caller.interrupt(); // the caller waits in the pool: interrupted there
            } else {
                assertThat(future.cancel(true)).isTrue();
            }
            FAULTS.incrementAndGet();
            caller.join(TimeUnit.SECONDS.toMillis(CALL_BOUND_SECONDS));
            assertThat(caller.isAlive()).as("the interrupted caller returned").isFalse();
            assertThat(thrown.get()).as("what the caller got").isInstanceOf(CancellationException.class);
            if (kind < 2) {
                assertThat(flagSet.get()).as("the caller's interrupt flag, kept").isTrue();
            }
            for (int i = 0; i < seen.size(); i++) {
                assertThat(seen.get(i)).isEqualTo(expected(plan.run, i));
            }
            OUTCOMES.addAndGet(1 + seen.size());
            assertFullSize(pool, directory);
        }
        // still fully usable
        Plan plan = new Plan(random);
        checkResults(plan, bounded("map after the interruptions", () -> pool.map(plan.inputs, plan.task(0))));
    }

    /**
     * Without retries: tasks that always kill their worker (exit, halt, out of memory) and kills from outside.
     * Each death fails one input; each such task ends up blamed itself; every other task succeeds.
     */
    @Test
    void withoutRetries_eachDeathFailsOneInput_andEveryKillerTaskIsBlamed() throws Exception {
        Random random = new Random(SEED + 1);
        WorkerPool pool = processes().build();
        Path directory = directoryOf(pool);
        try {
            for (int run = 0; run < 5; run++) {
                Plan plan = new Plan(random, Fault.THROW, 3 + random.nextInt(10),
                        run % 3 == 0 ? Fault.EXIT : run % 3 == 1 ? Fault.HALT : Fault.OOM, 1 + random.nextInt(2),
                        Fault.UNSENDABLE, random.nextInt(2));
                // Tasks of one input per chunk, but for the last run, whose chunks hold many tasks.
                CallOptions options = run < 4 ? CallOptions.defaults().chunkSize(1) : CallOptions.defaults();
                int restartsBefore = restarts(pool);
                List<Outcome<Object>> outcomes;
                Killer killer = new Killer(pool, directory, random, random.nextInt(2));
                try {
                    outcomes = bounded("mapOutcomes", () -> pool.mapOutcomes(plan.inputs, plan.task(PAUSE_NANOS),
                            options));
                } finally {
                    killer.close();
                }
                int kills = killer.kills.get();
                int innocents = checkOutcomes(plan, outcomes, kills);
                INNOCENTS.addAndGet(innocents);
                assertFullSize(pool, directory);
                int deaths = restarts(pool) - restartsBefore;
                long died = outcomes.stream().filter(o -> o instanceof Outcome.Failure<Object> f
                        && f.error() instanceof WorkerDiedException).count();
                int killers = plan.count(Fault.EXIT) + plan.count(Fault.HALT) + plan.count(Fault.OOM);
                assertThat(died).as("inputs failed by deaths, at most one per death (%d deaths, %d kills)", deaths,
                        kills).isLessThanOrEqualTo(deaths).isEqualTo(killers + innocents);
                // A worker marks the task it runs, so a task is blamed only for its own death, or for a kill
                // from outside that came while it ran.
                assertThat(innocents).as("other tasks blamed (%d kills from outside)", kills)
                        .isLessThanOrEqualTo(Math.min(kills, deaths - killers));
            }
        } finally {
            closeAndCheck(pool, directory);
        }
    }

    /**
     * The pool closed, or terminated, in the middle of a call: close() lets the call finish (even with a worker
     * being replaced at that moment), cancels a stream; terminate() cancels at once. Nothing is left either way.
     */
    @Test
    void closedOrTerminatedMidCall_callsEndAsDocumented_andNothingRemains() throws Exception {
        Random random = new Random(SEED + 2);
        for (int kind = 0; kind < 4; kind++) {
            WorkerPool pool = processes().retries(1).build();
            Path directory = directoryOf(pool);
            Plan plan = new Plan(random);
            Task<Object, Object> task = plan.task(500_000);
            long point = 50 + random.nextInt(INPUTS / 2);
            FAULTS.incrementAndGet();
            switch (kind) {
                case 0, 1 -> {
                    CompletableFuture<List<Object>> results = pool.mapAsync(plan.inputs, task);
                    awaitProgress(pool, 0, point, results::isDone);
                    if (kind == 1) {
                        // a worker dies as the pool closes: its chunk still runs again, elsewhere or on its
                        // replacement
                        List<Long> pids = workerPids(directory);
                        ProcessHandle.of(pids.get(random.nextInt(pids.size()))).ifPresent(ProcessHandle::destroyForcibly);
                        FAULTS.incrementAndGet();
                    }
                    closeAndCheck(pool, directory);
                    assertThat(results).isDone();
                    checkResults(plan, results.get());
                }
                case 2 -> {
                    List<Object> seen = new ArrayList<>();
                    AtomicReference<Throwable> thrown = new AtomicReference<>();
                    Thread reader = Thread.ofPlatform().name("fault-caller").start(() -> {
                        try (Stream<Object> results = pool.stream(plan.inputs, task)) {
                            results.forEach(seen::add);
                        } catch (Throwable t) {
                            thrown.set(t);
                        }
                    });
                    awaitProgress(pool, 0, point, () -> !reader.isAlive());
                    closeAndCheck(pool, directory);
                    reader.join(TimeUnit.SECONDS.toMillis(CALL_BOUND_SECONDS));
                    assertThat(reader.isAlive()).isFalse();
                    assertThat(thrown.get()).as("the stream's reader, its pool closed").isInstanceOf(
                            CancellationException.class);
                    for (int i = 0; i < seen.size(); i++) {
                        assertThat(seen.get(i)).isEqualTo(expected(plan.run, i));
                    }
                    OUTCOMES.addAndGet(1 + seen.size());
                }
                default -> {
                    AtomicReference<Throwable> thrown = new AtomicReference<>();
                    Thread caller = Thread.ofPlatform().name("fault-caller").start(() -> {
                        try {
                            pool.mapOutcomes(plan.inputs, task);
                        } catch (Throwable t) {
                            thrown.set(t);
                        }
                    });
                    awaitProgress(pool, 0, point, () -> !caller.isAlive());
                    List<Long> pids = workerPids(directory);
                    bounded("terminate()", () -> {
                        pool.terminate();
                        return null;
                    });
                    caller.join(TimeUnit.SECONDS.toMillis(CALL_BOUND_SECONDS));
                    assertThat(caller.isAlive()).isFalse();
                    assertThat(thrown.get()).as("the caller, its pool terminated").isInstanceOf(
                            CancellationException.class);
                    OUTCOMES.incrementAndGet();
                    closeAndCheck(pool, directory); // idempotent; checks the directory
                    assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
                            .isNotEqualTo(java.util.Optional.of(true)));
                }
            }
            assertThat(workerPids(directory)).isEmpty();
        }
    }

    /**
     * Eight callers at once, one per call shape, under a kill storm that also hits booting replacements, with user
     * code that misbehaves: exceptions whose message cannot be read, inputs whose {@code toString} throws, a call
     * whose input source blocks until every other call has finished (none may wait for it), and tasks that run
     * pools of their own inside their worker. Every input gets exactly one outcome.
     */
    @Test
    void hostileUserCode_eightConcurrentCallers_andAKillStorm_everyInputGetsOneOutcome() throws Exception {
        Random random = new Random(SEED + 3);
        WorkerPool pool = processes().retries(1_000).build();
        Path directory = directoryOf(pool);
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(8,
                Thread.ofPlatform().name("fault-caller-", 0).factory());
        java.util.concurrent.CountDownLatch othersDone = new java.util.concurrent.CountDownLatch(7);
        AtomicInteger stormKills = new AtomicInteger();
        try {
            List<Plan> plans = new ArrayList<>();
            for (int shape = 0; shape < 8; shape++) {
                plans.add(new Plan(random, shape % 2 == 0 ? Inputs.UNPRINTABLE : Inputs.PLAIN, Fault.THROW_UNREADABLE, shape == 2 ? 20 : 0));
            }
            injected("concurrent callers", 8);
            List<java.util.concurrent.Future<?>> calls = new ArrayList<>();
            for (int shape = 0; shape < 8; shape++) {
                Plan plan = plans.get(shape);
                Task<Object, Object> task = plan.task(PAUSE_NANOS);
                int which = shape;
                calls.add(callers.submit(() -> {
                    try {
                        switch (which) {
                            case 0 -> checkResults(plan, pool.map(plan.inputs, task));
                            case 1 -> {
                                assertThat(pool.mapUnordered(plan.inputs, task))
                                        .containsExactlyInAnyOrderElementsOf(plan.expectedValues());
                                OUTCOMES.addAndGet(INPUTS);
                            }
                            case 2 -> assertThat(checkOutcomes(plan, pool.mapOutcomes(plan.inputs, task), 0))
                                    .as("tasks not meant to fail that failed").isZero();
                            case 3 -> {
                                // Its source blocks half way until the seven others are done: they must not wait.
                                Iterable<Object> blocking = () -> new Iterator<>() {
                                    private int next;

                                    @Override
                                    public boolean hasNext() {
                                        if (next == INPUTS / 2) {
                                            try {
                                                othersDone.await();
                                            } catch (InterruptedException e) {
                                                Thread.currentThread().interrupt();
                                                return false;
                                            }
                                        }
                                        return next < INPUTS;
                                    }

                                    @Override
                                    public Object next() {
                                        return plan.inputs.get(next++);
                                    }
                                };
                                injected("blocking input sources", 1);
                                try (Stream<Object> results = pool.stream(blocking, task)) {
                                    checkResults(plan, results.toList());
                                }
                            }
                            case 4 -> {
                                try (Stream<Object> results = pool.streamUnordered(plan.inputs, task)) {
                                    assertThat(results.collect(Collectors.toSet()))
                                            .isEqualTo(new HashSet<>(plan.expectedValues()));
                                }
                                OUTCOMES.addAndGet(INPUTS);
                            }
                            case 5 -> checkResults(plan, pool.mapAsync(plan.inputs, task)
                                    .get(CALL_BOUND_SECONDS, TimeUnit.SECONDS));
                            case 6 -> {
                                List<CompletableFuture<Object>> jobs = new ArrayList<>();
                                for (int i = 0; i < 200; i++) {
                                    Object input = plan.inputs.get(i);
                                    jobs.add(pool.submit(() -> task.apply(input)));
                                }
                                for (int i = 0; i < jobs.size(); i++) {
                                    assertThat(jobs.get(i).get(CALL_BOUND_SECONDS, TimeUnit.SECONDS))
                                            .isEqualTo(expected(plan.run, i));
                                }
                                OUTCOMES.addAndGet(jobs.size());
                            }
                            default -> {
                                // Each task runs a pool of its own inside its worker (nested parallelism).
                                List<Integer> sums = pool.map(range(40), x -> {
                                    try (WorkerPool inner = WorkerPool.threads(2)) {
                                        return inner.map(range(10), y -> x + y).stream().mapToInt(v -> v).sum();
                                    }
                                }, CallOptions.defaults().chunkSize(1));
                                assertThat(sums).isEqualTo(range(40).stream().map(x -> 10 * x + 45).toList());
                                injected("nested pools", 40);
                                OUTCOMES.addAndGet(40);
                            }
                        }
                    } finally {
                        if (which != 3) {
                            othersDone.countDown();
                        }
                    }
                    return null;
                }));
            }
            // The storm: a seeded worker (booting replacements included) killed at a seeded pace, STORM_KILLS
            // times or until the seven callers that do not wait are done.
            Thread storm = Thread.ofPlatform().name("fault-storm").start(() -> {
                Random pace = new Random(SEED + 4);
                while (othersDone.getCount() > 0 && stormKills.get() < STORM_KILLS) {
                    List<Long> pids = ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                            .filter(p -> p.info().commandLine().map(c -> c.contains("WorkerMain")).orElse(false))
                            .map(ProcessHandle::pid).sorted().toList();
                    if (!pids.isEmpty() && ProcessHandle.of(pids.get(pace.nextInt(pids.size())))
                            .map(ProcessHandle::destroyForcibly).orElse(false)) {
                        stormKills.incrementAndGet();
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200 + pace.nextInt(400)));
                }
            });
            try {
                for (java.util.concurrent.Future<?> call : calls) {
                    try {
                        call.get(CALL_BOUND_SECONDS, TimeUnit.SECONDS);
                    } catch (TimeoutException e) {
                        throw new AssertionError("a call did not return within " + CALL_BOUND_SECONDS + " s:\n"
                                + threadDump());
                    } catch (ExecutionException e) {
                        throw new AssertionError("a caller failed", e.getCause());
                    }
                }
            } finally {
                othersDone.countDown(); // never leave the blocking source (or the storm) waiting
                storm.join();
                injected("storm kills", stormKills.get());
            }
            assertFullSize(pool, directory);
        } finally {
            callers.shutdownNow();
            closeAndCheck(pool, directory);
        }
    }

    private static List<Integer> range(int n) {
        return java.util.stream.IntStream.range(0, n).boxed().toList();
    }
}
