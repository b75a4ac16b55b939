package dev.ensemble.internal.shm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One file mapped into this process: the memory behind every view (typed, sliced, received) of one shared array
 * in this JVM. Mapped with a shared {@link Arena}, so closing it from any thread unmaps it safely: an access in
 * flight on another thread, or any later one, fails with {@link IllegalStateException} instead of touching
 * unmapped memory.
 *
 * <p>Three origins: {@code created} (this JVM made the file; closing deletes it), {@code mapped} (a user's file
 * opened with {@code SharedArray.map}; closing leaves the file), {@code foreign} (a handle from another JVM
 * resolved here; released by {@link Regions} when its file is gone, or when this process exits).
 */
public final class Region {
    private final long id;
    private final Path path;
    private final String fileKey;
    private final Arena arena;
    private final MemorySegment segment;
    private final boolean created;
    private final boolean foreign;
    private final boolean readOnly;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile String closedBy = "close()";

    Region(long id, Path path, String fileKey, Arena arena, MemorySegment segment, boolean created, boolean foreign,
            boolean readOnly) {
        this.id = id;
        this.path = path;
        this.fileKey = fileKey;
        this.arena = arena;
        this.segment = segment;
        this.created = created;
        this.foreign = foreign;
        this.readOnly = readOnly;
    }

    /** @return the identity a handle carries, the same in every process */
    public long id() {
        return id;
    }

    /** @return the mapped file */
    public Path path() {
        return path;
    }

    /** @return the file's identity when it was mapped (device and inode), to spot a file replaced under a name */
    String fileKey() {
        return fileKey;
    }

    /** @return the whole mapping */
    public MemorySegment segment() {
        return segment;
    }

    /** @return whether writes are refused */
    public boolean readOnly() {
        return readOnly;
    }

    /** @return whether this process mapped it from a handle sent by another process */
    boolean foreign() {
        return foreign;
    }

    /** @return whether it was unmapped in this process */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * A handle describing a part of this region, for sending to another process.
     *
     * @param kind the element type of the view
     * @param byteOffset where the view starts
     * @param length its number of elements
     * @return the handle
     * @throws IllegalStateException if the region is closed: a closed array cannot be sent
     */
    public Handle handle(Kind kind, long byteOffset, long length) {
        if (isClosed()) {
            throw new IllegalStateException("cannot send a closed shared array (" + path + ", closed by " + closedBy
                    + ") to a worker; close it only after the calls that use it have finished");
        }
        return new Handle(id, path.toString(), fileKey, kind, byteOffset, length, readOnly);
    }

    /**
     * Unmaps the memory in this process and, if this JVM created the file, deletes it. Idempotent.
     *
     * @param by who closed it, for the message of a later access
     * @throws IllegalStateException if a native call still holds the memory (a segment passed to native code)
     */
    public void close(String by) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closedBy = by;
        Regions.forget(this);
        try {
            arena.close();
        } catch (IllegalStateException e) {
            closed.set(false);
            Regions.remember(this);
            throw new IllegalStateException("cannot close the shared array " + path
                    + ": its memory is in use by a native call; close it after that call returns", e);
        }
        if (created) {
            ShmDirectory.delete(path);
        }
    }

    /**
     * The exception for an access that failed with {@code failure}: a clear message if the region was closed,
     * else {@code failure} itself.
     *
     * @param failure what the memory access threw
     * @return the exception to throw
     */
    public RuntimeException accessFailed(IllegalStateException failure) {
        if (!isClosed()) {
            return failure;
        }
        return new IllegalStateException("this shared array (" + path + ") is closed: it was released by "
                + closedBy + " and cannot be used any more", failure);
    }

    @Override
    public String toString() {
        return path + (isClosed() ? " (closed)" : "");
    }
}
