package dev.ensemble.hazelcast.internal;

import com.hazelcast.core.HazelcastInstance;
import dev.ensemble.ClusterBackend;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The options of a {@code HazelcastBackend}.
 *
 * @param hazelcast the caller's member or client
 * @param workersPerMember workers on each member, or 0 for the pool's {@code workers(n)} or the member's processor
 *     count
 * @param allowNonLoopback whether members may be on other interfaces than loopback
 * @param memberProcesses whether each member runs its workers as worker JVMs of its own rather than threads
 * @param jvmArgs options of those worker JVMs
 * @param perMemberOption how the user set the workers per member, for messages ({@code workersPerMember(2)},
 *     {@code memberWorkers(processes(2))}), or null if not set
 */
public record ClusterOptions(HazelcastInstance hazelcast, int workersPerMember, boolean allowNonLoopback,
        boolean memberProcesses, List<String> jvmArgs, String perMemberOption) {

    /** The name of the executor service that carries requests to members. */
    public static final String EXECUTOR = "dev.ensemble";

    /**
     * The options of each backend object of the module's API, which keeps them private: the provider finds a
     * backend's options here. Weak keys: a backend no pool uses any more takes its options with it.
     */
    private static final Map<ClusterBackend, ClusterOptions> OF_BACKENDS =
            Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * Records the options of a backend object as it is made.
     *
     * @param backend the API's backend object
     * @param options its options
     */
    public static void attach(ClusterBackend backend, ClusterOptions options) {
        OF_BACKENDS.put(backend, options);
    }

    /**
     * The options of a backend object of this module.
     *
     * @param backend a pool's cluster backend
     * @return its options, or null if it is not this module's
     */
    public static ClusterOptions attachedTo(ClusterBackend backend) {
        return OF_BACKENDS.get(backend);
    }

    /**
     * The defaults for an instance.
     *
     * @param hazelcast the caller's member or client
     * @return threads on each member, as many as the members' processor counts, loopback only
     */
    public static ClusterOptions of(HazelcastInstance hazelcast) {
        return new ClusterOptions(hazelcast, 0, false, false, List.of(), null);
    }

    /**
     * These options with the workers per member set.
     *
     * @param count workers per member, or 0 to leave it to the pool
     * @param processes whether they are worker JVMs
     * @param args options of the worker JVMs
     * @param option how the user set it
     * @return the new options
     */
    public ClusterOptions withMemberWorkers(int count, boolean processes, List<String> args, String option) {
        return new ClusterOptions(hazelcast, count, allowNonLoopback, processes, List.copyOf(args), option);
    }

    /** @return these options with members on any interface allowed */
    public ClusterOptions withNonLoopbackAllowed() {
        return new ClusterOptions(hazelcast, workersPerMember, true, memberProcesses, jvmArgs, perMemberOption);
    }
}
