package dev.ensemble.internal.wire;

import dev.ensemble.internal.idle.SpinBudget;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.fory.memory.MemoryBuffer;

/**
 * Length-prefixed frames over one connected Unix domain socket, with one reading thread and any number of
 * writing threads (writes are serialized by a lock).
 *
 * <p><b>Layout.</b> A frame is a 4-byte little-endian length {@code n}, then {@code n} bytes whose first is the
 * frame's type. A length over {@link #maxFrameBytes} is rejected before anything is allocated for it, so a
 * corrupt or hostile peer cannot make this side allocate gigabytes.
 *
 * <p><b>Large frames.</b> A frame of {@value SharedFrames#DEFAULT_THRESHOLD} bytes or more goes through a
 * shared-memory file when one can be had ({@link SharedFrames}); its length prefix is then negative, the length of
 * a short descriptor. Callers see the same frames either way.
 *
 * <p><b>Waiting.</b> The channel is non-blocking. A reader with nothing to read first spins (reading again
 * between {@link Thread#onSpinWait()} pauses) for as long as its {@link SpinBudget} says, learned from its recent
 * waits, and only then parks in a selector: a cross-CPU wake-up costs tens of microseconds on small machines, more
 * than a round trip of a trivial task. A channel that is idle for long stops spinning after a wait or two.
 */
public final class FrameChannel implements AutoCloseable {
    /** The default largest frame: large enough for a 128 Mi-element array of doubles. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 1 << 30;
    /** System property that lowers the largest frame of the channels this JVM opens (tests of the limit). */
    public static final String MAX_FRAME_PROPERTY = "ensemble.maxFrameBytes";

    private final SocketChannel channel;
    private final int maxFrameBytes;
    private final Selector readSelector;
    private final Selector writeSelector;
    private final ReentrantLock writeLock = new ReentrantLock();
    private ByteBuffer in = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
    private final SpinBudget spin = new SpinBudget();
    private final SharedFrames shared;

    /**
     * Wraps a connected channel; from now on only this object may use it.
     *
     * @param channel a connected socket channel
     * @param maxFrameBytes the largest frame accepted
     * @throws IOException if the channel cannot be made non-blocking
     */
    public FrameChannel(SocketChannel channel, int maxFrameBytes) throws IOException {
        this(channel, maxFrameBytes, SharedFrames.configured());
    }

    FrameChannel(SocketChannel channel, int maxFrameBytes, SharedFrames shared) throws IOException {
        this.shared = shared;
        this.channel = channel;
        this.maxFrameBytes = maxFrameBytes;
        channel.configureBlocking(false);
        this.readSelector = Selector.open();
        this.writeSelector = Selector.open();
        channel.register(readSelector, SelectionKey.OP_READ);
        channel.register(writeSelector, SelectionKey.OP_WRITE);
        in.flip();
    }

    /**
     * The largest frame for channels of this JVM: {@link #DEFAULT_MAX_FRAME_BYTES}, or less if
     * {@value #MAX_FRAME_PROPERTY} says so (at least 64 KiB).
     *
     * @return the limit in bytes
     */
    public static int configuredMaxFrameBytes() {
        int configured = Integer.getInteger(MAX_FRAME_PROPERTY, DEFAULT_MAX_FRAME_BYTES);
        return Math.clamp(configured, 64 * 1024, DEFAULT_MAX_FRAME_BYTES);
    }

    /** @return the largest frame this channel sends or accepts */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** @return the write lock, for callers that must keep their own state in step with the frame order */
    public ReentrantLock writeLock() {
        return writeLock;
    }

    /**
     * Starts a frame in {@code buffer}: clears it and reserves the length prefix, then writes the type.
     *
     * @param buffer a reusable buffer
     * @param type the frame type
     * @return the buffer, for the frame's body to be written into
     */
    public static MemoryBuffer begin(MemoryBuffer buffer, byte type) {
        buffer.writerIndex(0);
        buffer.writeInt32(0);
        buffer.writeByte(type);
        return buffer;
    }

    /**
     * Sends a frame started with {@link #begin}. Thread-safe; frames never interleave.
     *
     * @param buffer the frame
     * @throws IOException if the peer is gone
     * @throws TooLargeException if the frame is over the limit; nothing was sent and the channel is still usable
     */
    public void send(MemoryBuffer buffer) throws IOException {
        int length = buffer.writerIndex() - 4;
        if (length > maxFrameBytes) {
            throw new TooLargeException(length, maxFrameBytes);
        }
        buffer.putInt32(0, length);
        writeLock.lock();
        try {
            ByteBuffer descriptor = shared.wants(length) ? shared.place(buffer.getHeapMemory(), 4, length) : null;
            write(descriptor != null ? descriptor : ByteBuffer.wrap(buffer.getHeapMemory(), 0, buffer.writerIndex()));
        } finally {
            writeLock.unlock();
        }
    }

