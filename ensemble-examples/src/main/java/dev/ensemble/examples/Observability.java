package dev.ensemble.examples;

import dev.ensemble.CallOptions;
import dev.ensemble.WorkerPool;
import dev.ensemble.dashboard.Dashboard;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import javax.management.ObjectName;

/** Seeing what a pool does: a progress bar, the insights table, the JMX bean, the live dashboard. */
final class Observability {
    private Observability() {
    }

    static void run() {
        try (Dashboard dashboard = Dashboard.start();
                WorkerPool pool = WorkerPool.builder().workers(2).name("observed")
                        .onWorkerStart(ctx -> Thread.sleep(20)).build()) {
            System.out.println("dashboard of every live pool in this JVM: " + dashboard.uri());

            // A bar for this call only; on a terminal it is redrawn in place, in a log it is a plain line.
            CompletableFuture<List<Double>> simulation = pool.mapAsync(IntStream.range(0, 200).boxed().toList(),
                    Observability::simulate, CallOptions.defaults().name("simulate").progressBar(true));
            // While it runs, the dashboard's data shows its progress and where it was called from.
            System.out.println("the dashboard sees: " + excerpt(dashboard.uri().resolve("api/pools")));
            System.out.printf("simulated %d values%n", simulation.join().size());

            System.out.println();
            System.out.print(pool.insights().toTable());
            ObjectName bean = new ObjectName("dev.ensemble:type=WorkerPool,name=observed");
            System.out.println();
            System.out.println("JMX bean " + bean + " (jconsole shows it; registered in the background): "
                    + (ManagementFactory.getPlatformMBeanServer().isRegistered(bean) ? "registered" : "not yet"));
        } catch (Exception e) {
            throw new IllegalStateException("the observability example failed", e);
        }
    }

    private static double simulate(int seed) throws InterruptedException {
        Thread.sleep(seed % 7 == 0 ? 15 : 5);   // uneven tasks, so the slowest ones stand out
        return Math.sqrt(seed);
    }

    /** The running call as the dashboard's JSON has it. */
    private static String excerpt(URI api) throws IOException {
        try (InputStream in = api.toURL().openStream()) {
            String json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            int call = json.indexOf("\"running\":[");
            return call < 0 ? "(no running call)" : json.substring(call, Math.min(json.length(), call + 140)) + "…";
        }
    }
}
