package dev.ensemble.spi.cluster;

import dev.ensemble.internal.backend.PoolConfig;
import java.util.List;

/**
 * What runs on each member of a cluster pool.
 *
 * @param perMember workers on each member, or 0 to leave it to the pool's {@code workers(n)} (spread over the
 *     members) or else to each member's processor count
 * @param processes whether each worker is a JVM that the member starts rather than a thread of the member's JVM
 * @param jvmArgs options of those worker JVMs
 * @param option how the user chose this, for messages (such as {@code "workersPerMember(2)"}), or null if not
 * @see ClusterTransport#layout()
 */
public record MemberLayout(int perMember, boolean processes, List<String> jvmArgs, String option) {

    /** Threads on each member, as many as the pool's {@code workers(n)} or the members' processor counts. */
    public static final MemberLayout DEFAULT = new MemberLayout(0, false, List.of(), null);

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException if {@code perMember} is negative, or {@code jvmArgs} holds an option a
     *     worker JVM cannot take (a blank one, a class path, a main class)
     */
    public MemberLayout {
        if (perMember < 0) {
            throw new IllegalArgumentException("workers per member must not be negative, got " + perMember);
        }
        jvmArgs = PoolConfig.checkedJvmArgs(jvmArgs.toArray(String[]::new));
    }
}
