package dev.ensemble.internal.cluster;

import dev.ensemble.internal.worker.TaskCache;
import dev.ensemble.spi.cluster.ClusterMember;
import java.util.concurrent.CompletableFuture;

/** A member as a cluster pool sees it: whether it left, whether it hosts the pool, which tasks it has. */
final class MemberLink {
    /** How many calls' tasks a member is remembered to have. */
    static final int TASKS_REMEMBERED = 32;

    final ClusterMember member;
    final CompletableFuture<Void> gone = new CompletableFuture<>();
    /** The calls whose task the member has been sent (it may have dropped some since: it then asks again). */
    final TaskCache<Boolean> tasksSent = new TaskCache<>(TASKS_REMEMBERED);
    boolean opened; // guarded by this
    /**
     * Set when a slot gave up on the member for answering nothing (not even a probe), cleared by its next
     * answer: meanwhile no slot moves there and close() does not wait for it.
     */
    volatile boolean frozen;

    MemberLink(ClusterMember member) {
        this.member = member;
    }

    @Override
    public String toString() {
        return member.toString();
    }
}
