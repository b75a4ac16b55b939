package dev.ensemble.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/** A worker of a pool started, or was lost. */
@Name("dev.ensemble.Worker")
@Label("Ensemble Worker")
@Category({"Ensemble"})
@Description("A worker of a pool started (first, or as the replacement of one lost or recycled) or was lost")
final class WorkerEvent extends jdk.jfr.Event {
    @Label("Pool")
    String pool;
    @Label("Worker")
    int worker;
    @Label("What")
    @Description("started, replaced, or lost")
    String what;
    @Label("Starting Time")
    @Timespan(Timespan.NANOSECONDS)
    long startingNanos;
    @Label("Cause")
    @Description("Why a lost worker was lost (exit status, signal, timeout); empty otherwise")
    String cause;
}
