package dev.ensemble.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * Every chunk of every call, as its worker reported it: off unless a recording enables it, since a map of a million
 * cheap inputs makes hundreds of them. With the worker's wait before each chunk and the time its tasks ran, the
 * events show where a call's workers sat idle: at its start, at its end, or between chunks.
 */
@Name("dev.ensemble.Chunk")
@Label("Ensemble Chunk")
@Category({"Ensemble"})
@Description("A chunk of a call as its worker reported it: how long its tasks ran and how long the worker waited "
        + "for it (off by default: one event per chunk)")
@Enabled(false)
@StackTrace(false)
final class ChunkDoneEvent extends ChunkFields {
    @Label("Worker Wait")
    @Description("How long the worker had waited for this chunk since its previous one ended")
    @Timespan(Timespan.NANOSECONDS)
    long waitNanos;
}
