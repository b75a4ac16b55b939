package dev.ensemble.bench.compare;

import dev.ensemble.bench.compare.Workloads.Job;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.viktorc.pp4j.api.JavaProcessOptions;
import net.viktorc.pp4j.impl.JavaProcessPoolExecutor;
import net.viktorc.pp4j.impl.ProcessExecutors;

/**
 * The two contestants that are an {@link ExecutorService}: a fixed pool of platform threads
 * ({@code Executors.newFixedThreadPool}) and PP4J 2.2's pool of Java processes
 * ({@code ProcessExecutors.newFixedJavaProcessPool}, whose workers are JVMs started with this JVM's class path).
 * Neither has a {@code map}: inputs are cut by hand into four chunks per worker ({@link Workloads#chunkedMap}), as
 * a careful user would. Per-worker state is a {@link ThreadLocal} on threads and a static field in each PP4J
 * worker JVM, built there by PP4J's start-up task. Measures every row of the side-by-side table
 * ({@link Contestant}) that these can do: PP4J has no shared memory and no way to reach each worker's state, a
 * thread cannot be killed.
 *
 * <p>Run: {@code ./ensemble bench} (all contestants), or this one alone:
 * {@code ./ensemble bench --runs 1 --only executor} (or {@code pp4j}).
 */
final class ExecutorContestant extends Contestant {
    private final boolean pp4j;

    ExecutorContestant(boolean pp4j, Sizes sizes, PrintStream out) {
        super(sizes, out);
        this.pp4j = pp4j;
    }

    @Override
    void notes() {
        String byHand = (pp4j ? "PP4J" : "ExecutorService") + " has no map: the inputs cut by hand into 4 chunks per "
                + "worker, one task each, joined in input order";
        print("note map " + byHand);
        print("note model " + byHand);
        if (!pp4j) {
            print("note words " + byHand);
        }
        print("note broadcast no instance pool: two calls submitted together and both awaited (not necessarily one "
                + "per worker)");
    }

    /** Code PP4J runs in each worker JVM as it starts. */
    interface Startup extends Runnable, Serializable {
    }

    private ExecutorService create(int workers, Startup startup) throws InterruptedException {
        if (!pp4j) {
            return Executors.newFixedThreadPool(workers);
        }
        if (startup == null) {
            return ProcessExecutors.newFixedJavaProcessPool(workers);
        }
        return new JavaProcessPoolExecutor(new JavaProcessOptions() { }, workers, workers, 0, startup, false);
    }

