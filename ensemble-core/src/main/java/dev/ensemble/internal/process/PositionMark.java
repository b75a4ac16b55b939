package dev.ensemble.internal.process;

import dev.ensemble.Task;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The position mark: {@code [seq:int][offset:int]} of the task running, in a file of the pool's directory mapped
 * into memory, so that the pool can read it after this JVM died without a word (SIGKILL, halt, native crash) and
 * blame the right input. Written for chunks whose tasks are timed one by one (slow enough that two stores per task
 * are nothing), by the main thread only.
 */
final class PositionMark {
    /** The mapped file, or null if it could not be mapped. */
    private final MappedByteBuffer mark;

    private PositionMark(MappedByteBuffer mark) {
        this.mark = mark;
    }

    /**
     * Maps a pool's position file.
     *
     * @param file the file the pool made for this worker
     * @return the mark; one that marks nothing if the file could not be mapped
     */
    static PositionMark map(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return new PositionMark(channel.map(FileChannel.MapMode.READ_WRITE, 0, 8));
        } catch (IOException | RuntimeException e) {
            return new PositionMark(null); // blame falls back to the first input without a result
        }
    }

    /**
     * Marks chunk {@code seq} as running, and wraps its task so that each task marks its offset as it starts.
     *
     * @param seq the chunk's sequence number
     * @param task the chunk's task
     * @return the marking task, or {@code task} itself if there is no file to mark
     */
    Task<Object, Object> marking(int seq, Task<Object, Object> task) {
        MappedByteBuffer position = mark;
        if (position == null) {
            return task;
        }
        position.putLong(0, (long) seq << 32);
        int[] next = {0};
        return input -> {
            position.putInt(4, next[0]++);
            return task.apply(input);
        };
    }
}
