package dev.ensemble.internal.process;

import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.worker.ChunkResult;
import java.util.Arrays;

/** A chunk sent and not yet answered, with what the worker reported of it so far. */
final class InFlight {
    final int seq;
    final Chunk chunk;
    Object[] partialValues;
    Throwable[] partialErrors;
    int partialUpTo;
    int timedOutAt = -1;
    boolean cancelSent;

    InFlight(int seq, Chunk chunk) {
        this.seq = seq;
        this.chunk = chunk;
    }

    void absorb(Protocol.Part part) {
        if (part.from() > partialUpTo || part.to() <= partialUpTo) {
            return;
        }
        if (partialValues == null) {
            partialValues = new Object[chunk.size()];
        }
        for (int i = partialUpTo; i < part.to(); i++) {
            partialValues[i] = part.values()[i - part.from()];
            if (part.errors() != null && part.errors()[i] != null) {
                if (partialErrors == null) {
                    partialErrors = new Throwable[chunk.size()];
                }
                partialErrors[i] = part.errors()[i];
            }
        }
        partialUpTo = part.to();
    }

    ChunkResult partial() {
        if (partialUpTo == 0) {
            return null;
        }
        return ChunkResult.prefix(Arrays.copyOf(partialValues, partialUpTo),
                partialErrors == null ? null : Arrays.copyOf(partialErrors, partialUpTo), partialUpTo);
    }
}
