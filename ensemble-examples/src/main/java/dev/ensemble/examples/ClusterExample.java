package dev.ensemble.examples;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.ensemble.WorkerContext;
import dev.ensemble.WorkerPool;
import dev.ensemble.hazelcast.HazelcastBackend;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A pool on a two-member Hazelcast cluster on loopback: this JVM is the first member, and it starts the second
 * member JVM itself (same class path, {@link #main}) and stops it at the end. On real machines, each runs
 * {@link #memberConfig} with its own address and the others' listed (see docs/readme/cluster.md).
 */
final class ClusterExample {
    private static final Logger HAZELCAST_LOGS = Logger.getLogger("com.hazelcast"); // held: JUL keeps it weakly

    private ClusterExample() {
    }

    static void run() {
        HAZELCAST_LOGS.setLevel(Level.WARNING);
        String cluster = "ensemble-demo-" + UUID.randomUUID().toString().substring(0, 8);
        int here = freePort();
        int there = freePort();
        Process second = startMember(cluster, there, List.of(here, there));
        HazelcastInstance hz = Hazelcast.newHazelcastInstance(memberConfig(cluster, here, List.of(here, there)));
        try {
            awaitMembers(hz, 2, second);
            System.out.printf("cluster %s: %d members on 127.0.0.1 (this JVM is pid %d, the second is pid %d)%n",
                    cluster, hz.getCluster().getMembers().size(), ProcessHandle.current().pid(), second.pid());

            try (WorkerPool pool = WorkerPool.builder().name("cluster-demo")
                    .cluster(HazelcastBackend.of(hz).workersPerMember(2))
                    .sharedObjects(Map.of("greeting", "hello from a member"))
                    .build()) {
                System.out.println("pool: " + pool.size() + " workers, 2 on each member");

                List<String> where = pool.broadcast(() -> "worker " + WorkerContext.current().workerId()
                        + " in pid " + ProcessHandle.current().pid());
                System.out.println("broadcast: " + where);

                long t0 = System.nanoTime();
                List<Long> squares = pool.map(IntStream.range(0, 100_000).boxed().toList(), x -> (long) x * x);
                long sum = squares.stream().mapToLong(Long::longValue).sum();
                System.out.printf("map: %,d squares in input order in %.0f ms; sum = %,d (expected %,d)%n",
                        squares.size(), (System.nanoTime() - t0) / 1e6, sum, 333_328_333_350_000L);

                Map<Long, Long> tasksPerPid = pool.map(IntStream.range(0, 40).boxed().toList(), x -> {
                    Thread.sleep(20); // slow enough that both members take part
                    return ProcessHandle.current().pid();
                }).stream().collect(Collectors.groupingBy(pid -> pid, TreeMap::new, Collectors.counting()));
                System.out.println("40 slow tasks ran on " + tasksPerPid.size() + " member JVMs: " + tasksPerPid);

                String greeting = pool.apply(() -> WorkerContext.current().<Map<String, String>>shared().get("greeting"));
                System.out.println("shared objects, sent once per member: " + greeting);
                System.out.println(pool.insights().toTable());
            }
        } finally {
            hz.shutdown();
            second.destroy(); // the member also exits by itself when its standard input (this JVM) closes
            try {
                second.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            second.destroyForcibly();
        }
        System.out.println("second member stopped: " + !second.isAlive());
    }

    /**
     * A member on 127.0.0.1 that finds the others by TCP-IP only.
     *
     * @param clusterName the cluster's name (members of other clusters never join)
     * @param port this member's port
     * @param members every member's port, this one's included
     * @return the configuration
     */
    static Config memberConfig(String clusterName, int port, List<Integer> members) {
        Config config = new Config();
        config.setClusterName(clusterName);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.socket.bind.any", "false");   // listen on the interface below only
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(port).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        for (int p : members) {
            join.getTcpIpConfig().addMember("127.0.0.1:" + p); // one by one: a port range string throws
        }
        return config;
    }

    private static Process startMember(String cluster, int port, List<Integer> members) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx256m",
                "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
                ClusterExample.class.getName(), cluster, String.valueOf(port)));
        members.forEach(p -> command.add(String.valueOf(p)));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            Thread.ofPlatform().daemon().name("demo-member-output").start(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        if (line.contains("SEVERE") || line.contains("Exception")) {
                            System.err.println("[second member] " + line);
                        }
                    }
                } catch (IOException e) {
                    // the member has exited
                }
            });
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the second member JVM", e);
        }
    }

    private static void awaitMembers(HazelcastInstance hz, int count, Process second) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        CountDownLatchListener joined = new CountDownLatchListener(hz, count);
        try {
            if (!joined.await(deadline - System.nanoTime())) {
                throw new IllegalStateException("the second member did not join within 60 s (alive: "
                        + second.isAlive() + ")");
            }
        } finally {
            joined.close();
        }
    }

    /** Waits, without polling, until the cluster has {@code count} members. */
    private static final class CountDownLatchListener implements com.hazelcast.cluster.MembershipListener {
        private final HazelcastInstance hz;
        private final int count;
        private final java.util.concurrent.CountDownLatch enough = new java.util.concurrent.CountDownLatch(1);
        private final UUID registration;

        CountDownLatchListener(HazelcastInstance hz, int count) {
            this.hz = hz;
            this.count = count;
            this.registration = hz.getCluster().addMembershipListener(this);
            check();
        }

        private void check() {
            if (hz.getCluster().getMembers().size() >= count) {
                enough.countDown();
            }
        }

        @Override
        public void memberAdded(com.hazelcast.cluster.MembershipEvent event) {
            check();
        }

        @Override
        public void memberRemoved(com.hazelcast.cluster.MembershipEvent event) {
        }

        boolean await(long nanos) {
            try {
                return enough.await(nanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        void close() {
            hz.getCluster().removeMembershipListener(registration);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The second member: {@code clusterName port memberPorts...}. Exits when its standard input closes, so it
     * never outlives the demo.
     *
     * @param args the cluster name, this member's port, then every member's port
     * @throws IOException if standard input fails
     */
    public static void main(String[] args) throws IOException {
        HAZELCAST_LOGS.setLevel(Level.WARNING);
        List<Integer> members = java.util.Arrays.stream(args).skip(2).map(Integer::valueOf).toList();
        HazelcastInstance member = Hazelcast.newHazelcastInstance(memberConfig(args[0], Integer.parseInt(args[1]),
                members));
        while (System.in.read() >= 0) {
            // nothing is sent; end of input means the demo has ended
        }
        member.getLifecycleService().terminate();
        Runtime.getRuntime().halt(0);
    }
}
