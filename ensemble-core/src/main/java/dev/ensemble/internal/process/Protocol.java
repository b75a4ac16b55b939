package dev.ensemble.internal.process;

import dev.ensemble.internal.wire.Serialization;
import dev.ensemble.internal.worker.ChunkResult;
import java.nio.charset.StandardCharsets;
import org.apache.fory.memory.MemoryBuffer;

/**
 * The messages between a pool (P) and one worker process (W), one per frame, little-endian.
 *
 * <pre>
 * W→P HELLO        secret:bytes pid:long                                  first frame; proves the worker was
 *                                                                          started by this pool
 * P→W INIT         slot:int workers:int timeoutNanos:long packages:str[]  allow-list, then Fory {shared,
 *                  setup:bytes (empty if all three are null)               onStart, onExit}; then the file
 *                  position:str                                            where it marks its running task
 * W→P READY        hookNanos:long foryReady:bool                          start hook ran
 * W→P FORY_READY                                                          the worker's Fory is built: send
 *                                                                          Fory from now on (until then, JDK
 *                                                                          serialization where it can)
 * W→P START_FAILED error:bytes
 * P→W CHUNK        seq:int callId:long flags:byte timeoutNanos:long       timeoutNanos: the call's (or the pool's)
 *                  [task:bytes] inputs:values                             task timeout, 0 for none; task only
 *                                                                          the first time this worker
 *                  (the task in Fory, or JDK bytes with FLAG_JDK;
 *                  with FLAG_JOB the task is the job of a submit/apply,
 *                  which the worker wraps as a task itself)
 *                                                                          sees the call (see TaskCache)
 * P→W EXIT                                                                run the exit hook and exit
 * P→W RETIRE                                                              run the exit hook, answer EXITED,
 *                                                                          then wait idle for the next INIT
 *                                                                          (warm reuse) or EXIT
 * P→W CANCEL       callId:long                                            skip that call's chunks not started
 * W→P RESULTS      count:int { result }                                   several chunks' results per write
 * W→P PARTIAL      part                                                    results so far of a long chunk
 * W→P DYING        part reason:str                                        the worker is exiting under a chunk
 * W→P TIMED_OUT    part                                                    the task at part.to overran; the
 *                                                                          worker halts right after
 * W→P EXITED       hookNanos:long exitKind:byte exit:bytes                exit: nothing, the exit function's
 *                                                                          value (Fory) or its failure
 *
 * result = seq:int processed:int waitNanos:long workNanos:long slowestNanos:long slowestOffset:int values errors
 * part   = seq:int from:int to:int values errors          (values of offsets [from, to))
 * values = codec:byte then a Fory Object[], JDK bytes or plain (see Values), inputs and results alike
 * errors = count:int { offset:int throwable:bytes }
 * plain  = count:int { tag:byte value }  (null, String as UTF-8 bytes, or a boxed primitive: see PlainValues)
 * bytes  = length:int then the bytes;  str = bytes in UTF-8
 * </pre>
 */
final class Protocol {
    static final byte HELLO = 1;
    static final byte INIT = 2;
    static final byte READY = 3;
    static final byte START_FAILED = 4;
    static final byte CHUNK = 5;
    static final byte EXIT = 6;
    static final byte RESULTS = 7;
    static final byte PARTIAL = 8;
    static final byte DYING = 9;
    static final byte TIMED_OUT = 10;
    static final byte EXITED = 11;

    /** EXITED's exitKind: the pool has no exit function. */
    static final byte EXIT_NO_VALUE = 0;
    /** EXITED's exitKind: the exit function's value follows, in Fory. */
    static final byte EXIT_VALUE = 1;
    /** EXITED's exitKind: the exit function threw; the exception follows (as {@code encodeThrowable}). */
    static final byte EXIT_FAILED = 2;
    static final byte CANCEL = 12;
    static final byte FORY_READY = 13;
    static final byte RETIRE = 14;

