package dev.ensemble.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A call on a pool, from its opening to its end: a duration event. */
@Name("dev.ensemble.Call")
@Label("Ensemble Call")
@Category({"Ensemble"})
@Description("A call on a pool (map, stream, submit, broadcast, ...), from when it opened to when it ended")
final class CallEvent extends jdk.jfr.Event {
    @Label("Pool")
    String pool;
    @Label("Call")
    String call;
    @Label("Inputs")
    @Description("The number of inputs, or -1 while unknown (a lazy source)")
    long inputs;
    @Label("Finished Inputs")
    long finished;
    @Label("Failure")
    @Description("Why the call failed or was cancelled; empty if it succeeded")
    String failure;
}
