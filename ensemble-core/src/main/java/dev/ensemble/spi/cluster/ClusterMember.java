package dev.ensemble.spi.cluster;

import java.util.Objects;
import java.util.UUID;

/**
 * A member of a cluster as pools see it: the one that runs workers and answers requests.
 *
 * @param id the member's identity in its cluster, stable while it is a member
 * @param address where it is, for messages (such as {@code "[127.0.0.1]:5701"})
 */
public record ClusterMember(UUID id, String address) {

    /**
     * Checks the components.
     *
     * @throws NullPointerException if either is null
     */
    public ClusterMember {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
    }

    @Override
    public String toString() {
        return "member " + address;
    }
}
