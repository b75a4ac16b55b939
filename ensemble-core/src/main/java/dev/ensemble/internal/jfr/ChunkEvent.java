package dev.ensemble.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A chunk whose tasks took longer than {@link Jfr#SLOW_CHUNK_NANOS} on its worker. */
@Name("dev.ensemble.SlowChunk")
@Label("Ensemble Slow Chunk")
@Category({"Ensemble"})
@Description("A chunk of a call whose tasks ran longer than 100 ms on their worker")
final class ChunkEvent extends ChunkFields {
}
