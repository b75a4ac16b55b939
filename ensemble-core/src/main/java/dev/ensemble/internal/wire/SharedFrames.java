package dev.ensemble.internal.wire;

import dev.ensemble.internal.platform.PrivateDirectory;
import dev.ensemble.internal.shm.ShmDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.fory.memory.MemoryBuffer;

/**
 * The large frames of one {@link FrameChannel}, carried in shared-memory files instead of through the socket.
 *
 * <p><b>Why.</b> A Unix socket holds about 200 KiB: an 8 MiB frame crosses it in dozens of pieces, each a
 * wake-up of the other side and two copies through the kernel, where a copy in memory is one pass (see
 * docs/design.md). Here the sender copies the frame into a
 * file in {@code /dev/shm} that both sides keep mapped, and the socket carries a descriptor of a few dozen bytes.
 *
 * <p><b>Regions.</b> Each side writes into files of its own ({@link ShmDirectory#createFrameFile}), at most
 * {@value #RETAINED_REGIONS} kept per channel and reused, each at least 1 MiB (an eighth more than the frame that
 * made it, in whole MiB), and only up to
 * {@value #RETAIN_LIMIT_BYTES} bytes (a larger frame gets a file of its own, deleted once read). The first 64
 * bytes of a region hold the sequence number of the last frame the reader copied out of it: the sender reuses a
 * region only when that equals the last one it put there. When every kept region is still unread, or no file can
 * be made (no {@code /dev/shm} space), the frame goes through the socket as usual: never a wait, never a failure.
 * A file's pages are written once with {@link FileChannel#write} before it is mapped, so a full {@code /dev/shm}
 * is an {@link IOException} (and the socket), not a {@code SIGBUS} on a mapped write.
 *
 * <p><b>Safety.</b> Every mapping is in a shared {@link Arena}: closing the channel from another thread while a
 * frame is being copied makes that copy fail with an exception, never touch unmapped memory. The reader copies a
 * frame into its own heap buffer before the bytes are decoded, so nothing ever reads the mapping after the copy.
 * A reader maps only files named as {@link ShmDirectory#isFrameFile} names them.
 *
 * <p><b>Cleanup.</b> Closing deletes this side's files and the peer's files it has seen (a peer killed with
 * {@code SIGKILL} cannot delete its own); {@link ShmDirectory} deletes a JVM's files at its exit and the files of
 * dead JVMs.
 */
final class SharedFrames {
    /** System property: the smallest frame sent through shared memory, in bytes; 0 turns the path off. */
    static final String THRESHOLD_PROPERTY = "ensemble.sharedFrameBytes";
    /** The default threshold: a socket buffer's worth. */
    static final int DEFAULT_THRESHOLD = 256 * 1024;
    /** How many regions one side of a channel keeps for reuse. */
    static final int RETAINED_REGIONS = 2;
    /** The largest region kept for reuse; a larger frame's file is deleted once it has been read. */
    static final long RETAIN_LIMIT_BYTES = 64L << 20;
    /** Where a region's frame starts; before it, the reader's count of frames taken out. */
    static final int HEADER_BYTES = 64;
    /** The longest descriptor accepted: a path of a few dozen bytes, and the numbers. */
    static final int MAX_DESCRIPTOR_BYTES = 4096;
    /** The shortest: sequence, length, retained flag, and a path of at least two bytes. */
    static final int MIN_DESCRIPTOR_BYTES = 8 + 4 + 1 + 2;

    private static final long MIN_REGION_BYTES = 1L << 20;
    /** The largest heap buffer a reader keeps for the next frame; a larger frame gets an array of its own. */
    private static final int KEPT_COPY_BYTES = 16 << 20;

    private final int threshold;
    private final long retainLimit;
    // Sending side: the channel's write lock orders the sends; the monitor on own guards against close().
    private final List<Region> own = new ArrayList<>();
    private final List<Region> unread = new ArrayList<>(); // one-off regions, deleted once read
    private long sent;
    // Receiving side: used by the reading thread only; the monitor on peers guards against close().
    private final Map<Path, Region> peers = new HashMap<>();
    private byte[] copy = new byte[0];
    private volatile boolean closed;

    /**
     * @param threshold the smallest frame to send through shared memory; 0 or less for none
     * @param retainLimit the largest region kept for reuse
     */
    SharedFrames(int threshold, long retainLimit) {
        this.threshold = threshold;
        this.retainLimit = retainLimit;
    }

    /** @return the shared frames of a channel of this JVM, as {@link #THRESHOLD_PROPERTY} configures them */
    static SharedFrames configured() {
        return new SharedFrames(Integer.getInteger(THRESHOLD_PROPERTY, DEFAULT_THRESHOLD), RETAIN_LIMIT_BYTES);
    }

