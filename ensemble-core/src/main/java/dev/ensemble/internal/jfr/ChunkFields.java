package dev.ensemble.internal.jfr;

import dev.ensemble.internal.schedule.Call;
import jdk.jfr.Label;
import jdk.jfr.Timespan;

/** What the chunk events ({@link ChunkEvent}, {@link ChunkDoneEvent}) say about a chunk. */
abstract class ChunkFields extends jdk.jfr.Event {
    @Label("Pool")
    String pool;
    @Label("Call")
    String call;
    @Label("Worker")
    int worker;
    @Label("First Index")
    long firstIndex;
    @Label("Tasks")
    int tasks;
    @Label("Work Time")
    @Timespan(Timespan.NANOSECONDS)
    long workNanos;

    /** Fills the fields and commits the event. */
    final void commit(String pool, Call<?> call, int worker, long firstIndex, int tasks, long workNanos) {
        this.pool = pool;
        this.call = call.name();
        this.worker = worker;
        this.firstIndex = firstIndex;
        this.tasks = tasks;
        this.workNanos = workNanos;
        commit();
    }
}
