package dev.ensemble.hazelcast.internal;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Hazelcast members in separate JVMs on 127.0.0.1, for tests and benchmarks (not part of the API): multicast and auto-detection off, TCP-IP join
 * with the members listed one by one, free ports, a cluster name of its own (other test runs on this machine
 * never join). A member exits when its standard input closes, so a test JVM that dies leaves none behind.
 */
public final class LoopbackCluster implements AutoCloseable {
    private static final Logger HAZELCAST_LOGS = Logger.getLogger("com.hazelcast");
    private static final Duration START_PATIENCE = Duration.ofSeconds(60);

    private final String name = "ensemble-test-" + UUID.randomUUID();
    /** Small, quick to start: what tests need. */
    public static final List<String> TEST_JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1");

    private final List<String> jvmOptions;
    private final List<Integer> ports = new ArrayList<>();
    private final List<Process> members = new ArrayList<>();
    private final List<HazelcastInstance> clients = new ArrayList<>();

    /**
     * Starts member JVMs and waits until each runs (they form one cluster).
     *
     * @param count how many members to start now
     * @param reserve how many ports to keep for members added later ({@link #addMember})
     * @return the cluster
     */
    public static LoopbackCluster start(int count, int reserve) {
        return start(count, reserve, TEST_JVM_OPTIONS);
    }

    /**
     * Starts member JVMs with the given JVM options (benchmarks want the full JIT).
     *
     * @param count how many members to start now
     * @param reserve how many ports to keep for members added later
     * @param jvmOptions options of the member JVMs
     * @return the cluster
     */
    public static LoopbackCluster start(int count, int reserve, List<String> jvmOptions) {
        LoopbackCluster cluster = new LoopbackCluster(jvmOptions);
        for (int i = 0; i < count + reserve; i++) {
            cluster.ports.add(freePort());
        }
        try {
            List<CompletableFuture<Process>> starting = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                starting.add(cluster.launch(cluster.ports.get(i)));
            }
            for (CompletableFuture<Process> p : starting) {
                cluster.members.add(p.get(START_PATIENCE.toSeconds(), TimeUnit.SECONDS));
            }
        } catch (Exception e) {
            cluster.close();
            throw new IllegalStateException("could not start the test cluster", e);
        }
        return cluster;
    }

    private LoopbackCluster(List<String> jvmOptions) {
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    /**
     * Starts one more member on a reserved port and waits until it runs.
     *
     * @param reservedIndex the port's index: from {@code count} to {@code count + reserve - 1}
     * @return its process
     * @throws Exception if it does not start
     */
    public Process addMember(int reservedIndex) throws Exception {
        Process p = launch(ports.get(reservedIndex)).get(START_PATIENCE.toSeconds(), TimeUnit.SECONDS);
        members.add(p);
        return p;
    }

    private CompletableFuture<Process> launch(int port) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xshare:auto",
                "--sun-misc-unsafe-memory-access=allow", "--add-modules", "java.se",
                "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens", "java.management/sun.management=ALL-UNNAMED",
                "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), LoopbackCluster.class.getName(), name,
                String.valueOf(port)));
        for (int p : ports) {
            command.add(String.valueOf(p));
        }
        command.addAll(1, jvmOptions);
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CompletableFuture<Process> ready = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("member-output-" + port).start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.equals("READY")) {
                        ready.complete(process);
                    } else {
                        System.out.println("[member " + port + "] " + line);
                    }
                }
            } catch (IOException e) {
                // the member is gone
            }
            ready.completeExceptionally(new IllegalStateException("member on port " + port + " exited before it "
                    + "was ready"));
        });
        return ready;
    }

    /**
     * A client of the cluster, shut down by {@link #close()}.
     *
     * @return the client
     */
    public HazelcastInstance client() {
        HAZELCAST_LOGS.setLevel(Level.WARNING);
        ClientConfig config = new ClientConfig();
        config.setClusterName(name);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        for (int p : ports) {
            config.getNetworkConfig().addAddress("127.0.0.1:" + p);
        }
        HazelcastInstance client = HazelcastClient.newHazelcastClient(config);
        clients.add(client);
        return client;
    }

    /**
     * Waits until {@code instance} sees exactly {@code count} members (a client learns of joins and departures
     * a little after the members do).
     *
     * @param instance a client or member
     * @param count the number of members
     * @param timeout the longest wait
     * @throws java.util.concurrent.TimeoutException if it does not happen in time
     * @throws InterruptedException if interrupted
     */
    public static void awaitMembers(HazelcastInstance instance, int count, Duration timeout)
            throws java.util.concurrent.TimeoutException, InterruptedException {
        Object changed = new Object();
        java.util.UUID listener = instance.getCluster().addMembershipListener(new com.hazelcast.cluster.MembershipListener() {
            @Override
            public void memberAdded(com.hazelcast.cluster.MembershipEvent event) {
                synchronized (changed) {
                    changed.notifyAll();
                }
            }

            @Override
            public void memberRemoved(com.hazelcast.cluster.MembershipEvent event) {
                synchronized (changed) {
                    changed.notifyAll();
                }
            }
        });
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (changed) {
                while (instance.getCluster().getMembers().size() != count) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new java.util.concurrent.TimeoutException("the cluster has "
                                + instance.getCluster().getMembers().size() + " members, not " + count);
                    }
                    TimeUnit.NANOSECONDS.timedWait(changed, left);
                }
            }
        } finally {
            instance.getCluster().removeMembershipListener(listener);
        }
    }

    /** @return the member processes */
    public List<Process> members() {
        return members;
    }

    /** Shuts the clients down and kills the members. */
    @Override
    public void close() {
        for (HazelcastInstance c : clients) {
            c.shutdown();
        }
        for (Process p : members) {
            p.destroyForcibly();
        }
        for (Process p : members) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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
     * The loopback member configuration.
     *
     * @param clusterName the cluster's name
     * @param port this member's port
     * @param allPorts every member's port
     * @return the configuration
     */
    public static Config memberConfig(String clusterName, int port, List<Integer> allPorts) {
        Config config = new Config();
        config.setClusterName(clusterName);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.socket.bind.any", "false");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        config.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(port).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        for (int p : allPorts) {
            join.getTcpIpConfig().addMember("127.0.0.1:" + p); // one by one: a port range string throws
        }
        return config;
    }

    /**
     * A member JVM: {@code clusterName port allPorts...}. Prints READY once running; exits when its standard
     * input closes (its parent ended).
     *
     * @param args the cluster name, the port, every member's port
     * @throws IOException if standard input fails
     */
    public static void main(String[] args) throws IOException {
        HAZELCAST_LOGS.setLevel(Level.WARNING);
        List<Integer> all = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            all.add(Integer.parseInt(args[i]));
        }
        HazelcastInstance member = Hazelcast.newHazelcastInstance(memberConfig(args[0], Integer.parseInt(args[1]),
                all));
        System.out.println("READY");
        System.out.flush();
        while (System.in.read() >= 0) {
            // nothing comes; EOF means the parent is gone
        }
        member.getLifecycleService().terminate();
        Runtime.getRuntime().halt(0);
    }
}