    private void shutdown(ExecutorService executor) throws InterruptedException {
        if (pp4j) {
            executor.shutdownNow(); // nothing is pending: stops the worker JVMs at once
        } else {
            executor.shutdown();
        }
        if (!executor.awaitTermination(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the executor did not terminate within 60 s");
        }
    }

    @Override
    Measured<Integer> firstResult() throws Exception {
        long t0 = System.nanoTime();
        ExecutorService executor = create(Sizes.WORKERS, null);
        try {
            int one = executor.submit((Job<Integer>) () -> 1).get();
            return new Measured<>(System.nanoTime() - t0, one);
        } finally {
            shutdown(executor);
        }
    }

    @Override
    Pool pool(int workers) throws Exception {
        ExecutorService executor = create(workers, null);
        return new Pool() {
            @Override
            public int roundTrip(int x) throws Exception {
                return executor.submit((Job<Integer>) () -> x).get();
            }

            @Override
            public List<Integer> plusOne(List<Integer> inputs) throws Exception {
                return Workloads.chunkedMap(executor, workers, inputs, x -> x + 1, pp4j);
            }

            @Override
            public List<Integer> burn(List<Integer> inputs, long nanos) throws Exception {
                List<Future<Integer>> futures = new ArrayList<>(inputs.size());
                for (int x : inputs) {
                    futures.add(executor.submit((Job<Integer>) () -> Workloads.burn(x, nanos)));
                }
                List<Integer> out = new ArrayList<>(inputs.size());
                for (Future<Integer> f : futures) {
                    out.add(f.get());
                }
                return out;
            }

            @Override
            public double[] echo(double[] array) throws Exception {
                return executor.submit((Job<double[]>) () -> array).get();
            }

            @Override
            public InPlace inPlace(double[] initial) {
                if (pp4j) {
                    throw new Unsupported("PP4J has no shared memory");
                }
                double[] shared = initial.clone();
                int half = (shared.length + 1) / 2;
                return new InPlace() {
                    @Override
                    public void bump() throws Exception {
                        List<Future<?>> parts = new ArrayList<>();
                        for (int from = 0; from < shared.length; from += half) {
                            int start = from;
                            int end = Math.min(shared.length, from + half);
                            parts.add(executor.submit(() -> {
                                for (int i = start; i < end; i++) {
                                    shared[i] += 1;
                                }
                            }));
                        }
                        for (Future<?> part : parts) {
                            part.get();
                        }
                    }

                    @Override
                    public double get(int index) {
                        return shared[index];
                    }

                    @Override
                    public void close() {
                    }
                };
            }

            @Override
            public void close() throws Exception {
                shutdown(executor);
            }
        };
    }

    @Override
    Broadcaster broadcaster() throws Exception {
        ExecutorService executor = create(Sizes.WORKERS, null);
        return new Broadcaster() {
            @Override
            public List<Long> broadcast() throws Exception {
                List<Future<Long>> calls = new ArrayList<>(Sizes.WORKERS);
                for (int i = 0; i < Sizes.WORKERS; i++) {
                    calls.add(executor.submit((Job<Long>) () -> 1L));
                }
                List<Long> out = new ArrayList<>(Sizes.WORKERS);
                for (Future<Long> call : calls) {
                    out.add(call.get());
                }
                return out;
            }

            @Override
            public void close() throws Exception {
                shutdown(executor);
            }
        };
    }

    private static final ThreadLocal<Workloads.Model> THREAD_MODEL = new ThreadLocal<>();
    private static volatile Workloads.Model processModel;

    /** The model of the calling thread (executor) or of this worker JVM (PP4J), built on first use. */
    static Workloads.Model model(boolean perProcess, int initMillis) {
        if (perProcess) {
            synchronized (ExecutorContestant.class) {
                if (processModel == null) {
                    processModel = new Workloads.Model(initMillis);
                }
                return processModel;
            }
        }
        Workloads.Model m = THREAD_MODEL.get();
        if (m == null) {
            m = new Workloads.Model(initMillis);
            THREAD_MODEL.set(m);
        }
        return m;
    }

    @Override
    Measured<List<Long>> model(int initMillis, List<Integer> inputs) throws Exception {
        boolean perProcess = pp4j;
        long t0 = System.nanoTime();
        ExecutorService executor = create(Sizes.WORKERS, () -> model(true, initMillis));
        try {
            List<Long> predictions = Workloads.chunkedMap(executor, Sizes.WORKERS, inputs,
                    x -> model(perProcess, initMillis).predict(x), pp4j);
            return new Measured<>(System.nanoTime() - t0, predictions);
        } finally {
            shutdown(executor);
        }
    }

    private static final List<Workloads.WordCounter> COUNTERS = new ArrayList<>();
    private static final ThreadLocal<Workloads.WordCounter> THREAD_COUNTER = ThreadLocal.withInitial(() -> {
        Workloads.WordCounter c = new Workloads.WordCounter();
        synchronized (COUNTERS) {
            COUNTERS.add(c);
        }
        return c;
    });

    @Override
    WordCounting wordCounting() {
        if (pp4j) {
            throw new Unsupported("PP4J cannot address each worker to collect its state");
        }
        ExecutorService executor = Executors.newFixedThreadPool(Sizes.WORKERS);
        return new WordCounting() {
            @Override
            public Map<String, Integer> count(List<String> docs) throws Exception {
                List<Integer> words = Workloads.chunkedMap(executor, Sizes.WORKERS, docs,
                        doc -> THREAD_COUNTER.get().add(doc), false);
                List<Map<String, Integer>> parts = new ArrayList<>();
                synchronized (COUNTERS) {
                    for (Workloads.WordCounter c : COUNTERS) {
                        parts.add(c.drain());
                    }
                }
                Map<String, Integer> merged = Workloads.merge(parts);
                expect(words.stream().mapToLong(Integer::longValue).sum(),
                        merged.values().stream().mapToLong(Integer::longValue).sum(), "words counted");
                return merged;
            }

            @Override
            public void close() throws Exception {
                shutdown(executor);
            }
        };
    }

    /** 1,000 tasks; the worker at task 300 is killed with SIGKILL from outside; do all results arrive? */
    @Override
    String kill() throws Exception {
        if (!pp4j) {
            throw new Unsupported("a thread cannot be killed");
        }
        ExecutorService pool = create(Sizes.WORKERS, null);
        Path dir = Files.createTempDirectory("pp4j-kill");
        String pidFile = dir.resolve("victim").toString();
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                int x = i;
                futures.add(pool.submit((Job<Integer>) () -> {
                    if (x == 300) {
                        Files.writeString(Path.of(pidFile + ".tmp"), Long.toString(ProcessHandle.current().pid()));
                        Files.move(Path.of(pidFile + ".tmp"), Path.of(pidFile));
                        Thread.sleep(60_000); // until killed
                    }
                    return x;
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(Path.of(pidFile))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no worker reached task 300 within 30 s");
                }
                Thread.sleep(1);
            }
            ProcessHandle.of(Long.parseLong(Files.readString(Path.of(pidFile)).strip()))
                    .ifPresent(ProcessHandle::destroyForcibly);
            int got = 0;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(sizes.killWaitSeconds());
            for (int i = 0; i < futures.size(); i++) {
                try {
                    if (futures.get(i).get(Math.max(1, until - System.nanoTime()), TimeUnit.NANOSECONDS) == i) {
                        got++;
                    }
                } catch (TimeoutException | ExecutionException e) {
                    // missing: counted below
                }
            }
            return got == 1_000 ? "all 1,000 results" : got + " of 1,000 results within " + sizes.killWaitSeconds()
                    + " s, the rest never arrive";
        } finally {
            pool.shutdownNow(); // not awaited: the lost task may never end
            Files.deleteIfExists(Path.of(pidFile));
            Files.deleteIfExists(dir);
        }
    }
}
