package dev.ensemble.hazelcast.internal;

import com.hazelcast.core.HazelcastInstance;

/**
 * The options of a {@code HazelcastBackend}.
 *
 * @param hazelcast the caller's member or client
 * @param workersPerMember workers on each member, or 0 for the member's processor count
 * @param allowNonLoopback whether members may be on other interfaces than loopback
 */
public record ClusterOptions(HazelcastInstance hazelcast, int workersPerMember, boolean allowNonLoopback) {

    /** The name of the executor service that carries requests to members. */
    public static final String EXECUTOR = "dev.ensemble";
}
