package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every backend of {@link WorkerPool} shares. A backend's test is a thin subclass that says how
 * to build its pools ({@link #builder()}).
 *
 * <p>Tasks here may run in another JVM, so they capture only serializable values and coordinate through
 * {@link FileLatch}es, never through objects of the test's JVM.
 */
@ExtendWith(LeakCheck.class)
public abstract class WorkerPoolContract {
    /** Long enough for any coordination in these tests; only reached when something is broken. */
    protected static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    protected Path temp;

    private final List<WorkerPool> pools = new ArrayList<>();

    /**
     * One pool of two workers per test class, for the tests that only read a pool: they neither close it nor
     * kill, time out or cancel its workers, nor count its insights. Starting a pool of worker JVMs (or of cluster
     * members' worker JVMs) is most of such a test's time. It is built with the class's first test instance, so the
     * leak check, which looks before each test, sees it as there already; it is closed after the class's last test.
     */
    private static final Map<Class<?>, WorkerPool> SHARED = new ConcurrentHashMap<>();

    /** Builds the class's shared pool once; {@link #builder()} only names the backend, so calling it here is safe. */
    @SuppressWarnings("this-escape")
    protected WorkerPoolContract() {
        SHARED.computeIfAbsent(getClass(), c -> builder().workers(2).build());
    }

    /**
     * A builder for this backend's pools, with the kind of worker already chosen.
     *
     * @return a fresh builder
     */
    protected abstract WorkerPool.Builder builder();

    /** Builds a pool of {@code workers} that the test closes for sure. */
    protected WorkerPool pool(int workers) {
        return track(builder().workers(workers).build());
    }

    protected WorkerPool track(WorkerPool pool) {
        pools.add(pool);
        return pool;
    }

    /** @return the class's pool of two workers shared by the tests that only read a pool (see {@link #SHARED}) */
    protected WorkerPool shared() {
        return SHARED.get(getClass());
    }

    @AfterEach
    void closePools() {
        for (WorkerPool pool : pools) {
            pool.close();
        }
    }

    @AfterAll
    static void closeSharedPools() {
        for (WorkerPool pool : SHARED.values()) {
            pool.close();
        }
        SHARED.clear();
    }

    static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    // ---------------------------------------------------------------- map

    @Test
    void map_keepsInputOrder() {
        WorkerPool pool = shared();
        assertThat(pool.map(range(1000), x -> x * 3)).isEqualTo(range(1000).stream().map(x -> x * 3).toList());
    }

    /**
     * A caller on a fork-join pool's thread (a parallel stream, {@code CompletableFuture.supplyAsync}) that blocks
     * in a call lets that pool run its other tasks meanwhile, as a future's {@code get} does: here the call's tasks
     * wait for another task of the same one-thread fork-join pool, which runs only if the pool adds a thread.
     */
    @Test
    void aCallBlockingAForkJoinThread_letsThatPoolRunItsOtherTasks() throws Exception {
        java.util.concurrent.ForkJoinPool forkJoin = new java.util.concurrent.ForkJoinPool(1);
        try {
            FileLatch otherTaskRan = FileLatch.create(temp, 1);
            CountDownLatch calling = new CountDownLatch(1);
            java.util.concurrent.Future<List<Integer>> call = forkJoin.submit(() -> {
                calling.countDown();
                return shared().map(List.of(1, 2), x -> {
                    otherTaskRan.await(PATIENCE);
                    return x * 10;
                });
            });
            assertThat(calling.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
            forkJoin.submit(() -> otherTaskRan.countDown("ran"));
            assertThat(call.get(PATIENCE.toSeconds() * 2, TimeUnit.SECONDS)).containsExactly(10, 20);
        } finally {
            forkJoin.shutdownNow();
        }
    }

    @Test
    void map_ofNothing_isEmpty() {
        assertThat(shared().map(List.<Integer>of(), x -> x + 1)).isEmpty();
    }

    @Test
    void map_ofOneInput() {
        assertThat(shared().map(List.of("a"), s -> s + "!")).containsExactly("a!");
    }

    @Test
    void map_passesNullInputsAndResultsThrough() {
        List<String> inputs = new ArrayList<>(List.of("a", "b"));
        inputs.add(1, null);
        assertThat(shared().map(inputs, s -> s == null ? null : s.toUpperCase())).containsExactly("A", null, "B");
    }

    @Test
    void map_acceptsAnyIterable() {
        Iterable<Long> inputs = () -> LongStream.range(0, 500).iterator();
        List<Long> out = shared().map(inputs, x -> x + 1);
        assertThat(out).hasSize(500).startsWith(1L, 2L).endsWith(500L);
    }

    @Test
    void map_ofLargeArrays_returnsThemIntact() {
        // 8 MiB each way per array: more than a socket holds, so a worker process gets them through shared memory.
        List<double[]> arrays = IntStream.range(0, 4).mapToObj(k -> {
            double[] array = new double[1 << 20];
            Arrays.setAll(array, i -> i * 0.5 + k);
            return array;
        }).toList();
        List<double[]> back = pool(2).map(arrays, a -> {
            double[] doubled = a.clone();
            for (int i = 0; i < doubled.length; i++) {
                doubled[i] *= 2;
            }
            return doubled;
        });
        assertThat(back).hasSize(4);
        for (int k = 0; k < 4; k++) {
            assertThat(back.get(k)).as("array %d", k).hasSize(1 << 20).startsWith(2.0 * k, 1 + 2.0 * k)
                    .endsWith(((1 << 20) - 1) + 2.0 * k);
        }
    }

    @Test
    void map_largeInputWithAutomaticChunks_isComplete() {
        List<Integer> out = shared().map(range(200_000), x -> x % 7);
        assertThat(out).hasSize(200_000);
        for (int i = 0; i < out.size(); i++) {
            assertThat(out.get(i)).isEqualTo(i % 7);
        }
    }

    @Test
    void map_withFixedChunkSizes_givesTheSameResults() {
        WorkerPool pool = shared();
        List<Integer> expected = range(101).stream().map(x -> x * x).toList();
        for (int size : new int[] {1, 2, 7, 100, 101, 1000}) {
            assertThat(pool.map(range(101), x -> x * x, CallOptions.defaults().chunkSize(size)))
                    .as("chunk size %d", size).isEqualTo(expected);
        }
    }

    @Test
    void map_runsOnAllWorkersAtOnce() throws Exception {
        // Every task waits until all of them have started: this only ends if they run in parallel.
        FileLatch allStarted = FileLatch.create(temp, 3);
        List<Integer> ids = pool(3).map(range(3), i -> {
            allStarted.countDown("task-" + i);
            allStarted.await(PATIENCE);
            return WorkerContext.current().workerId();
        }, CallOptions.defaults().chunkSize(1));
        assertThat(new HashSet<>(ids)).containsExactlyInAnyOrder(0, 1, 2);
    }

    @Test
    void map_returnsAnUnmodifiableList() {
        List<Integer> out = pool(1).map(range(3), x -> x);
        assertThatThrownBy(() -> out.add(4)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void map_reusesThePoolAcrossManyCalls() {
        WorkerPool pool = shared();
        for (int call = 0; call < 50; call++) {
            int offset = call;
            assertThat(pool.map(range(20), x -> x + offset)).startsWith(offset).hasSize(20);
        }
    }

    @Test
    void map_fromConcurrentCallers_eachGetsItsOwnResults() throws Exception {
        WorkerPool pool = shared();
        int callers = 6;
        List<CompletableFuture<Boolean>> results = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < callers; c++) {
            int id = c;
            CompletableFuture<Boolean> ok = new CompletableFuture<>();
            results.add(ok);
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                    List<Integer> out = pool.map(range(2_000), x -> x * 10 + id, CallOptions.defaults().chunkSize(50));
                    boolean correct = true;
                    for (int i = 0; i < out.size(); i++) {
                        correct &= out.get(i) == i * 10 + id;
                    }
                    ok.complete(correct);
                } catch (Throwable t) {
                    ok.completeExceptionally(t);
                }
            }));
        }
        go.countDown();
        for (CompletableFuture<Boolean> ok : results) {
            assertThat(ok.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    // ---------------------------------------------------------------- unordered

    @Test
    void mapUnordered_returnsEveryResultExactlyOnce() {
        List<Integer> out = shared().mapUnordered(range(5_000), x -> x * 2, CallOptions.defaults().chunkSize(10));
        assertThat(out).hasSize(5_000).containsExactlyInAnyOrderElementsOf(range(5_000).stream().map(x -> x * 2).toList());
    }

    @Test
    void streamUnordered_deliversInCompletionOrder() throws Exception {
        FileLatch gate = FileLatch.create(temp, 1);
        try (Stream<Integer> results = pool(2).streamUnordered(List.of(0, 1), x -> {
            if (x == 0) {
                gate.await(PATIENCE); // input 0 finishes only after input 1 has been read
            }
            return x;
        }, CallOptions.defaults().chunkSize(1))) {
            Iterator<Integer> it = results.iterator();
            assertThat(it.next()).isEqualTo(1);
            gate.countDown("open");
            assertThat(it.next()).isEqualTo(0);
            assertThat(it.hasNext()).isFalse();
        }
    }

    // ---------------------------------------------------------------- streams

    @Test
    void stream_keepsInputOrder() {
        try (Stream<Integer> s = shared().stream(range(3_000), x -> x - 1, CallOptions.defaults().chunkSize(7))) {
            assertThat(s.toList()).isEqualTo(range(3_000).stream().map(x -> x - 1).toList());
        }
    }

    @Test
    void stream_overAnEndlessInput_isLazy() {
        Iterable<Integer> naturals = () -> Stream.iterate(0, n -> n + 1).iterator();
        try (Stream<Integer> s = pool(2).stream(naturals, x -> x * 2)) {
            assertThat(s.limit(1_000).toList()).isEqualTo(range(1_000).stream().map(x -> x * 2).toList());
        }
    }

    @Test
    void stream_readsInputsOnlyAsFastAsTheyAreConsumed() {
        AtomicLong read = new AtomicLong();
        Iterable<Long> counting = () -> Stream.generate(read::incrementAndGet).iterator();
        WorkerPool pool = pool(2);
        try (Stream<Long> s = pool.stream(counting, x -> x, CallOptions.defaults().chunkSize(1).maxChunksInFlight(2))) {
            Iterator<Long> it = s.iterator();
            for (int i = 0; i < 5; i++) {
                it.next();
            }
            // Nothing more is read until the consumer asks: at most the bound past what was consumed.
            assertThat(read.get()).isLessThanOrEqualTo(5 + 2 + 1);
        }
    }

    @Test
    void stream_whenATaskFails_yieldsWhatCameBeforeThenThrows() {
        List<Integer> seen = new ArrayList<>();
        try (Stream<Integer> s = pool(2).stream(range(100), x -> {
            if (x == 50) {
                throw new IllegalArgumentException("fifty");
            }
            return x;
        }, CallOptions.defaults().chunkSize(1))) {
            assertThatThrownBy(() -> s.forEachOrdered(seen::add)).isInstanceOf(TaskFailedException.class)
                    .hasMessageContaining("index 50");
        }
        assertThat(seen).isEqualTo(range(seen.size()));
        assertThat(seen.size()).isLessThanOrEqualTo(50);
    }

    @Test
    void stream_closedEarly_cancelsTheRestAndThePoolStaysUsable() {
        WorkerPool pool = pool(2);
        Iterable<Integer> naturals = () -> Stream.iterate(0, n -> n + 1).iterator();
        try (Stream<Integer> s = pool.stream(naturals, x -> x)) {
            assertThat(s.iterator().next()).isZero();
        }
        assertThat(pool.map(range(10), x -> x + 1)).isEqualTo(range(11).subList(1, 11));
    }

    @Test
    void stream_ofNothing_isEmpty() {
        try (Stream<Integer> s = shared().stream(List.<Integer>of(), x -> x)) {
            assertThat(s.toList()).isEmpty();
        }
    }

    // ---------------------------------------------------------------- async, submit, apply, broadcast

    @Test
    void mapAsync_completesWithResultsInOrder() throws Exception {
        CompletableFuture<List<Integer>> f = shared().mapAsync(range(1_000), x -> x + 5);
        assertThat(f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(range(1_005).subList(5, 1_005));
    }

    @Test
    void mapAsync_failsWithTaskFailedException() {
        CompletableFuture<List<Integer>> f = shared().mapAsync(range(10), x -> 10 / (x - 3));
        assertThatThrownBy(() -> f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(TaskFailedException.class).hasMessageContaining("index 3")
                .cause().isInstanceOf(ArithmeticException.class);
    }

    @Test
    void mapAsync_cancelled_leavesThePoolUsable() throws Exception {
        WorkerPool pool = pool(2);
        FileLatch gate = FileLatch.create(temp, 1);
        CompletableFuture<List<Integer>> f = pool.mapAsync(range(100), x -> {
            gate.await(PATIENCE);
            return x;
        }, CallOptions.defaults().chunkSize(1));
        assertThat(f.cancel(true)).isTrue();
        gate.countDown("open");
        assertThat(f).isCancelled();
        assertThat(pool.map(range(5), x -> x)).isEqualTo(range(5));
    }

    @Test
    void submit_runsOneJob() throws Exception {
        assertThat(shared().submit(() -> "done").get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo("done");
    }

    @Test
    void submit_ofAFailingJob_completesExceptionally() {
        CompletableFuture<Object> f = shared().submit(() -> {
            throw new IOException("disk gone");
        });
        assertThatThrownBy(() -> f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).cause()
                .isInstanceOf(TaskFailedException.class).cause().isInstanceOf(IOException.class)
                .hasMessage("disk gone");
    }

    @Test
    void submit_manyJobsAtOnce_allComplete() throws Exception {
        WorkerPool pool = shared();
        List<CompletableFuture<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int n = i;
            futures.add(pool.submit(() -> n * n));
        }
        for (int i = 0; i < futures.size(); i++) {
            assertThat(futures.get(i).get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(i * i);
        }
    }

    @Test
    void submit_cancelled_beforeItRuns_neverRuns() throws Exception {
        WorkerPool pool = pool(1);
        FileLatch started = FileLatch.create(temp, 1);
        FileLatch gate = FileLatch.create(temp, 1);
        String marker = temp.resolve("ran").toString();
        try {
            CompletableFuture<Integer> busy = pool.submit(() -> {
                started.countDown("busy");
                gate.await(PATIENCE);
                return 1;
            });
            started.await(PATIENCE);
            CompletableFuture<Integer> queued = pool.submit(() -> {
                java.nio.file.Files.createFile(java.nio.file.Path.of(marker));
                return 2;
            });
            assertThat(queued.cancel(true)).isTrue();
            gate.countDown("open");
            assertThat(busy.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isOne();
            assertThat(pool.apply(() -> 3)).isEqualTo(3); // anything queued before this has run or been dropped
            assertThat(java.nio.file.Path.of(marker)).as("the cancelled job").doesNotExist();
        } finally {
            gate.countDown("open");
        }
    }

    @Test
    void apply_returnsTheJobsResult() {
        assertThat(shared().apply(() -> 6 * 7)).isEqualTo(42);
    }

    @Test
    void apply_ofAFailingJob_throwsWithoutAnIndex() {
        assertThatThrownBy(() -> shared().apply(() -> {
            throw new IllegalStateException("nope");
        })).isInstanceOfSatisfying(TaskFailedException.class, e -> {
            assertThat(e.index()).isEqualTo(TaskFailedException.NO_INDEX);
            assertThat(e.getCause()).isInstanceOf(IllegalStateException.class).hasMessage("nope");
        });
    }

    @Test
    void broadcast_runsOncePerWorker_inWorkerOrder() {
        assertThat(pool(3).broadcast(() -> WorkerContext.current().workerId())).containsExactly(0, 1, 2);
    }

    @Test
    void broadcast_failureNamesTheWorker() {
        assertThatThrownBy(() -> shared().broadcast(() -> {
            if (WorkerContext.current().workerId() == 1) {
                throw new IllegalStateException("worker one refuses");
            }
            return 0;
        })).isInstanceOfSatisfying(TaskFailedException.class, e -> {
            assertThat(e.workerId()).isEqualTo(1);
            assertThat(e.getMessage()).contains("worker 1");
        });
    }

    // ---------------------------------------------------------------- failures

    @Test
    void map_failure_namesWorkerIndexAndInput() {
        assertThatThrownBy(() -> shared().map(List.of("1", "2", "three", "4"), Integer::parseInt))
                .isInstanceOfSatisfying(TaskFailedException.class, e -> {
                    assertThat(e.index()).isEqualTo(2);
                    assertThat(e.input()).isEqualTo("\"three\"");
                    assertThat(e.workerId()).isBetween(0, 1);
                    assertThat(e.getMessage()).contains("index 2").contains("three").contains("worker " + e.workerId());
                    assertThat(e.getCause()).isInstanceOf(NumberFormatException.class);
                });
    }

    @Test
    void map_failure_keepsTheCheckedCauseAndItsStackTrace() {
        assertThatThrownBy(() -> shared().map(range(5), x -> {
            if (x == 4) {
                throw new IOException("file " + x + " unreadable");
            }
            return x;
        })).isInstanceOf(TaskFailedException.class).cause().isInstanceOf(IOException.class)
                .hasMessage("file 4 unreadable")
                .satisfies(cause -> assertThat(cause.getStackTrace()).isNotEmpty());
    }

    @Test
    void map_anErrorThrownByATask_isReportedNotSwallowed() {
        assertThatThrownBy(() -> pool(2).map(range(3), x -> {
            if (x == 1) {
                throw new AssertionError("invariant broken");
            }
            return x;
        })).isInstanceOf(TaskFailedException.class).cause().isInstanceOf(AssertionError.class)
                .hasMessage("invariant broken");
    }

    @Test
    void map_failure_cancelsTheRestOfTheCall() throws Exception {
        WorkerPool pool = pool(2);
        FileLatch gate = FileLatch.create(temp, 1);
        FileLatch ran = FileLatch.create(temp, 1_000);
        assertThatThrownBy(() -> pool.map(range(1_000), x -> {
            ran.countDown("input-" + x);
            if (x == 0) {
                throw new IllegalStateException("first input fails");
            }
            gate.await(PATIENCE); // the others wait until the test has seen the failure
            return x;
        }, CallOptions.defaults().chunkSize(1))).isInstanceOf(TaskFailedException.class);
        gate.countDown("open");
        pool.close(); // waits for the running tasks
        assertThat(ran.arrived()).as("tasks started after the failure").isLessThanOrEqualTo(3);
    }

    @Test
    void map_withTheFirstOfSeveralFailures_reportsOneOfThem() {
        assertThatThrownBy(() -> shared().map(range(100), x -> {
            if (x % 10 == 9) {
                throw new IllegalArgumentException("bad " + x);
            }
            return x;
        }, CallOptions.defaults().chunkSize(5))).isInstanceOfSatisfying(TaskFailedException.class,
                e -> assertThat(e.index() % 10).isEqualTo(9));
    }

    @Test
    void mapOutcomes_givesEveryInputAnOutcome() {
        List<Outcome<Integer>> outcomes = shared().mapOutcomes(List.of("1", "x", "3", "y"), Integer::parseInt,
                CallOptions.defaults().chunkSize(1));
        assertThat(outcomes).hasSize(4);
        assertThat(outcomes.get(0)).isEqualTo(new Outcome.Success<>(0, 1));
        assertThat(outcomes.get(2)).isEqualTo(new Outcome.Success<>(2, 3));
        for (int failed : new int[] {1, 3}) {
            Outcome<Integer> o = outcomes.get(failed);
            assertThat(o.isSuccess()).isFalse();
            assertThat(o.index()).isEqualTo(failed);
            assertThat(((Outcome.Failure<Integer>) o).error().getCause()).isInstanceOf(NumberFormatException.class);
            assertThatThrownBy(o::getOrThrow).isInstanceOf(TaskFailedException.class);
        }
    }

    @Test
    void mapOutcomes_withFailuresInsideLargeChunks_keepsGoing() {
        List<Outcome<Integer>> outcomes = shared().mapOutcomes(range(1_000), x -> {
            if (x % 100 == 0) {
                throw new IllegalStateException("hundred");
            }
            return x;
        });
        assertThat(outcomes).hasSize(1_000);
        assertThat(outcomes.stream().filter(o -> !o.isSuccess()).map(Outcome::index).toList())
                .containsExactly(0L, 100L, 200L, 300L, 400L, 500L, 600L, 700L, 800L, 900L);
    }

    @Test
    void inputsThatFailToIterate_failTheCallWithTheReason() {
        Iterable<Integer> broken = () -> new Iterator<>() {
            int n;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Integer next() {
                if (n == 10) {
                    throw new IllegalStateException("source dried up");
                }
                return n++;
            }
        };
        assertThatThrownBy(() -> shared().map(broken, x -> x)).hasMessageContaining("source dried up")
                .hasMessageContaining("index 10");
    }

    @Test
    void interruptedCaller_cancelsItsCall_andThePoolStaysUsable() throws Exception {
        WorkerPool pool = pool(2);
        FileLatch started = FileLatch.create(temp, 2);
        FileLatch gate = FileLatch.create(temp, 1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        Thread caller = Thread.ofPlatform().start(() -> {
            try {
                pool.map(range(100), x -> {
                    started.countDown("task-" + x);
                    gate.await(PATIENCE);
                    return x;
                }, CallOptions.defaults().chunkSize(1));
            } catch (Throwable t) {
                thrown.set(t);
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        started.await(PATIENCE);
        caller.interrupt();
        caller.join(PATIENCE.toMillis());
        gate.countDown("open");
        assertThat(thrown.get()).isInstanceOf(CancellationException.class).hasMessageContaining("interrupted");
        assertThat(stillInterrupted.get()).isTrue();
        assertThat(pool.map(range(4), x -> x * 2)).containsExactly(0, 2, 4, 6);
    }

    // ---------------------------------------------------------------- context, shared objects, hooks

    @Test
    void context_givesWorkerIdAndCount() {
        List<String> seen = shared().map(range(100), x -> {
            WorkerContext c = WorkerContext.current();
            return c.workerId() + "/" + c.workerCount();
        });
        assertThat(new HashSet<>(seen)).isSubsetOf(Set.of("0/2", "1/2"));
    }

    @Test
    void context_outsideAWorker_isAClearError() {
        assertThatThrownBy(WorkerContext::current).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("only inside a task");
    }

    @Test
    void sharedObjects_areVisibleToEveryTask() {
        List<Integer> table = List.of(10, 20, 30);
        WorkerPool pool = track(builder().workers(2).sharedObjects(new ArrayList<>(table)).build());
        assertThat(pool.map(List.of(2, 0, 1), i -> WorkerContext.current().<List<Integer>>shared().get(i)))
                .containsExactly(30, 10, 20);
    }

    @Test
    void sharedObjects_areOneInstancePerWorker() {
        WorkerPool pool = track(builder().workers(2).sharedObjects(new ArrayList<>(List.of(1))).build());
        List<Integer> identities = pool.broadcast(() -> {
            List<Integer> shared = WorkerContext.current().shared();
            return System.identityHashCode(shared);
        });
        List<Integer> again = pool.broadcast(() -> System.identityHashCode(WorkerContext.current().shared()));
        assertThat(again).isEqualTo(identities);
    }

    @Test
    void shared_withoutSharedObjects_failsTheTaskWithAClearMessage() {
        assertThatThrownBy(() -> pool(1).apply(() -> WorkerContext.current().shared()))
                .isInstanceOf(TaskFailedException.class).cause().isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sharedObjects");
    }

    @Test
    void onWorkerStart_runsOnEveryWorkerBeforeItsTasks() {
        FileLatch starts = FileLatch.create(temp, 2);
        WorkerPool pool = track(builder().workers(2)
                .onWorkerStart(ctx -> starts.countDown("start-" + ctx.workerId())).build());
        assertThat(starts.arrived()).isEqualTo(2);
        assertThat(pool.map(range(10), x -> x)).hasSize(10);
        assertThat(starts.arrived()).isEqualTo(2);
    }

    @Test
    void onWorkerExit_runsOnEveryWorkerWhenThePoolCloses() {
        FileLatch exits = FileLatch.create(temp, 2);
        WorkerPool pool = builder().workers(2).onWorkerExit(ctx -> exits.countDown("exit-" + ctx.workerId())).build();
        pool.map(range(10), x -> x);
        assertThat(exits.arrived()).isZero();
        pool.close();
        assertThat(exits.arrived()).isEqualTo(2);
    }

    /** Whether this backend collects the values of an exit function (the cluster backend refuses the option). */
    protected boolean collectsExitResults() {
        return true;
    }

    @Test
    void exitResult_collectsOneValuePerWorker_afterClose() {
        if (!collectsExitResults()) {
            assertThatThrownBy(() -> builder().workers(2).exitResult(ctx -> ctx.workerId()).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exitResult");
            return;
        }
        WorkerPool pool = builder().workers(2).onWorkerExit(ctx -> { })
                .exitResult(ctx -> "worker " + ctx.workerId() + " of " + ctx.workerCount()).build();
        try {
            assertThat(pool.map(range(10), x -> x)).hasSize(10);
            assertThatThrownBy(pool::exitResults).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("after close()");
        } finally {
            pool.close();
        }
        List<String> values = pool.exitResults();
        assertThat(values).containsExactly("worker 0 of 2", "worker 1 of 2");
    }

    @Test
    void exitResult_ofARecycledWorker_isCollectedEachTime() {
        if (!collectsExitResults()) {
            return;
        }
        WorkerPool pool = builder().workers(1).maxTasksPerWorker(10).exitResult(ctx -> ctx.workerId()).build();
        try {
            assertThat(pool.map(range(35), x -> x + 1, CallOptions.defaults().chunkSize(5))).hasSize(35);
        } finally {
            pool.close();
        }
        // A fresh worker after tasks 10, 20 and 30, and the last one at close: four exits.
        assertThat(pool.<Integer>exitResults()).containsExactly(0, 0, 0, 0);
    }

    @Test
    void exitResult_thatThrows_isReportedByExitResults_andTerminateCollectsWhatRan() {
        if (!collectsExitResults()) {
            return;
        }
        WorkerPool failing = builder().workers(2).exitResult(ctx -> {
            throw new IllegalStateException("no counters on worker " + ctx.workerId());
        }).build();
        failing.close();
        assertThatThrownBy(failing::exitResults).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exitResult").hasMessageContaining(failing.toString().split(",")[0]
                        .substring("WorkerPool[".length()))
                .hasStackTraceContaining("no counters on worker");

        // Killed worker processes run no exit function; idle threads do. At most one value per worker either way.
        WorkerPool terminated = builder().workers(2).exitResult(ctx -> ctx.workerId()).build();
        terminated.terminate();
        assertThat(terminated.<Integer>exitResults()).isSubsetOf(0, 1).doesNotHaveDuplicates();
    }

    @Test
    void onWorkerStart_failure_failsBuildWithTheCause() {
        WorkerPool.Builder b = builder().workers(2).onWorkerStart(ctx -> {
            throw new IllegalStateException("no licence on worker " + ctx.workerId());
        });
        assertThatThrownBy(b::build).hasMessageContaining("failed to start").hasStackTraceContaining("no licence");
    }

    @Test
    void maxTasksPerWorker_recyclesWorkersBetweenChunks() {
        FileLatch starts = FileLatch.create(temp, 1_000);
        WorkerPool pool = track(builder().workers(1).maxTasksPerWorker(10)
                .onWorkerStart(ctx -> starts.countDown("start-" + System.nanoTime())).build());
        assertThat(pool.map(range(35), x -> x + 1)).hasSize(35);
        // 1 initial worker + a fresh one after each 10 tasks: after tasks 10, 20 and 30.
        assertThat(starts.arrived()).isEqualTo(4);
    }

    @Test
    void aCallsMaxTasksPerWorker_recyclesWorkersDuringThatCallOnly() {
        CallOptions lifespan = CallOptions.defaults().maxTasksPerWorker(10);
        if (!collectsExitResults()) { // the cluster backend: recycling is the pool's option only
            assertThatThrownBy(() -> shared().map(range(2), x -> x, lifespan))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxTasksPerWorker");
            return;
        }
        FileLatch starts = FileLatch.create(temp, 1_000);
        WorkerPool pool = track(builder().workers(1).exitResult(ctx -> 1)
                .onWorkerStart(ctx -> starts.countDown("start-" + System.nanoTime())).build());
        assertThat(pool.map(range(35), x -> x + 1, lifespan)).isEqualTo(range(36).subList(1, 36));
        // 1 initial worker + a fresh one after each 10 of the call's tasks: after tasks 10, 20 and 30.
        assertThat(starts.arrived()).isEqualTo(4);
        assertThat(pool.map(range(35), x -> x * 2)).hasSize(35);
        assertThat(starts.arrived()).as("a call without the option recycles nothing").isEqualTo(4);
        assertThatThrownBy(() -> pool.map(range(4), x -> x, lifespan.orderTasks()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("orderTasks");
        pool.close();
        assertThat(pool.exitResults()).as("one exit per worker that ran: the three recycled and the last")
                .hasSize(4);
    }

    @Test
    void aCallsMaxTasksPerWorker_onSeveralWorkers_answersEveryInputOnce_andNoWorkerRunsMore() {
        if (!collectsExitResults()) {
            return; // refused, as above
        }
        WorkerPool pool = pool(2);
        // Each result names the worker incarnation that ran it: its JVM and its context, new for every incarnation.
        List<String> out = pool.map(range(200), x -> x + "@" + ProcessHandle.current().pid() + "/"
                + System.identityHashCode(WorkerContext.current()), CallOptions.defaults().maxTasksPerWorker(25));
        assertThat(out.stream().map(r -> Integer.parseInt(r.substring(0, r.indexOf('@')))).toList())
                .isEqualTo(range(200));
        java.util.Map<String, Long> perWorker = out.stream().collect(java.util.stream.Collectors.groupingBy(
                r -> r.substring(r.indexOf('@')), java.util.stream.Collectors.counting()));
        assertThat(perWorker.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(25));
        assertThat(perWorker).hasSizeGreaterThanOrEqualTo(8);
    }

    @Test
    void taskTimeout_failsAnOverdueTaskWithTaskTimeoutException() {
        WorkerPool pool = track(builder().workers(2).taskTimeout(Duration.ofMillis(200)).build());
        assertThatThrownBy(() -> pool.map(range(4), x -> {
            if (x == 2) {
                Thread.sleep(PATIENCE.toMillis()); // interruptible, or killed with its worker process
            }
            return x;
        }, CallOptions.defaults().chunkSize(1))).isInstanceOfSatisfying(TaskTimeoutException.class, e -> {
            assertThat(e.index()).isEqualTo(2);
            assertThat(e.timeout()).isEqualTo(Duration.ofMillis(200));
        });
        assertThat(pool.map(range(6), x -> x)).isEqualTo(range(6));
    }

    @Test
    void aCallsTaskTimeout_appliesToThatCallOnly_onAPoolWithoutOne() {
        WorkerPool pool = pool(2);
        CallOptions strict = CallOptions.defaults().chunkSize(1).taskTimeout(Duration.ofMillis(200));
        if (!collectsExitResults()) { // the cluster backend: members time tasks by the pool's timeout only
            assertThatThrownBy(() -> pool.map(range(2), x -> x, strict))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("taskTimeout");
            return;
        }
        assertThatThrownBy(() -> pool.map(range(4), x -> {
            if (x == 2) {
                Thread.sleep(PATIENCE.toMillis()); // interruptible, or killed with its worker process
            }
            return x;
        }, strict)).isInstanceOfSatisfying(TaskTimeoutException.class, e -> {
            assertThat(e.index()).isEqualTo(2);
            assertThat(e.timeout()).isEqualTo(Duration.ofMillis(200));
            assertThat(e.getMessage()).contains("PT0.2S");
        });
        // Another call without the option: no limit, so a task slower than the other call's timeout succeeds.
        assertThat(pool.map(range(3), x -> {
            if (x == 1) {
                Thread.sleep(400);
            }
            return x;
        }, CallOptions.defaults().chunkSize(1))).isEqualTo(range(3));
    }

    @Test
    void aCallsTaskTimeout_overridesThePools() {
        if (!collectsExitResults()) {
            return;
        }
        WorkerPool pool = track(builder().workers(2).taskTimeout(Duration.ofMillis(150)).build());
        // Longer than the pool's: a 400 ms task passes under the call's 30 s.
        assertThat(pool.map(range(3), x -> {
            if (x == 1) {
                Thread.sleep(400);
            }
            return x;
        }, CallOptions.defaults().chunkSize(1).taskTimeout(PATIENCE.plus(PATIENCE)))).isEqualTo(range(3));
        assertThatThrownBy(() -> pool.map(range(2), x -> x,
                CallOptions.defaults().orderTasks().taskTimeout(Duration.ofSeconds(1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("orderTasks");
    }

    @Test
    void insights_countFailedAndPendingTasks() throws Exception {
        WorkerPool pool = pool(2);
        List<Outcome<Integer>> outcomes = pool.mapOutcomes(range(6), x -> {
            if (x % 3 == 0) {
                throw new IllegalStateException("bad " + x);
            }
            return x;
        }, CallOptions.defaults().chunkSize(1));
        assertThat(outcomes).hasSize(6);
        assertThat(pool.insights().tasksFailed()).isEqualTo(2);
        assertThat(pool.insights().tasksRetried()).isZero();
        assertThat(pool.insights().tasksPending()).isZero();

        // Ten tasks held at a gate: all ten pending (two running, eight waiting), none once the gate opens.
        FileLatch gate = FileLatch.create(temp, 1);
        CompletableFuture<List<Integer>> held = pool.mapAsync(range(10), x -> {
            gate.await(PATIENCE);
            return x;
        }, CallOptions.defaults().chunkSize(1));
        try {
            assertThat(pool.insights().tasksPending()).isEqualTo(10);
        } finally {
            gate.countDown("open");
        }
        assertThat(held.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(range(10));
        assertThat(pool.insights().tasksPending()).isZero();
        assertThat(pool.insights().tasksFailed()).isEqualTo(2);
    }

    @Test
    void insights_countRetriedTasks_whenAWorkerProcessDies() {
        if (isInProcess() || !collectsExitResults()) {
            return; // local worker processes only: a thread cannot die under its task, a member must not
        }
        String once = temp.resolve("died-once").toString(); // a Path is not data a task may capture
        WorkerPool pool = track(builder().workers(1).retries(1).build());
        assertThat(pool.map(range(3), x -> {
            if (x == 1 && !Files.exists(Path.of(once))) {
                Files.createFile(Path.of(once));
                Runtime.getRuntime().halt(3);
            }
            return x;
        }, CallOptions.defaults().chunkSize(1))).isEqualTo(range(3));
        Insights insights = pool.insights();
        assertThat(insights.tasksRetried()).as("the chunk of task 1 ran again").isEqualTo(1);
        assertThat(insights.tasksFailed()).isZero();
        assertThat(insights.restarts()).isEqualTo(1);
    }

    @Test
    void insights_countEveryTask() {
        WorkerPool pool = pool(2);
        pool.map(range(1_000), x -> x);
        pool.map(range(500), x -> x);
        Insights insights = pool.insights();
        assertThat(insights.tasksCompleted()).isEqualTo(1_500);
        assertThat(insights.workers()).hasSize(2).extracting(Insights.WorkerStats::workerId).containsExactly(0, 1);
        assertThat(insights.slowestTasks()).hasSizeLessThanOrEqualTo(5).isNotEmpty();
        assertThat(insights.toTable()).contains("worker").contains("total");
    }

    // ---------------------------------------------------------------- the ExecutorService view

    /** A task any backend can run: a serializable Callable. */
    static <T> java.util.concurrent.Callable<T> callable(Job<T> job) {
        return (java.util.concurrent.Callable<T> & java.io.Serializable) job::call;
    }

    @Test
    void asExecutorService_submitInvokeAllInvokeAny_asTheJdkSpecifies() throws Exception {
        WorkerPool pool = pool(2);
        java.util.concurrent.ExecutorService executor = pool.asExecutorService();
        assertThat(executor.submit(callable(() -> 6 * 7)).get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(42);
        List<java.util.concurrent.Callable<Integer>> squares = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int n = i;
            squares.add(callable(() -> n * n));
        }
        List<Integer> all = new ArrayList<>();
        for (java.util.concurrent.Future<Integer> f : executor.invokeAll(squares)) {
            assertThat(f).isDone();
            all.add(f.get());
        }
        assertThat(all).containsExactly(0, 1, 4, 9, 16, 25, 36, 49, 64, 81);
        assertThat(executor.invokeAny(squares)).isIn(all);
        java.util.concurrent.Future<Integer> failing = executor.submit(callable(() -> {
            throw new IllegalArgumentException("bad");
        }));
        assertThatThrownBy(() -> failing.get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad");

        executor.shutdown();
        assertThat(executor.isShutdown()).isTrue();
        assertThatThrownBy(() -> executor.submit(callable(() -> 1)))
                .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
        assertThat(executor.awaitTermination(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(executor.isTerminated()).isTrue();
        assertThat(pool.map(range(3), x -> x)).isEqualTo(range(3)); // the pool itself stays open
    }

    @Test
    void asExecutorService_shutdownNow_cancelsWhatIsNotDone() throws Exception {
        WorkerPool pool = pool(1);
        java.util.concurrent.ExecutorService executor = pool.asExecutorService();
        FileLatch started = FileLatch.create(temp, 1);
        FileLatch gate = FileLatch.create(temp, 1);
        try {
            java.util.concurrent.Future<Integer> running = executor.submit(callable(() -> {
                started.countDown("running");
                gate.await(PATIENCE);
                return 1;
            }));
            java.util.concurrent.Future<Integer> queued = executor.submit(callable(() -> 2));
            started.await(PATIENCE);
            List<Runnable> notRun = executor.shutdownNow();
            assertThat(notRun).hasSize(2);
            assertThat(queued.isCancelled()).isTrue();
            assertThat(running.isCancelled()).isTrue();
            assertThat(executor.awaitTermination(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        } finally {
            gate.countDown("open");
        }
    }

    @Test
    void asExecutorService_takesCompletableFutureTasks_onThreads() throws Exception {
        if (!isInProcess()) {
            return; // CompletableFuture's own task objects cannot be sent to another JVM (ProcessesTest)
        }
        java.util.concurrent.ExecutorService executor = pool(2).asExecutorService();
        assertThat(CompletableFuture.supplyAsync(() -> 5, executor).get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .isEqualTo(5);
    }

    @Test
    void map_withOrderTasks_runsInputIOnWorkerIModN() {
        WorkerPool pool = pool(2);
        List<Integer> workers = pool.map(range(10), x -> WorkerContext.current().workerId(),
                CallOptions.defaults().orderTasks());
        assertThat(workers).isEqualTo(range(10).stream().map(i -> i % 2).toList());
        assertThatThrownBy(() -> pool.mapUnordered(range(3), x -> x, CallOptions.defaults().orderTasks()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("map only");
    }

    // ---------------------------------------------------------------- per-call deadlines

    @Test
    void callTimeout_endsTheWholeCall_sayingHowManyFinished_andStopsItsWorkers() throws Exception {
        WorkerPool pool = pool(2);
        CallOptions deadline = CallOptions.defaults().chunkSize(1).timeout(Duration.ofMillis(500));
        Task<Integer, Integer> slowAfterFour = x -> {
            if (x >= 4) {
                Thread.sleep(PATIENCE.toMillis()); // interrupted (threads) or killed with its worker (processes)
            }
            return x;
        };
        assertThatThrownBy(() -> pool.map(range(20), slowAfterFour, deadline))
                .isInstanceOfSatisfying(CallTimeoutException.class, e -> {
                    assertThat(e.timeout()).isEqualTo(Duration.ofMillis(500));
                    assertThat(e.finishedInputs()).isBetween(0L, 19L);
                    assertThat(e.totalInputs()).isEqualTo(20);
                }).hasMessageContaining("timeout of PT0.5S").hasMessageContaining("of 20 inputs had finished");
        CompletableFuture<List<Integer>> async = pool.mapAsync(range(20), slowAfterFour, deadline);
        assertThatThrownBy(() -> async.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).cause()
                .isInstanceOf(CallTimeoutException.class);
        try (Stream<Integer> stream = pool.stream(range(20), slowAfterFour, deadline)) {
            assertThatThrownBy(() -> stream.forEach(x -> { })).isInstanceOf(CallTimeoutException.class);
        }
        // Within half the sleeps: only workers stopped at the deadlines (not left sleeping) can answer in time.
        assertThat(pool.map(range(6), x -> x * 2, CallOptions.defaults().timeout(PATIENCE.dividedBy(2))))
                .containsExactly(0, 2, 4, 6, 8, 10);
    }

    // ---------------------------------------------------------------- gatherers

    @Test
    void mapping_gathersAStreamInOrder() {
        WorkerPool pool = shared();
        assertThat(range(200).stream().gather(pool.mapping(x -> x * 2)).toList())
                .isEqualTo(range(200).stream().map(x -> x * 2).toList());
        assertThat(Stream.<Integer>empty().gather(pool.mapping(x -> x)).toList()).isEmpty();
    }

    @Test
    void mappingUnordered_givesEveryResultOnce() {
        WorkerPool pool = shared();
        assertThat(range(100).stream().gather(pool.mappingUnordered(x -> x + 1)).toList())
                .containsExactlyInAnyOrderElementsOf(range(101).subList(1, 101));
    }

    @Test
    void mapping_ofAnEndlessStreamWithLimit_endsAndCancelsTheRest() {
        WorkerPool pool = pool(2);
        assertThat(Stream.iterate(0, n -> n + 1).gather(pool.<Integer, Integer>mapping(x -> x * 3)).limit(50)
                .toList()).isEqualTo(range(50).stream().map(x -> x * 3).toList());
        assertThat(Stream.iterate(0, n -> n + 1).gather(pool.<Integer, Integer>mapping(x -> x)).filter(x -> x > 10)
                .findFirst()).contains(11);
        assertThat(pool.map(range(5), x -> x)).isEqualTo(range(5)); // nothing left running in the way
    }

    @Test
    void mapping_whenATaskFails_throwsItsTaskFailedException() {
        WorkerPool pool = pool(2);
        List<Integer> seen = new ArrayList<>();
        assertThatThrownBy(() -> range(100).stream().gather(pool.<Integer, Integer>mapping(x -> {
            if (x == 30) {
                throw new IllegalArgumentException("thirty");
            }
            return x;
        })).forEachOrdered(seen::add)).isInstanceOf(TaskFailedException.class).hasMessageContaining("index 30")
                .hasMessageContaining("thirty");
        assertThat(seen).isEqualTo(range(seen.size()));
        assertThat(pool.map(range(5), x -> x)).isEqualTo(range(5));
    }

    // ---------------------------------------------------------------- user code that misbehaves

    /** An exception whose message cannot be read, as one built from a transient field after crossing JVMs. */
    static final class UnreadableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        @Override
        public String getMessage() {
            throw new IllegalStateException("no message");
        }
    }

    /** An exception whose message reads a transient field: it throws once the exception crossed JVMs. */
    static final class TransientDetailException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Object detail;

        TransientDetailException(Object detail) {
            this.detail = detail;
        }

        @Override
        public String getMessage() {
            return "bad detail " + detail.toString();
        }
    }

    private static Integer failOnTwoAfterCrossing(Integer x) {
        if (x == 2) {
            throw new TransientDetailException("two");
        }
        return x;
    }

    @Test
    void map_whenAnExceptionsMessageThrowsOnceItCrossedJvms_failsAtThatInput() {
        WorkerPool pool = shared();
        for (int round = 0; round < 2; round++) {
            assertThatThrownBy(() -> pool.map(List.of(1, 2, 3), WorkerPoolContract::failOnTwoAfterCrossing))
                    .isInstanceOfSatisfying(TaskFailedException.class, e -> {
                        assertThat(e.index()).isEqualTo(1);
                        assertThat(e.getCause()).isInstanceOf(TransientDetailException.class);
                    }).hasMessageContaining("index 1");
            List<Outcome<Integer>> outcomes = pool.mapOutcomes(List.of(1, 2, 3),
                    WorkerPoolContract::failOnTwoAfterCrossing);
            assertThat(outcomes).extracting(o -> o instanceof Outcome.Success).containsExactly(true, false, true);
        }
        assertThat(pool.insights().workers()).allSatisfy(w -> assertThat(w.restarts()).isZero());
    }

    /** An input whose rendering throws. */
    record Unprintable(int n) implements java.io.Serializable {
        @Override
        public String toString() {
            throw new UnsupportedOperationException("not printable");
        }
    }

    private static Integer failOnTwo(Integer x) {
        if (x == 2) {
            throw new UnreadableException();
        }
        return x;
    }

    @Test
    void map_whenAnExceptionsMessageThrows_failsAtThatInputAndLosesNothing() {
        WorkerPool pool = shared();
        assertThatThrownBy(() -> pool.map(List.of(1, 2, 3), WorkerPoolContract::failOnTwo))
                .isInstanceOfSatisfying(TaskFailedException.class, e -> {
                    assertThat(e.index()).isEqualTo(1);
                    assertThat(e.getCause()).isInstanceOf(UnreadableException.class);
                }).hasMessageContaining("index 1").hasMessageContaining("UnreadableException");
        List<Outcome<Integer>> outcomes = pool.mapOutcomes(List.of(1, 2, 3), WorkerPoolContract::failOnTwo);
        assertThat(outcomes).hasSize(3);
        assertThat(outcomes.get(0).getOrThrow()).isEqualTo(1);
        assertThat(outcomes.get(1)).isInstanceOf(Outcome.Failure.class);
        assertThat(outcomes.get(2).getOrThrow()).isEqualTo(3);
        assertThat(pool.map(range(4), x -> x)).isEqualTo(range(4));
    }

    @Test
    void map_ofInputsWhoseToStringThrows_namesTheFailedOne() {
        WorkerPool pool = shared();
        List<Unprintable> inputs = List.of(new Unprintable(0), new Unprintable(1), new Unprintable(2));
        assertThatThrownBy(() -> pool.map(inputs, u -> {
            if (u.n() == 1) {
                throw new IllegalArgumentException("one");
            }
            return u.n();
        })).isInstanceOfSatisfying(TaskFailedException.class, e -> assertThat(e.index()).isEqualTo(1))
                .hasMessageContaining("toString() threw").hasMessageContaining("one");
        assertThat(pool.map(inputs, Unprintable::n)).containsExactly(0, 1, 2);
        assertThat(pool.insights().slowestTasks()).isNotEmpty();
    }

    /** A source that gives {@code before} inputs, then blocks until {@code gate} opens (or it is interrupted). */
    static Iterable<Integer> blockingAfter(int before, int total, CountDownLatch gate) {
        return () -> new Iterator<>() {
            private int n;

            @Override
            public boolean hasNext() {
                if (n == before) {
                    try {
                        gate.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
                return n < total;
            }

            @Override
            public Integer next() {
                return n++;
            }
        };
    }

    @Test
    void aBlockingInputSource_delaysNeitherItsCallerNorOtherCalls() throws Exception {
        WorkerPool pool = pool(2);
        CountDownLatch gate = new CountDownLatch(1);
        try {
            CompletableFuture<List<Integer>> blocked = CompletableFuture
                    .supplyAsync(() -> pool.mapAsync(blockingAfter(3, 5, gate), x -> x * 10))
                    .get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(pool.submit(() -> 42).get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(42);
            assertThat(pool.map(range(3), x -> x + 1)).containsExactly(1, 2, 3);
            assertThat(blocked).isNotDone();
            gate.countDown();
            assertThat(blocked.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).containsExactly(0, 10, 20, 30, 40);
        } finally {
            gate.countDown();
        }
    }

    @Test
    void close_isNotHeldUpByAStreamWhoseSourceBlocks() throws Exception {
        WorkerPool pool = track(builder().workers(2).build());
        CountDownLatch gate = new CountDownLatch(1);
        try {
            Stream<Integer> stream = pool.stream(blockingAfter(2, 10, gate), x -> x,
                    CallOptions.defaults().chunkSize(1));
            Iterator<Integer> results = stream.iterator();
            assertThat(results.next()).isZero();
            assertThat(results.next()).isOne();
            CompletableFuture.runAsync(pool::close).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThatThrownBy(results::hasNext).isInstanceOf(CancellationException.class)
                    .hasMessageContaining("closed");
        } finally {
            gate.countDown();
        }
    }

    @Test
    void terminate_isNotHeldUpByACallWhoseSourceBlocks() throws Exception {
        WorkerPool pool = track(builder().workers(2).build());
        CountDownLatch gate = new CountDownLatch(1);
        try {
            CompletableFuture<List<Integer>> blocked = pool.mapAsync(blockingAfter(2, 10, gate), x -> x);
            CompletableFuture.runAsync(pool::terminate).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThatThrownBy(() -> blocked.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).cause()
                    .isInstanceOf(CancellationException.class).hasMessageContaining("terminated");
        } finally {
            gate.countDown();
        }
    }

    @Test
    void stream_readAfterClose_isCancelled_evenWhenEveryResultHasArrived() throws Exception {
        for (boolean ordered : new boolean[] {true, false}) {
            WorkerPool pool = track(builder().workers(2).build());
            FileLatch done = FileLatch.create(temp, 20);
            // Room for every chunk, so that all run without a reader.
            CallOptions roomy = CallOptions.defaults().chunkSize(1).maxChunksInFlight(20);
            Stream<Integer> stream = ordered ? pool.stream(range(20), x -> {
                done.countDown("task-" + x);
                return x;
            }, roomy) : pool.streamUnordered(range(20), x -> {
                done.countDown("task-" + x);
                return x;
            }, roomy);
            done.await(PATIENCE);
            pool.close();
            assertThatThrownBy(() -> stream.iterator().hasNext()).isInstanceOf(CancellationException.class);
        }
    }

    @Test
    void stream_readAfterTerminate_isCancelled_evenWhenEveryResultHasArrived() throws Exception {
        WorkerPool pool = track(builder().workers(2).build());
        FileLatch done = FileLatch.create(temp, 20);
        Stream<Integer> stream = pool.streamUnordered(range(20), x -> {
            done.countDown("task-" + x);
            return x;
        }, CallOptions.defaults().chunkSize(1).maxChunksInFlight(20));
        done.await(PATIENCE);
        pool.terminate();
        assertThatThrownBy(() -> stream.iterator().hasNext()).isInstanceOf(CancellationException.class)
                .hasMessageContaining("terminated");
    }

    @Test
    void aTaskThatWaitsForItsOwnPool_failsAtOnceWithAClearMessage() {
        if (!isInProcess()) {
            return; // a task in another JVM cannot reach the pool (ProcessesTest checks the message)
        }
        WorkerPool pool = pool(2);
        AtomicReference<WorkerPool> self = new AtomicReference<>(pool);
        assertThatThrownBy(() -> pool.map(range(4), x -> self.get().map(range(3), y -> y).size()))
                .isInstanceOf(TaskFailedException.class).cause().isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("same pool");
        CountDownLatch gate = new CountDownLatch(1); // the inner job is not done when the task waits for it
        try {
            assertThatThrownBy(() -> pool.apply(() -> self.get().submit(() -> {
                gate.await();
                return 1;
            }).join())).cause().hasMessageContaining("same pool");
        } finally {
            gate.countDown();
        }
        assertThatThrownBy(() -> pool.apply(() -> self.get().stream(range(2), y -> y).count()))
                .cause().hasMessageContaining("same pool");
        assertThat(pool.map(range(3), x -> x)).isEqualTo(range(3));
    }

    @Test
    void aTaskMayRunAPoolOfItsOwn() {
        WorkerPool pool = pool(2);
        List<Integer> sums = pool.map(range(3), x -> {
            try (WorkerPool inner = WorkerPool.threads(2)) {
                return inner.map(range(4), y -> y + x).stream().mapToInt(Integer::intValue).sum();
            }
        });
        assertThat(sums).containsExactly(6, 10, 14);
    }

    // ---------------------------------------------------------------- lifecycle

    @Test
    void close_isIdempotent() {
        WorkerPool pool = builder().workers(2).build();
        pool.close();
        pool.close();
    }

    @Test
    void close_letsACallAlreadyMadeFinish() throws Exception {
        WorkerPool pool = builder().workers(2).build();
        CompletableFuture<List<Integer>> f = pool.mapAsync(range(2_000), x -> x + 1, CallOptions.defaults().chunkSize(10));
        pool.close();
        assertThat(f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).hasSize(2_000).endsWith(2_000);
    }

    @Test
    void callsOnAClosedPool_areRefused() {
        WorkerPool pool = builder().workers(1).build();
        pool.close();
        assertThatThrownBy(() -> pool.map(range(3), x -> x)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> pool.submit(() -> 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pool.broadcast(() -> 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pool.stream(range(3), x -> x)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void terminate_cancelsARunningCall() throws Exception {
        WorkerPool pool = builder().workers(2).build();
        FileLatch started = FileLatch.create(temp, 1);
        CompletableFuture<List<Integer>> f = pool.mapAsync(range(100), x -> {
            started.countDown("task-" + x);
            Thread.sleep(PATIENCE.toMillis()); // interrupted (threads) or killed (processes) by terminate
            return x;
        }, CallOptions.defaults().chunkSize(1));
        started.await(PATIENCE);
        pool.terminate();
        assertThatThrownBy(() -> f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).cause()
                .isInstanceOf(CancellationException.class).hasMessageContaining("terminated");
        assertThatThrownBy(() -> pool.map(range(1), x -> x)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aTaskCannotCloseItsOwnPool() {
        WorkerPool pool = pool(1);
        AtomicReference<WorkerPool> self = new AtomicReference<>(pool);
        if (!isInProcess()) {
            return; // a task in another JVM has no reference to the pool
        }
        assertThatThrownBy(() -> pool.apply(() -> {
            self.get().close();
            return 0;
        })).cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot close");
    }

    /** Whether tasks run in the test's own JVM (and may touch its objects). */
    protected boolean isInProcess() {
        return true;
    }

    // ---------------------------------------------------------------- argument checks

    @Test
    void nullArguments_areRejectedWithTheirName() {
        WorkerPool pool = pool(1);
        assertThatThrownBy(() -> pool.map(null, x -> x)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inputs");
        assertThatThrownBy(() -> pool.map(range(1), null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("task");
        assertThatThrownBy(() -> pool.map(range(1), x -> x, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("options");
        assertThatThrownBy(() -> pool.submit(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("job");
        assertThatThrownBy(() -> pool.broadcast(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pool.stream(null, x -> x)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void builder_rejectsBadValuesWithTheValue() {
        assertThatThrownBy(() -> builder().workers(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1, got 0");
        assertThatThrownBy(() -> builder().workers(-3)).hasMessageContaining("-3");
        assertThatThrownBy(() -> builder().retries(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder().taskTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder().maxTasksPerWorker(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder().sharedObjects(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CallOptions.defaults().chunkSize(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chunkSize");
    }

    @Test
    void builder_optionSetTwice_isRefusedWithTheFirstValue() {
        assertThatThrownBy(() -> builder().workers(4).workers(2)).isInstanceOf(IllegalStateException.class)
                .hasMessage("workers was already set to 4");
        assertThatThrownBy(() -> builder().threads()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("kind of worker was already set");
    }

    @Test
    void builder_buildsOnlyOnce() {
        WorkerPool.Builder b = builder().workers(1);
        track(b.build());
        assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("already built");
    }

    @Test
    void results_areNeverSharedBetweenCalls() {
        WorkerPool pool = shared();
        List<Integer> a = pool.map(range(10), x -> x);
        List<Integer> b = pool.map(range(10), x -> x + 100);
        assertThat(a).isEqualTo(range(10));
        assertThat(b.getFirst()).isEqualTo(100);
        assertThat(Collections.disjoint(a, b)).isTrue();
    }
}