    /**
     * Whether a frame's length prefix announces a descriptor: a negative length within the descriptors' sizes
     * (any other negative length is a corrupt stream).
     *
     * @param lengthPrefix the prefix as read
     * @return true for a descriptor of {@code -lengthPrefix} bytes
     */
    static boolean isDescriptorLength(int lengthPrefix) {
        return lengthPrefix <= -MIN_DESCRIPTOR_BYTES && lengthPrefix >= -MAX_DESCRIPTOR_BYTES;
    }

    /** @return whether a frame of {@code length} bytes should go through shared memory ({@link #place} decides) */
    boolean wants(int length) {
        return threshold > 0 && length >= threshold;
    }

    /**
     * Copies a frame into a region and describes where it is. Called with the channel's write lock held.
     *
     * @param frame the frame's bytes (after the length prefix)
     * @param offset where they start in {@code frame}
     * @param length how many there are
     * @return the descriptor to send instead of the frame, or null if it must go through the socket
     */
    ByteBuffer place(byte[] frame, int offset, int length) {
        Region region;
        boolean retained;
        long sequence;
        synchronized (own) {
            if (closed) {
                return null;
            }
            deleteReadOneOffs();
            region = freeRegionFor(length);
            if (region == null) {
                return null;
            }
            sequence = ++sent;
            MemorySegment.copy(frame, offset, region.segment, ValueLayout.JAVA_BYTE, HEADER_BYTES, length);
            region.lastPlaced = sequence;
            retained = own.contains(region);
            if (!retained) {
                region.closeMapping(); // the reader maps it; this side deletes the file once it has been read
                unread.add(region);
            }
        }
        byte[] path = region.path.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer descriptor = ByteBuffer.allocate(4 + 8 + 4 + 1 + path.length).order(ByteOrder.LITTLE_ENDIAN);
        descriptor.putInt(-(descriptor.capacity() - 4));
        descriptor.putLong(sequence).putInt(length).put((byte) (retained ? 1 : 0)).put(path).flip();
        return descriptor;
    }

    private Region freeRegionFor(int length) {
        Region smallestFree = null;
        for (Region region : own) {
            if (region.isFree()) {
                if (region.capacity() >= length) {
                    return region;
                }
                smallestFree = smallestFree == null || region.capacity() < smallestFree.capacity() ? region
                        : smallestFree;
            }
        }
        // An eighth more than this frame, in whole MiB: room for a slightly larger next one without doubling.
        long capacity = Math.max(MIN_REGION_BYTES, (length + length / 8 + MIN_REGION_BYTES - 1) & -MIN_REGION_BYTES);
        boolean retain = capacity <= retainLimit;
        if (retain && own.size() >= RETAINED_REGIONS) {
            if (smallestFree == null) {
                return null; // every kept region is still to be read
            }
            own.remove(smallestFree);
            smallestFree.delete();
        }
        Region created = Region.create(retain ? capacity : length);
        if (created != null && retain) {
            own.add(created);
        }
        return created;
    }

    private void deleteReadOneOffs() {
        for (Iterator<Region> it = unread.iterator(); it.hasNext();) {
            Region region = it.next();
            if (!Files.exists(region.path)) { // the reader deletes a one-off file once it has read it
                ShmDirectory.delete(region.path);
                it.remove();
            }
        }
    }

    /**
     * Reads the frame a descriptor names into this side's buffer, and tells the sender its region is free.
     *
     * @param descriptor the descriptor's bytes, after its length prefix
     * @param maxFrameBytes the largest frame accepted
     * @return the frame's bytes, valid until the next call
     * @throws IOException if the descriptor or the file is not what this side expects
     */
    MemoryBuffer take(ByteBuffer descriptor, int maxFrameBytes) throws IOException {
        long sequence = descriptor.getLong();
        int length = descriptor.getInt();
        boolean retained = descriptor.get() == 1;
        byte[] pathBytes = new byte[descriptor.remaining()];
        descriptor.get(pathBytes);
        Path path;
        try {
            path = Path.of(new String(pathBytes, StandardCharsets.UTF_8));
        } catch (java.nio.file.InvalidPathException e) {
            throw new IOException("received a corrupt shared-message descriptor: " + e.getMessage(), e);
        }
        if (length < 1 || length > maxFrameBytes) {
            throw new IOException("received a shared message of " + length + " bytes, outside 1.." + maxFrameBytes);
        }
        if (!ShmDirectory.isFrameFile(path)) {
            throw new IOException("the peer named " + path + " as a message file; that is not one");
        }
        byte[] frame;
        synchronized (peers) {
            if (closed) {
                throw new java.nio.channels.AsynchronousCloseException();
            }
            Region region = peers.get(path);
            if (region == null) {
                forgetDeletedPeerRegions();
                region = Region.map(path);
                peers.put(path, region);
            }
            if (length > region.capacity()) {
                throw new IOException("a shared message of " + length + " bytes does not fit its file " + path);
            }
            if (copy.length < length) {
                copy = new byte[length];
            }
            MemorySegment.copy(region.segment, ValueLayout.JAVA_BYTE, HEADER_BYTES, copy, 0, length);
            region.taken(sequence);
            if (!retained) {
                peers.remove(path);
                region.delete();
            }
            frame = copy;
            if (copy.length > KEPT_COPY_BYTES) {
                // A reader per worker: keeping each one's largest frame would hold the heap hostage.
                copy = new byte[0];
            }
        }
        return MemoryBuffer.fromByteArray(frame, 0, length);
    }

