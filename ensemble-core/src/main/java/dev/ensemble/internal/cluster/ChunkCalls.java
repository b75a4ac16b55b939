package dev.ensemble.internal.cluster;

import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.worker.TaskCache;

/**
 * Turns chunks into RUN_CHUNK requests: a call's task goes with the first chunk of that call a member gets (or
 * when the member asks for it again), encoded once per call; an input that cannot be sent is replaced by the
 * reason, so that only its task fails. Thread-safe.
 */
final class ChunkCalls {
    private final PayloadCodec codec;
    private final String poolId;
    private final TaskCache<byte[]> encodedTasks = new TaskCache<>(MemberLink.TASKS_REMEMBERED);

    ChunkCalls(PayloadCodec codec, String poolId) {
        this.codec = codec;
        this.poolId = poolId;
    }

    /**
     * The request that runs {@code chunk} on the slot's current worker, with the task if {@code home} lacks it.
     *
     * @throws RuntimeException if the chunk cannot be encoded at all
     */
    Request chunkCall(Slot slot, MemberLink home, Chunk chunk) {
        Request call = new Request(Request.RUN_CHUNK, poolId);
        call.slot = slot.id;
        call.generation = slot.generation;
        call.callId = chunk.callId();
        call.firstIndex = chunk.firstIndex();
        call.flags = (byte) ((chunk.keepGoing() ? Request.FLAG_KEEP_GOING : 0)
                | (chunk.timeEachTask() ? Request.FLAG_TIME_EACH_TASK : 0));
        encodeInputs(chunk, call);
        if (home.tasksSent.get(chunk.callId()) == null) {
            call.task = encodedTask(chunk);
            home.tasksSent.put(chunk.callId(), Boolean.TRUE);
        }
        return call;
    }

    /** Adds the task to a request whose member answered that it lacks it. */
    void addTask(Flight flight) {
        flight.call.task = encodedTask(flight.chunk);
        flight.home.tasksSent.put(flight.chunk.callId(), Boolean.TRUE);
    }

    private byte[] encodedTask(Chunk chunk) {
        return encodedTasks.computeIfAbsent(chunk.callId(), id -> codec.encodeFunction(chunk.task(), "the task"));
    }

    /** Serializes a chunk's inputs; one that cannot be sent is replaced by the reason, so only its task fails. */
    private void encodeInputs(Chunk chunk, Request call) {
        Object[] inputs = chunk.inputs().toArray();
        try {
            call.payload = codec.encode(inputs);
        } catch (RuntimeException | StackOverflowError whole) {
            for (int i = 0; i < inputs.length; i++) {
                try {
                    codec.encode(inputs[i]);
                } catch (RuntimeException | StackOverflowError e) {
                    inputs[i] = new Unsendable("the input at index " + (chunk.firstIndex() + i) + " cannot be sent "
                            + "to a cluster member: " + codec.culprit(inputs[i], e));
                }
            }
            call.payload = codec.encode(inputs);
            call.flags |= Request.FLAG_UNSENDABLE_INPUTS;
        }
    }
}