    static final byte FLAG_KEEP_GOING = 1;
    static final byte FLAG_HAS_TASK = 2;
    static final byte FLAG_UNSENDABLE_INPUTS = 4;
    static final byte FLAG_TIME_EACH_TASK = 8;
    /**
     * The task is JDK-serialized, and the inputs are not in Fory: the worker's Fory or the pool's is not built
     * yet, so the worker answers without Fory too where it can.
     */
    static final byte FLAG_JDK = 16;
    /**
     * The task sent is a {@link dev.ensemble.Job} that the worker turns into a task ({@code Jobs.asTask}): the
     * wrapper lambda would be one more lambda to serialize and rebuild per call of a capturing job.
     */
    static final byte FLAG_JOB = 32;
    /** Codec of a values block: Fory, JDK serialization (length-prefixed bytes), or {@link PlainValues}. */
    static final byte CODEC_FORY = 0;
    static final byte CODEC_JDK = 1;
    static final byte CODEC_PLAIN = 2;

    /** How many calls' tasks a worker keeps; the pool mirrors the same cache to know what to resend. */
    static final int TASK_CACHE_SIZE = 32;

    /** Exit status a worker uses when it halts after a fatal error in a task (such as OutOfMemoryError). */
    static final int EXIT_FATAL = 3;

    private Protocol() {
    }

    static void writeBytes(MemoryBuffer buffer, byte[] bytes) {
        buffer.writeInt32(bytes.length);
        buffer.writeBytes(bytes);
    }

    static byte[] readBytes(MemoryBuffer buffer) {
        int length = buffer.readInt32();
        if (length < 0 || length > buffer.size() - buffer.readerIndex()) {
            throw new IllegalStateException("corrupt message: a field of " + length + " bytes");
        }
        return buffer.readBytes(length);
    }

    static void writeString(MemoryBuffer buffer, String text) {
        writeBytes(buffer, text.getBytes(StandardCharsets.UTF_8));
    }

    static String readString(MemoryBuffer buffer) {
        return new String(readBytes(buffer), StandardCharsets.UTF_8);
    }

    /** Writes the errors among offsets [from, to) of a chunk's arrays. */
    static void writeErrors(MemoryBuffer buffer, Throwable[] errors, int from, int to) {
        int countAt = buffer.writerIndex();
        buffer.writeInt32(0);
        int count = 0;
        if (errors != null) {
            for (int i = from; i < to; i++) {
                if (errors[i] != null) {
                    buffer.writeInt32(i);
                    writeBytes(buffer, Serialization.encodeThrowable(errors[i]));
                    count++;
                }
            }
        }
        buffer.putInt32(countAt, count);
    }

    /** Reads errors into {@code errors} (allocated on the first one), returning the array. */
    static Throwable[] readErrors(MemoryBuffer buffer, Throwable[] errors, int size) {
        int count = buffer.readInt32();
        for (int i = 0; i < count; i++) {
            int offset = buffer.readInt32();
            Throwable error = Serialization.decodeThrowable(readBytes(buffer));
            if (offset < 0 || offset >= size) {
                throw new IllegalStateException("corrupt message: error at offset " + offset + " of " + size);
            }
            if (errors == null) {
                errors = new Throwable[size];
            }
            errors[offset] = error;
        }
        return errors;
    }

    /** Reads past an errors block without rebuilding its exceptions. */
    static void skipErrors(MemoryBuffer buffer) {
        int count = buffer.readInt32();
        for (int i = 0; i < count; i++) {
            buffer.readInt32();
            int length = buffer.readInt32();
            if (length < 0 || length > buffer.size() - buffer.readerIndex()) {
                throw new IllegalStateException("corrupt message: an error of " + length + " bytes");
            }
            buffer.readerIndex(buffer.readerIndex() + length);
        }
    }

    /** A chunk's results as sent in a RESULTS frame, before it is matched with its chunk. */
    record Result(int seq, ChunkResult result) {
    }

    /** The results of offsets [from, to) of chunk {@code seq}. */
    record Part(int seq, int from, int to, Object[] values, Throwable[] errors) {
    }
}