    /** The peer replaced a region: drops the mappings of its files that are gone. */
    private void forgetDeletedPeerRegions() {
        for (Iterator<Region> it = peers.values().iterator(); it.hasNext();) {
            Region region = it.next();
            if (!Files.exists(region.path)) {
                region.closeMapping();
                it.remove();
            }
        }
    }

    /** Unmaps everything and deletes this side's files and the peer's it knows of. Any thread, any time. */
    void close() {
        closed = true;
        synchronized (own) {
            own.forEach(Region::delete);
            own.clear();
            unread.forEach(Region::delete);
            unread.clear();
        }
        synchronized (peers) {
            peers.values().forEach(Region::delete);
            peers.clear();
        }
    }

    /**
     * One mapped file. Its class, and with it the foreign-memory API (some 50 ms of class loading and
     * initialization in a cold JVM), loads with the first large frame, not with every channel.
     */
    private static final class Region {
        private static final VarHandle TAKEN = ValueLayout.JAVA_LONG.varHandle();

        final Path path;
        final boolean created;
        final Arena arena;
        final MemorySegment segment;
        long lastPlaced;

        private Region(Path path, boolean created, Arena arena, MemorySegment segment) {
            this.path = path;
            this.created = created;
            this.arena = arena;
            this.segment = segment;
        }

        /** A new file of this side, its pages written once; null if none can be made. */
        static Region create(long capacity) {
            long size = HEADER_BYTES + capacity;
            Path path;
            try {
                path = ShmDirectory.createFrameFile(size);
            } catch (IllegalArgumentException | UncheckedIOException e) {
                return null;
            }
            Arena arena = Arena.ofShared();
            try (FileChannel file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(size, 1 << 20));
                for (long at = 0; at < size;) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), size - at));
                    at += file.write(zeros, at);
                }
                return new Region(path, true, arena, file.map(FileChannel.MapMode.READ_WRITE, 0, size, arena));
            } catch (IOException | RuntimeException e) {
                arena.close();
                ShmDirectory.delete(path);
                return null;
            }
        }

        /** The peer's file, mapped. */
        static Region map(Path path) throws IOException {
            // Only this user's own regular file, and the same one after opening (not swapped in between).
            Object key = PrivateDirectory.requireOwnFile(path);
            Arena arena = Arena.ofShared();
            try (FileChannel file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS)) {
                if (key != null && !key.equals(Files.readAttributes(path, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS).fileKey())) {
                    throw new IOException("the message file " + path + " was replaced while it was opened");
                }
                long size = file.size();
                if (size < HEADER_BYTES) {
                    throw new IOException("the message file " + path + " has only " + size + " bytes");
                }
                return new Region(path, false, arena, file.map(FileChannel.MapMode.READ_WRITE, 0, size, arena));
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e instanceof IOException io ? io : new IOException("cannot map " + path + ": " + e, e);
            }
        }

        long capacity() {
            return segment.byteSize() - HEADER_BYTES;
        }

        /** Whether the reader has taken out the last frame put here. */
        boolean isFree() {
            return (long) TAKEN.getAcquire(segment, 0L) == lastPlaced;
        }

        /** The reader has copied out the frame {@code sequence}: the sender may reuse this region. */
        void taken(long sequence) {
            TAKEN.setRelease(segment, 0L, sequence);
        }

        void closeMapping() {
            try {
                arena.close();
            } catch (IllegalStateException alreadyClosed) {
                // closed by close() or by the one-off path: nothing to do
            }
        }

        void delete() {
            closeMapping();
            if (created) {
                ShmDirectory.delete(path);
                return;
            }
            try {
                Files.deleteIfExists(path);
                Files.deleteIfExists(path.getParent()); // the peer's directory, if that was its last file
            } catch (IOException e) {
                // not empty, or already gone: its owner deletes it, or ShmDirectory once the owner is gone
            }
        }
    }
}
