package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every backend's {@link Ensemble} must do. One thin subclass per backend supplies {@link #build} (the kind
 * of worker) and, if its workers can die, {@link #workerKiller()}.
 *
 * <p>Tasks here coordinate only through their instances, their results and files, never through objects of this
 * JVM, so that the suite runs unchanged on worker processes and cluster members; tests that need latches inside
 * tasks belong in the threads subclass, and cross-worker waits use {@link FileLatch}. Task lambdas capture only
 * local values (a {@code String} path, a latch, never {@code this}), since they travel to the workers.
 */
@ExtendWith(LeakCheck.class)
public abstract class EnsembleContract {
    /** Workers of the ensembles built here. */
    protected static final int WORKERS = 3;

    /** Long enough for any coordination in these tests; only reached when something is broken. */
    protected static final Duration PATIENCE = Duration.ofSeconds(20);

    /**
     * Builds an ensemble on this backend.
     *
     * @param builder a builder with the test's options (workers, retries, hooks) already set
     * @param <S> the instance type
     * @return the running ensemble
     */
    protected abstract <S> Ensemble<S> build(Ensemble.Builder<S> builder);

    /**
     * A call that kills the worker it runs on, as a crash would (a process halts, a member leaves).
     *
     * @return the call, or empty if this backend's workers cannot die (threads), which skips the death tests
     */
    protected Optional<InstanceJob<Object, Object>> workerKiller() {
        return Optional.empty();
    }

    /**
     * The ensemble most tests use: {@link #WORKERS} instances of {@link Model}.
     *
     * @param factory the factory
     * @param <S> the instance type
     * @return the running ensemble
     */
    protected <S> Ensemble<S> ensemble(InstanceFactory<S> factory) {
        return build(Ensemble.builder(factory).workers(WORKERS));
    }

    /**
     * One ensemble of {@link #WORKERS} {@link Model}s per test class, for the tests that neither change nor count
     * its instances' state, close it nor kill its workers: starting an ensemble of worker JVMs is most of such a
     * test's time. Built with the class's first test instance, so the leak check (which looks before each test)
     * sees it as there already; closed after the class's last test.
     */
    private static final Map<Class<?>, Ensemble<Model>> SHARED = new ConcurrentHashMap<>();

    /** This test's own ensemble where the class shares none ({@link #sharesAnEnsemble()}), closed after it. */
    private Ensemble<Model> own;

    /** Builds the class's shared ensemble once; {@link #build} only names the backend, so calling it here is safe. */
    @SuppressWarnings("this-escape")
    protected EnsembleContract() {
        if (sharesAnEnsemble()) {
            SHARED.computeIfAbsent(getClass(), c -> ensemble(Model::new));
        }
    }

    /**
     * Whether the tests that only read an ensemble share one. A backend whose {@link #workerKiller()} takes more
     * than a worker with it (a cluster member that hosts the workers of every ensemble) says no.
     *
     * @return true unless overridden
     */
    protected boolean sharesAnEnsemble() {
        return true;
    }

    /** @return the class's shared ensemble (see {@link #SHARED}), or this test's own */
    protected Ensemble<Model> sharedModels() {
        if (!sharesAnEnsemble()) {
            if (own == null) {
                own = ensemble(Model::new);
            }
            return own;
        }
        return SHARED.get(getClass());
    }

    @AfterEach
    void closeOwnEnsemble() {
        if (own != null) {
            own.close();
        }
    }

    @AfterAll
    static void closeSharedEnsembles() {
        for (Ensemble<Model> models : SHARED.values()) {
            models.close();
        }
        SHARED.clear();
    }

    /** A model with state, deliberately not serializable: instances never leave their worker. */
    public static final class Model {
        private final int worker = WorkerContext.current().workerId();
        private final String token = UUID.randomUUID().toString();
        private int calls;
        private Object value;

        /** @return the worker that built this instance */
        public int worker() {
            return worker;
        }

        /** @return a value unique to this instance */
        public String token() {
            return token;
        }

        /** @return the number of calls so far, this one included */
        public int call() {
            return ++calls;
        }

        /** @return the number of calls so far */
        public int calls() {
            return calls;
        }

        /**
         * @param newValue the value to keep
         * @return the worker id
         */
        public int set(Object newValue) {
            value = newValue;
            return worker;
        }

        /** @return the value kept */
        public Object value() {
            return value;
        }
    }

    /** A model that records, in files, whether the start hook ran before it and when it is closed. */
    public static final class FileModel implements AutoCloseable {
        private final String dir;
        private final int worker = WorkerContext.current().workerId();
        private final boolean startHookRanFirst;

        FileModel(String dir) {
            this.dir = dir;
            this.startHookRanFirst = new File(dir, "start-" + worker).exists();
        }

        boolean startHookRanFirst() {
            return startHookRanFirst;
        }

        @Override
        public void close() throws IOException {
            String order = new File(dir, "exit-" + worker).exists() ? "after exit hook" : "before exit hook";
            Files.writeString(Path.of(dir, "closed-" + worker), order);
        }
    }

    // ---- broadcast ----

    @Test
    void broadcast_callsEveryInstanceOnce_inWorkerOrder() {
        try (Ensemble<Model> models = ensemble(Model::new)) {
            assertThat(models.size()).isEqualTo(WORKERS);
            assertThat(models.broadcast(Model::worker)).containsExactly(0, 1, 2);
            assertThat(models.broadcast(Model::call)).containsExactly(1, 1, 1);
        }
    }

    @Test
    void factory_runsOncePerWorker_andEveryCallSeesTheSameInstance() {
        try (Ensemble<Model> models = ensemble(Model::new)) {
            List<String> tokens = models.broadcast(Model::token);
            assertThat(new HashSet<>(tokens)).hasSize(WORKERS);
            assertThat(models.broadcast(Model::token)).isEqualTo(tokens);
            assertThat(models.scatter(List.of(0, 1, 2), (m, a) -> m.token())).isEqualTo(tokens);
            assertThat(models.on(2, Model::token)).isEqualTo(tokens.get(2));
            assertThat(models.map(IntStream.range(0, 30).boxed().toList(), (m, a) -> m.token()))
                    .allSatisfy(token -> assertThat(tokens).contains(token));
        }
    }

    @Test
    void broadcast_failureNamesTheWorker() {
        try (Ensemble<Model> models = ensemble(Model::new)) {
            assertThatThrownBy(() -> models.broadcast(m -> {
                m.call();
                if (m.worker() == 1) {
                    throw new IllegalStateException("instance 1 refuses");
                }
                return m.worker();
            })).isInstanceOf(TaskFailedException.class).hasMessageContaining("worker 1")
                    .hasRootCauseMessage("instance 1 refuses")
                    .satisfies(e -> assertThat(((TaskFailedException) e).workerId()).isEqualTo(1));
            // The failure cancels the parts not yet started, so the others ran once or not at all.
            assertThat(models.broadcast(Model::calls)).satisfiesExactly(c -> assertThat(c).isBetween(0, 1),
                    c -> assertThat(c).isEqualTo(1), c -> assertThat(c).isBetween(0, 1));
        }
    }

    // ---- scatter ----

    @Test
    void scatter_sendsArgumentIToInstanceI() {
        Ensemble<Model> models = sharedModels();
        assertThat(models.scatter(List.of("a", "b", "c"), (m, a) -> m.worker() + ":" + a))
                .containsExactly("0:a", "1:b", "2:c");
    }

    @Test
    void scatter_rejectsAnArgumentCountOtherThanTheInstanceCount() {
        try (Ensemble<Model> models = ensemble(Model::new)) {
            assertThatThrownBy(() -> models.scatter(List.of(1, 2), (m, a) -> a))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("3 instances").hasMessageContaining("2 arguments")
                    .hasMessageContaining("map(");
            assertThatThrownBy(() -> models.scatter(List.of(1, 2, 3, 4), (m, a) -> a))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4 arguments");
            assertThatThrownBy(() -> models.scatterAsync(List.of(), (m, a) -> a))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> models.scatter(null, (m, a) -> a)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> models.scatter(List.of(1, 2, 3), null))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(models.broadcast(Model::calls)).containsExactly(0, 0, 0);
        }
    }

    @Test
    void scatter_failureNamesTheIndexAndArgument() {
        Ensemble<Model> models = sharedModels();
        assertThatThrownBy(() -> models.scatter(List.of("1", "two", "3"), (m, a) -> Integer.parseInt(a)))
                .isInstanceOf(TaskFailedException.class).hasMessageContaining("index 1")
                .hasMessageContaining("\"two\"").hasCauseInstanceOf(NumberFormatException.class);
    }

    // ---- state ----

    @Test
    void stateIsKeptAcrossCalls() {
        try (Ensemble<Model> models = ensemble(Model::new)) {
            models.scatter(List.of(10, 20, 30), Model::set);
            assertThat(models.broadcast(Model::value)).containsExactly(10, 20, 30);
            assertThat(models.on(1, Model::value)).isEqualTo(20);
            models.broadcast(Model::call);
            models.broadcast(Model::call);
            assertThat(models.broadcast(Model::calls)).containsExactly(2, 2, 2);
        }
    }

    // ---- on ----

    @Test
    void on_callsTheChosenInstance() {
        try (Ensemble<Model> models = ensemble(Model::new)) {
            for (int worker = 0; worker < WORKERS; worker++) {
                assertThat(models.on(worker, Model::worker)).isEqualTo(worker);
            }
            models.on(2, Model::call);
            assertThat(models.broadcast(Model::calls)).containsExactly(0, 0, 1);
        }
    }

    @Test
    void on_rejectsAWorkerOutOfRange() {
        Ensemble<Model> models = sharedModels();
        assertThatThrownBy(() -> models.on(3, Model::worker)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("from 0 to 2").hasMessageContaining("got 3");
        assertThatThrownBy(() -> models.onAsync(-1, Model::worker)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> models.on(0, null)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- load-balanced calls ----

    @Test
    void map_keepsArgumentOrder_andEveryArgumentRunsOnOneInstance() {
        List<Integer> args = IntStream.range(0, 200).boxed().toList();
        try (Ensemble<Model> models = ensemble(Model::new)) {
            List<Integer> doubled = models.map(args, (m, a) -> {
                m.call();
                return 2 * a;
            });
            assertThat(doubled).isEqualTo(args.stream().map(a -> 2 * a).toList());
            assertThat(models.broadcast(Model::calls).stream().mapToInt(Integer::intValue).sum()).isEqualTo(200);
            List<Integer> workers = models.map(args, (m, a) -> m.worker(), CallOptions.defaults().chunkSize(1));
            assertThat(workers).hasSize(200).allSatisfy(w -> assertThat(w).isBetween(0, WORKERS - 1));
        }
    }

    @Test
    void map_usesEveryInstanceAtOnce(@TempDir Path tmp) {
        // Each call waits until all three have started: this ends only if the three instances run at once.
        FileLatch allStarted = FileLatch.create(tmp, WORKERS);
        try (Ensemble<Model> models = ensemble(Model::new)) {
            List<Integer> workers = models.map(List.of(0, 1, 2), (m, a) -> {
                allStarted.countDown("call-" + a);
                allStarted.await(PATIENCE);
                return m.worker();
            }, CallOptions.defaults().chunkSize(1));
            assertThat(new HashSet<>(workers)).containsExactlyInAnyOrder(0, 1, 2);
        }
    }

    @Test
    void map_variants() throws Exception {
        List<Integer> args = IntStream.range(0, 50).boxed().toList();
        Ensemble<Model> models = sharedModels();
        assertThat(models.mapUnordered(args, (m, a) -> a)).containsExactlyInAnyOrderElementsOf(args);
        assertThat(models.mapAsync(args, (m, a) -> a + 1).get(30, TimeUnit.SECONDS))
                .isEqualTo(args.stream().map(a -> a + 1).toList());
        try (Stream<Integer> s = models.stream(args, (m, a) -> a)) {
            assertThat(s.limit(5).toList()).containsExactly(0, 1, 2, 3, 4);
        }
        try (Stream<Integer> s = models.streamUnordered(args, (m, a) -> a)) {
            assertThat(s.toList()).containsExactlyInAnyOrderElementsOf(args);
        }
        List<Outcome<Integer>> outcomes = models.mapOutcomes(List.of("1", "x", "3"), (m, a) -> Integer.parseInt(a));
        assertThat(outcomes).extracting(Outcome::isSuccess).containsExactly(true, false, true);
    }

    @Test
    void map_failureNamesTheIndex() {
        Ensemble<Model> models = sharedModels();
        assertThatThrownBy(() -> models.map(List.of("1", "2", "three"), (m, a) -> Integer.parseInt(a)))
                .isInstanceOf(TaskFailedException.class).hasMessageContaining("index 2");
        assertThatThrownBy(() -> models.map(List.of(1), null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> models.map(List.of(1), (m, a) -> a, CallOptions.defaults().maxTasksPerWorker(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxTasksPerWorker")
                .hasMessageContaining("instances");
    }

    @Test
    void asyncCalls() throws Exception {
        Ensemble<Model> models = sharedModels();
        assertThat(models.broadcastAsync(Model::worker).get(30, TimeUnit.SECONDS)).containsExactly(0, 1, 2);
        assertThat(models.scatterAsync(List.of(5, 6, 7), (m, a) -> m.worker() + a).get(30, TimeUnit.SECONDS))
                .containsExactly(5, 7, 9);
        assertThat(models.onAsync(1, Model::worker).get(30, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(models.broadcastAsync(m -> {
            throw new IllegalStateException("async failure");
        })).failsWithin(30, TimeUnit.SECONDS).withThrowableThat().havingRootCause()
                .withMessage("async failure");
    }

    // ---- batched ----

    @Test
    void batched_onInstances_withAndWithoutReduction() {
        List<Integer> args = IntStream.range(0, 10).boxed().toList();
        Ensemble<Model> models = sharedModels();
        assertThat(models.batched(args, (m, batch) -> batch)).containsExactly(List.of(0, 1, 2, 3),
                List.of(4, 5, 6), List.of(7, 8, 9));
        int total = models.batched(args, (m, batch) -> batch.stream().mapToInt(x -> x).sum(), Reductions.sum());
        assertThat(total).isEqualTo(45);
        List<Integer> workers = models.batched(args, (m, batch) -> List.of(m.worker()), Reductions.flatten(),
                CallOptions.defaults().batches(5));
        assertThat(workers).hasSize(5).allSatisfy(w -> assertThat(w).isBetween(0, WORKERS - 1));
        assertThat(models.batched(List.<Integer>of(), (m, batch) -> batch.size(), Reductions.sum(0))).isZero();
    }

    // ---- building ----

    @Test
    void factoryFailure_failsBuild_withTheFactorysExceptionAsCause() {
        InstanceFactory<Model> failsOnWorker1 = () -> {
            if (WorkerContext.current().workerId() == 1) {
                throw new IOException("no model file for worker 1");
            }
            return new Model();
        };
        assertThatThrownBy(() -> ensemble(failsOnWorker1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("factory").hasMessageContaining("worker 1")
                .cause().isInstanceOf(IOException.class).hasMessage("no model file for worker 1");
    }

    @Test
    void factoryReturningNull_failsBuild() {
        assertThatThrownBy(() -> ensemble(() -> null)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("returned null");
    }

    @Test
    void builder_checksItsArguments() {
        assertThatThrownBy(() -> Ensemble.builder(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Model::new");
        assertThatThrownBy(() -> Ensemble.builder(Model::new).workers(2).workers(3))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already set to 2");
        assertThatThrownBy(() -> Ensemble.builder(Model::new).workers(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void factory_seesTheWorkersContextAndSharedObjects() {
        try (Ensemble<String> greetings = build(Ensemble.builder(() -> WorkerContext.current().<String>shared()
                + " from " + WorkerContext.current().workerId()).workers(WORKERS).sharedObjects("hello"))) {
            assertThat(greetings.broadcast(g -> g)).containsExactly("hello from 0", "hello from 1", "hello from 2");
        }
    }

    @Test
    void startHookRunsBeforeTheFactory_andInstancesAreClosedAfterTheExitHook(@TempDir Path tmp) throws IOException {
        String dir = tmp.toString();
        Ensemble<FileModel> models = build(Ensemble.builder(() -> new FileModel(dir)).workers(WORKERS)
                .onWorkerStart(ctx -> Files.createFile(Path.of(dir, "start-" + ctx.workerId())))
                .onWorkerExit(ctx -> Files.createFile(Path.of(dir, "exit-" + ctx.workerId()))));
        try (models) {
            assertThat(models.broadcast(FileModel::startHookRanFirst)).containsExactly(true, true, true);
            assertThat(tmp.resolve("closed-0")).doesNotExist();
        }
        for (int worker = 0; worker < WORKERS; worker++) {
            assertThat(Files.readString(tmp.resolve("closed-" + worker))).isEqualTo("after exit hook");
        }
    }

    @Test
    void closedEnsemble_refusesCalls() {
        Ensemble<Model> models = ensemble(Model::new);
        models.close();
        models.close();
        assertThatThrownBy(() -> models.broadcast(Model::worker)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs a running pool");
        assertThatThrownBy(() -> models.map(List.of(1), (m, a) -> a)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void insights_countEveryInstancesCalls() {
        try (Ensemble<Model> models = ensemble(Model::new)) {
            models.broadcast(Model::call);
            models.on(0, Model::call);
            Insights insights = models.insights();
            assertThat(insights.workers()).hasSize(WORKERS);
            assertThat(insights.workers()).extracting(Insights.WorkerStats::tasksCompleted).containsExactly(2L, 1L, 1L);
            assertThat(insights.workers()).extracting(Insights.WorkerStats::restarts).containsOnly(0);
        }
    }

    // ---- lost instances (backends whose workers can die) ----

    private InstanceJob<Object, Object> killerOrSkip() {
        Optional<InstanceJob<Object, Object>> killer = workerKiller();
        assumeTrue(killer.isPresent(), "this backend's workers cannot die");
        return killer.get();
    }

    @Test
    void workerDeath_failsTheCall_andTheReplacementBuildsANewInstance() {
        InstanceJob<Object, Object> kill = killerOrSkip();
        try (Ensemble<Model> models = ensemble(Model::new)) {
            List<String> tokens = models.broadcast(Model::token);
            models.broadcast(Model::call);
            assertThatThrownBy(() -> models.on(1, kill)).isInstanceOf(WorkerDiedException.class)
                    .satisfies(e -> assertThat(((WorkerDiedException) e).workerId()).isEqualTo(1));
            List<String> after = models.broadcast(Model::token);
            assertThat(after.get(1)).isNotEqualTo(tokens.get(1));
            assertThat(List.of(after.get(0), after.get(2))).containsExactly(tokens.get(0), tokens.get(2));
            assertThat(models.broadcast(Model::calls)).containsExactly(1, 0, 1);
            assertThat(models.insights().workers().get(1).restarts()).isEqualTo(1);
        }
    }

    @Test
    void workerDeath_withRetries_runsTheCallAgainOnTheNewInstance(@TempDir Path tmp) {
        InstanceJob<Object, Object> kill = killerOrSkip();
        String marker = tmp.resolve("died-once").toString();
        try (Ensemble<Model> models = build(Ensemble.builder(Model::new).workers(WORKERS).retries(1))) {
            String before = models.on(2, Model::token);
            String after = models.on(2, m -> {
                if (new File(marker).createNewFile()) {
                    kill.call(m);
                }
                return m.token();
            });
            assertThat(new File(marker)).exists();
            assertThat(after).isNotEqualTo(before).isEqualTo(models.on(2, Model::token));
        }
    }

    @Test
    void workerDeath_duringMap_withRetries_losesNoArgument(@TempDir Path tmp) {
        InstanceJob<Object, Object> kill = killerOrSkip();
        String marker = tmp.resolve("died-once").toString();
        List<Integer> args = IntStream.range(0, 40).boxed().toList();
        try (Ensemble<Model> models = build(Ensemble.builder(Model::new).workers(WORKERS).retries(1))) {
            List<Integer> out = models.map(args, (m, a) -> {
                if (a == 17 && new File(marker).createNewFile()) {
                    kill.call(m);
                }
                return a;
            }, CallOptions.defaults().chunkSize(4));
            assertThat(out).isEqualTo(args);
            assertThat(new File(marker)).exists();
        }
    }

    @Test
    void mapping_gathersAStreamOverTheInstances_inOrder() {
        Ensemble<Model> models = sharedModels();
        List<String> got = IntStream.range(0, 40).boxed().gather(models.<Integer, String>mapping((m, x) ->
                x + ":" + m.worker())).toList();
        assertThat(got).hasSize(40);
        for (int i = 0; i < 40; i++) {
            assertThat(got.get(i)).startsWith(i + ":");
        }
        assertThat(Stream.iterate(0, n -> n + 1).gather(models.<Integer, Integer>mapping((m, x) -> x)).limit(5)
                .toList()).containsExactly(0, 1, 2, 3, 4);
    }
}
