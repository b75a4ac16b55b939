package dev.ensemble.internal.process;

import dev.ensemble.Task;
import dev.ensemble.internal.worker.Threads;
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
    /** The mapped file, or null if it could not be mapped; read by the main thread after joining the mapper. */
    private MappedByteBuffer mark;
    /** The thread mapping the file, until the main thread has joined it. */
    private Thread mapper;

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
        return new PositionMark(tryMap(file));
    }

    /**
     * Maps a pool's position file on a thread of its own, which the first {@link #marking} waits for. A JVM's
     * first mapping builds the JDK's reflective access to the buffer's constructor (a few dozen ms in a worker that
     * has just started): done aside, it overlaps the worker's wait for its secret and its pool's answer instead of
     * holding up its READY.
     *
     * @param file the file the pool made for this worker
     * @return the mark
     */
    static PositionMark mapAside(Path file) {
        PositionMark mark = new PositionMark(null);
        mark.mapper = Thread.ofPlatform().daemon().name("ensemble-position").start(new Runnable() {
            @Override
            public void run() { // not a lambda: each lambda is linked on first use, on a worker's start path
                mark.mark = tryMap(file);
            }
        });
        return mark;
    }

    private static MappedByteBuffer tryMap(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return channel.map(FileChannel.MapMode.READ_WRITE, 0, 8);
        } catch (IOException | RuntimeException e) {
            return null; // blame falls back to the first input without a result
        }
    }

    /** The mapped file once mapped, or null; joins the mapper the first time. */
    private MappedByteBuffer mapped() {
        Thread pending = mapper;
        if (pending != null) {
            Threads.joinUninterruptibly(pending, 0);
            mapper = null;
        }
        return mark;
    }

    /**
     * Marks chunk {@code seq} as running, and wraps its task so that each task marks its offset as it starts.
     *
     * @param seq the chunk's sequence number
     * @param task the chunk's task
     * @return the marking task, or {@code task} itself if there is no file to mark
     */
    Task<Object, Object> marking(int seq, Task<Object, Object> task) {
        MappedByteBuffer position = mapped();
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
