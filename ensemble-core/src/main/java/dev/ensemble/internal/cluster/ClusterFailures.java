package dev.ensemble.internal.cluster;

import dev.ensemble.TaskFailedException;
import dev.ensemble.WorkerDiedException;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.schedule.Failures;
import dev.ensemble.internal.schedule.Inputs;
import java.util.List;

/**
 * The errors a cluster pool reports for a chunk: its worker's member left, a member's worker JVM died, a task
 * ignored its timeout's interrupt, a request failed; each names the pool, the slot and the member.
 */
final class ClusterFailures {
    /** The exit status of a worker whose member left. */
    static final String MEMBER_LEFT = "member left the cluster";

    private final PoolConfig config;
    private final PayloadCodec codec;
    private final String cluster;

    ClusterFailures(PoolConfig config, PayloadCodec codec, String cluster) {
        this.config = config;
        this.codec = codec;
        this.cluster = cluster;
    }

    WorkerDiedException died(Slot slot, Chunk chunk, int offset, String why, Throwable cause) {
        return Failures.died(config.name(), slot.id, chunk, offset, "its worker was lost: " + why
                + (cause != null ? " (" + cause + ")" : ""), MEMBER_LEFT, List.of());
    }

    /** The error of a LOST reply: the member's own report (exit status, last lines), as the process backend made it. */
    TaskFailedException lostError(Slot slot, Chunk chunk, Reply reply) {
        Throwable error = codec.decodeError(reply.error);
        if (error instanceof TaskFailedException reported) {
            return reported;
        }
        int offset = Math.clamp(reply.number, 0, chunk.size() - 1);
        return Failures.died(config.name(), slot.id, chunk, offset, "its worker JVM on " + slot.home + " died: "
                + error, "unknown", List.of());
    }

    TaskFailedException timedOut(Slot slot, Chunk chunk, int offset) {
        return Failures.timedOut(config.name(), slot.id, chunk, offset, config.taskTimeout(),
                "it ignored its interrupt, and its thread on " + slot.home + " was abandoned and replaced");
    }

    TaskFailedException failed(Slot slot, Chunk chunk, Throwable cause) {
        long index = chunk.firstIndex();
        String input = Inputs.render(chunk.inputs().get(0));
        return new TaskFailedException("chunk of pool " + config.name() + " starting at index " + index
                + " could not run on worker " + slot.id + " (" + slot.home + "): " + cause.getMessage(), slot.id,
                index, input, cause);
    }

    /** The error that ends a pool's calls when this JVM's instance of the cluster shut down under the pool. */
    IllegalStateException instanceGone(Throwable cause) {
        return new IllegalStateException("this JVM left the " + cluster + " that pool " + config.name() + " runs on "
                + "(its instance shut down); the pool's calls cannot finish. Close the pool before shutting the "
                + "cluster's instance down", cause);
    }
}