    private void write(ByteBuffer out) throws IOException {
        while (out.hasRemaining()) {
            if (channel.write(out) == 0) {
                select(writeSelector, 100);
            }
        }
    }

    /**
     * Reads the next frame, waiting for it. Only one thread may read.
     *
     * @return the frame's bytes after the length prefix, starting with its type; valid until the next call
     * @throws EOFException if the peer closed the connection
     * @throws IOException if reading failed or the frame is over the limit
     */
    public MemoryBuffer receive() throws IOException {
        fill(4);
        int length = in.getInt();
        if (SharedFrames.isDescriptorLength(length)) {
            fill(-length);
            ByteBuffer descriptor = in.slice(in.position(), -length).order(ByteOrder.LITTLE_ENDIAN);
            in.position(in.position() - length);
            return shared.take(descriptor, maxFrameBytes);
        }
        if (length < 1 || length > maxFrameBytes) {
            throw new IOException("received a message length of " + length + " bytes, outside 1.."
                    + maxFrameBytes + "; the peer is not speaking this protocol");
        }
        fill(length);
        MemoryBuffer frame = MemoryBuffer.fromByteArray(in.array(), in.position(), length);
        in.position(in.position() + length);
        return frame;
    }

    /**
     * The next frame if it has fully arrived, without waiting. Only the reading thread may call it.
     *
     * @return the frame (as {@link #receive()} returns it), or null if none is complete yet
     * @throws IOException if reading failed or the peer closed the connection
     */
    public MemoryBuffer poll() throws IOException {
        if (!frameBuffered()) {
            in.compact();
            int n;
            try {
                n = channel.read(in);
            } finally {
                in.flip();
            }
            if (n < 0) {
                throw new EOFException("the other side closed the connection");
            }
            if (!frameBuffered()) {
                return null;
            }
        }
        return receive();
    }

    /**
     * Whether a whole frame is already buffered, so that {@link #receive()} would not wait.
     *
     * @return true if the next frame is here
     */
    public boolean frameBuffered() {
        if (in.remaining() < 4) {
            return false;
        }
        int length = in.getInt(in.position());
        if (SharedFrames.isDescriptorLength(length)) {
            return in.remaining() - 4 >= -length;
        }
        return length >= 0 && in.remaining() - 4 >= length;
    }

    /** Makes at least {@code needed} bytes readable in {@link #in}. */
    private void fill(int needed) throws IOException {
        if (in.remaining() >= needed) {
            return;
        }
        if (in.capacity() < needed) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(needed, in.capacity() * 2)).order(ByteOrder.LITTLE_ENDIAN);
            bigger.put(in);
            in = bigger;
        } else {
            in.compact();
        }
        // in is now in write mode
        try {
            while (in.position() < needed) {
                int n = channel.read(in);
                if (n < 0) {
                    throw new EOFException("the other side closed the connection");
                }
                if (n == 0) {
                    awaitReadable();
                }
            }
        } finally {
            in.flip();
        }
        if (in.capacity() > 16 * 1024 * 1024 && needed <= 64 * 1024) {
            // Give back a buffer grown for one huge message once messages are small again.
            ByteBuffer small = ByteBuffer.allocate(Math.max(64 * 1024, in.remaining())).order(ByteOrder.LITTLE_ENDIAN);
            small.put(in).flip();
            in = small;
        }
    }

    private void awaitReadable() throws IOException {
        long start = System.nanoTime();
        Boolean caught = spin.spin(() -> {
            int n = channel.read(in);
            if (n < 0) {
                throw new EOFException("the other side closed the connection");
            }
            return n > 0 ? Boolean.TRUE : null;
        });
        if (caught == null) {
            select(readSelector, 0);
        }
        spin.waited(System.nanoTime() - start);
    }

    private static void select(Selector selector, long timeoutMillis) throws IOException {
        try {
            selector.select(timeoutMillis);
            selector.selectedKeys().clear();
        } catch (java.nio.channels.ClosedSelectorException e) {
            throw new java.nio.channels.AsynchronousCloseException();
        }
    }

    /**
     * Closes the channel; a reader blocked in {@link #receive()} gets an exception. Deletes the shared-memory
     * files of both sides that carried large frames on it.
     */
    @Override
    public void close() {
        shared.close();
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing: nothing left to do with it
        }
        try {
            readSelector.close();
        } catch (IOException ignored) {
            // as above
        }
        try {
            writeSelector.close();
        } catch (IOException ignored) {
            // as above
        }
    }

    /** A frame over the limit, refused before any of it was written: the connection is still in step. */
    public static final class TooLargeException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        /**
         * @param length the frame's length
         * @param limit the largest frame
         */
        public TooLargeException(long length, int limit) {
            super("a message of " + length + " bytes is over the limit of " + limit
                    + " bytes per message between a pool and its workers; send less data per task");
        }
    }
}
