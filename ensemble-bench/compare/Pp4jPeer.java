import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.viktorc.pp4j.api.JavaProcessExecutorService;
import net.viktorc.pp4j.impl.ProcessExecutors;

/** PP4J 2.2's side of compare.sh: the same measures, taken the same way, as "pp4j METRIC VALUE" lines. */
public final class Pp4jPeer {
    interface Job<T> extends Callable<T>, Serializable {
    }

    static long burn(int seed) {
        long end = System.nanoTime() + 10_000_000;
        long x = seed;
        while (System.nanoTime() < end) {
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
        return x;
    }

    public static void main(String[] args) throws Exception {
        double[] starts = new double[5];
        for (int i = 0; i < starts.length + 1; i++) {
            long t0 = System.nanoTime();
            JavaProcessExecutorService pool = ProcessExecutors.newFixedJavaProcessPool(2);
            pool.submit((Job<Integer>) () -> 1).get();
            long took = System.nanoTime() - t0;
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
            if (i > 0) {
                starts[i - 1] = took / 1e6;
            }
        }
        report("start_ms", median(starts));
        JavaProcessExecutorService pool = ProcessExecutors.newFixedJavaProcessPool(2);
        try {
            for (int i = 0; i < 500; i++) {
                pool.submit((Job<Integer>) () -> 1).get();
            }
            double[] trips = new double[2_000];
            for (int i = 0; i < trips.length; i++) {
                long t0 = System.nanoTime();
                pool.submit((Job<Integer>) () -> 1).get();
                trips[i] = (System.nanoTime() - t0) / 1e3;
            }
            report("submit_us", median(trips));

            // PP4J has no map: submit every task, then collect in order. 20,000 tasks keep the run short.
            int n = 20_000;
            double[] rates = new double[3];
            for (int r = -1; r < rates.length; r++) {
                long t0 = System.nanoTime();
                List<Future<Integer>> futures = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    int x = i;
                    futures.add(pool.submit((Job<Integer>) () -> x + 1));
                }
                for (Future<Integer> f : futures) {
                    f.get();
                }
                if (r >= 0) {
                    rates[r] = n / ((System.nanoTime() - t0) / 1e9);
                }
            }
            report("map_per_s", median(rates));

            double[] array = new double[1 << 20];
            double[] trips8 = new double[10];
            for (int i = -2; i < trips8.length; i++) {
                long t0 = System.nanoTime();
                pool.submit((Job<double[]>) () -> array).get();
                if (i >= 0) {
                    trips8[i] = (System.nanoTime() - t0) / 1e6;
                }
            }
            report("array_ms", median(trips8));
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }
        double[] cpu = new double[2];
        for (int workers = 1; workers <= 2; workers++) {
            JavaProcessExecutorService sized = ProcessExecutors.newFixedJavaProcessPool(workers);
            try {
                double[] times = new double[3];
                for (int r = -1; r < times.length; r++) {
                    long t0 = System.nanoTime();
                    List<Future<Long>> futures = new ArrayList<>();
                    for (int i = 0; i < 200; i++) {
                        int x = i;
                        futures.add(sized.submit((Job<Long>) () -> burn(x)));
                    }
                    for (Future<Long> f : futures) {
                        f.get();
                    }
                    if (r >= 0) {
                        times[r] = (System.nanoTime() - t0) / 1e6;
                    }
                }
                cpu[workers - 1] = median(times);
            } finally {
                sized.shutdownNow();
                sized.awaitTermination(30, TimeUnit.SECONDS);
            }
        }
        report("speedup", cpu[0] / cpu[1]);
        killDuringMap(args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("pp4j-kill"));
    }

    /** 1,000 tasks; the worker at task 300 is killed with SIGKILL from outside; do all results arrive? */
    static void killDuringMap(Path dir) throws Exception {
        JavaProcessExecutorService pool = ProcessExecutors.newFixedJavaProcessPool(2);
        String pidFile = dir.resolve("pp4j-victim").toString();
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                int x = i;
                futures.add(pool.submit((Job<Integer>) () -> {
                    if (x == 300) {
                        Files.writeString(Path.of(pidFile), Long.toString(ProcessHandle.current().pid()));
                        Thread.sleep(60_000);
                    }
                    return x;
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(Path.of(pidFile)) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            ProcessHandle.of(Long.parseLong(Files.readString(Path.of(pidFile)).strip())).ifPresent(ProcessHandle::destroyForcibly);
            int got = 0;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            for (Future<Integer> f : futures) {
                try {
                    f.get(Math.max(1, until - System.nanoTime()), TimeUnit.NANOSECONDS);
                    got++;
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                    // missing
                }
            }
            System.out.println("pp4j kill " + (got == 1_000 ? "ok: all 1000 results" : "FAILED: " + got
                    + " of 1000 results within 20 s"));
        } finally {
            pool.shutdownNow();
            Files.deleteIfExists(Path.of(pidFile));
        }
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    static void report(String metric, double value) {
        System.out.printf(Locale.ROOT, "pp4j %s %.4g%n", metric, value);
    }
}
