package dev.ensemble.internal.process;

import dev.ensemble.Task;
import dev.ensemble.internal.worker.Threads;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
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
    /** The pool reads the file as a big-endian {@code ByteBuffer}. */
    private static final ValueLayout.OfLong SEQ_AND_OFFSET = ValueLayout.JAVA_LONG.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt OFFSET = ValueLayout.JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN);

    /** The mapped file, or null if it could not be mapped; read by the main thread after joining the mapper. */
    private MemorySegment mark;
    /** The thread mapping the file, until the main thread has joined it. */
    private Thread mapper;

    private PositionMark(MemorySegment mark) {
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
     * first mapping initializes the JDK's file mapping (about 10 ms in a worker that has just started): done aside,
     * it overlaps the worker's wait for its secret and its pool's answer instead of holding up its READY.
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

    private static MemorySegment tryMap(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // A segment, not a MappedByteBuffer: a JVM's first MappedByteBuffer is made through reflection, whose
            // method handles took 19-24 ms against 9-10 here; the mapping lives until the segment is unreachable.
            return channel.map(FileChannel.MapMode.READ_WRITE, 0, 8, Arena.ofAuto());
        } catch (IOException | RuntimeException e) {
            return null; // blame falls back to the first input without a result
        }
    }

    /** The mapped file once mapped, or null; joins the mapper the first time. */
    private MemorySegment mapped() {
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
        MemorySegment position = mapped();
        if (position == null) {
            return task;
        }
        position.set(SEQ_AND_OFFSET, 0, (long) seq << 32); // one store: never the new chunk with an old offset
        return new Marking(position, task);
    }

    /** Marks each task's offset in the chunk as it starts. A class, not a lambda, as it writes through a constant. */
    private static final class Marking implements Task<Object, Object> {
        @java.io.Serial
        private static final long serialVersionUID = 1L;
        /** Never serialized: a task of this worker's own. */
        private final transient MemorySegment position;
        private final transient Task<Object, Object> task;
        private transient int next;

        Marking(MemorySegment position, Task<Object, Object> task) {
            this.position = position;
            this.task = task;
        }

        @Override
        public Object apply(Object input) throws Exception {
            position.set(OFFSET, 4, next++);
            return task.apply(input);
        }
    }
}
