package app;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.ensemble.Ensemble;
import dev.ensemble.SharedArray;
import dev.ensemble.TaskFailedException;
import dev.ensemble.WorkerPool;
import dev.ensemble.hazelcast.HazelcastBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A small application that uses worker processes, and a Hazelcast cluster of its own, as a user's would, and
 * prints what it saw.
 */
public class Main {
    /** A result type of the application's own. */
    public record Point(int x, int y) {
    }

    /** An exception type of the application's own. */
    public static class AppFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** @param message what went wrong */
        public AppFailure(String message) {
            super(message);
        }
    }

    /** A worker's state in an instance pool. */
    public static class Counter {
        private int count;

        /** @return how many times it was called, this call included */
        public int next() {
            return ++count;
        }
    }

    /**
     * Runs each feature once and prints one line per check.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        for (String line : run()) {
            System.out.println(line);
        }
    }

    /** @return one line per check: what was seen */
    public static List<String> run() {
        List<String> seen = new ArrayList<>();
        try (WorkerPool pool = WorkerPool.processes(2)) {
            List<Point> points = pool.map(List.of(1, 2, 3), x -> new Point(x, x * x));
            seen.add("map: " + points + " own class: " + (points.get(0).getClass() == Point.class));
            try {
                pool.map(List.of(1, 2), x -> {
                    if (x == 2) {
                        throw new AppFailure("bad " + x);
                    }
                    return x;
                });
                seen.add("failure: none");
            } catch (TaskFailedException e) {
                seen.add("failure: " + e.getCause().getMessage() + " own class: "
                        + (e.getCause().getClass() == AppFailure.class));
            }
            try (SharedArray.OfDouble shared = SharedArray.ofDoubles(1_000)) {
                List<Double> sums = pool.mapChunks(shared, 250, chunk -> {
                    double sum = 0;
                    for (long i = chunk.from(); i < chunk.to(); i++) {
                        shared.set(i, i);
                        sum += shared.get(i);
                    }
                    return sum;
                });
                seen.add("shared: " + sums.stream().mapToDouble(Double::doubleValue).sum() + " read back: "
                        + shared.get(999));
            }
        }
        try (Ensemble<Counter> counters = Ensemble.processes(2, Counter::new)) {
            counters.broadcast(Counter::next);
            seen.add("ensemble: " + counters.broadcast(Counter::next));
        }
        // A cluster pool: the backend's module is found by ServiceLoader in every shape the application ships in.
        HazelcastInstance member = Hazelcast.newHazelcastInstance(loopbackMember());
        try (WorkerPool cluster = WorkerPool.builder().cluster(HazelcastBackend.of(member).workersPerMember(2))
                .build()) {
            List<Point> points = cluster.map(List.of(1, 2, 3), x -> new Point(x, x * x));
            seen.add("cluster: " + points + " own class: " + (points.get(0).getClass() == Point.class));
        } finally {
            member.shutdown();
        }
        return seen;
    }

    /** A one-member cluster of its own, on loopback only, that joins nothing else and phones nowhere. */
    private static Config loopbackMember() {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Config config = new Config();
        config.setClusterName("shapes-" + UUID.randomUUID());
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.socket.bind.any", "false");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.logging.type", "none");
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(port).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + port);
        return config;
    }
}
