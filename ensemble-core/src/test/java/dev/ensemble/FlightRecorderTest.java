package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A pool's Flight Recorder events, read back from a real recording. */
@ExtendWith(LeakCheck.class)
class FlightRecorderTest {
    @TempDir
    Path temp;

    @Test
    void callsWorkersAndSlowChunks_areRecorded() throws Exception {
        Path file = temp.resolve("pool.jfr");
        try (Recording recording = new Recording()) {
            recording.enable("dev.ensemble.Call");
            recording.enable("dev.ensemble.Worker");
            recording.enable("dev.ensemble.SlowChunk");
            recording.start();
            try (WorkerPool pool = WorkerPool.builder().workers(1).processes().retries(1).name("recorded").build()) {
                assertThat(pool.map(List.of(1, 2, 3), x -> x * 2)).containsExactly(2, 4, 6);
                assertThatThrownBy(() -> pool.map(List.of(1), x -> {
                    throw new IllegalStateException("no");
                })).isInstanceOf(TaskFailedException.class);
                String marker = temp.resolve("halted").toString();
                assertThat(pool.apply(() -> {
                    if (ProcessFaultsTest.firstTime(marker)) {
                        Runtime.getRuntime().halt(3);
                    }
                    Thread.sleep(150);
                    return 7;
                })).isEqualTo(7);
            }
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        List<RecordedEvent> calls = of(events, "dev.ensemble.Call");
        assertThat(calls).extracting(e -> e.getString("call")).contains("map", "apply");
        assertThat(calls).allSatisfy(e -> assertThat(e.getString("pool")).isEqualTo("recorded"));
        assertThat(calls).anySatisfy(e -> assertThat(e.getString("failure")).contains("TaskFailedException"));
        assertThat(calls).anySatisfy(e -> assertThat(e.getLong("inputs")).isEqualTo(3));
        List<RecordedEvent> workers = of(events, "dev.ensemble.Worker");
        assertThat(workers).extracting(e -> e.getString("what")).contains("started", "lost", "replaced");
        assertThat(workers).anySatisfy(e -> assertThat(e.getString("cause")).contains("exit code 3"));
        assertThat(of(events, "dev.ensemble.SlowChunk")).anySatisfy(e -> assertThat(e.getInt("tasks")).isOne());
    }

    @Test
    void everyChunk_isRecordedWhereARecordingAsksForIt_andNotByDefault() throws Exception {
        List<Integer> inputs = java.util.stream.IntStream.range(0, 100).boxed().toList();
        // One recording at a time: while several run, each gets the events any of them enables.
        Path byDefault = temp.resolve("default.jfr");
        try (Recording defaults = new Recording(jdk.jfr.Configuration.getConfiguration("default"))) {
            defaults.start();
            mapInChunksOfTen(inputs);
            defaults.stop();
            defaults.dump(byDefault);
        }
        assertThat(of(RecordingFile.readAllEvents(byDefault), "dev.ensemble.Chunk"))
                .as("one event per chunk is too many for a recording that did not ask").isEmpty();
        Path file = temp.resolve("chunks.jfr");
        try (Recording recording = new Recording()) {
            recording.enable("dev.ensemble.Chunk");
            recording.start();
            mapInChunksOfTen(inputs);
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> chunks = of(RecordingFile.readAllEvents(file), "dev.ensemble.Chunk");
        assertThat(chunks).hasSize(10);
        assertThat(chunks).extracting(e -> e.getLong("firstIndex"))
                .containsExactlyInAnyOrder(0L, 10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L, 90L);
        assertThat(chunks).allSatisfy(e -> {
            assertThat(e.getString("pool")).isEqualTo("chunked");
            assertThat(e.getString("call")).isEqualTo("map");
            assertThat(e.getInt("tasks")).isEqualTo(10);
            assertThat(e.getInt("worker")).isBetween(0, 1);
            assertThat(e.getLong("workNanos")).isNotNegative();
            assertThat(e.getLong("waitNanos")).isNotNegative();
        });
    }

    private static void mapInChunksOfTen(List<Integer> inputs) {
        try (WorkerPool pool = WorkerPool.builder().workers(2).threads().name("chunked").build()) {
            assertThat(pool.map(inputs, x -> x + 1, CallOptions.defaults().chunkSize(10))).hasSize(100);
        }
    }

    private static List<RecordedEvent> of(List<RecordedEvent> events, String type) {
        return events.stream().filter(e -> e.getEventType().getName().equals(type)).toList();
    }
}
