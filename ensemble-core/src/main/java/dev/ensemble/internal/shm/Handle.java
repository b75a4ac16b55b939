package dev.ensemble.internal.shm;

import java.io.Serial;
import java.io.Serializable;

/**
 * What a shared array becomes on the wire: a few dozen bytes naming the file and the part of it a view covers.
 * Every {@code SharedArray} serializes as one of these ({@code writeReplace}) and deserializes back to a view
 * ({@code readResolve} → {@link Regions#resolve}), with JDK serialization and with Fory alike, so a task that
 * captures an array, or an input that holds one, never copies its elements.
 *
 * @param id the region's identity, the same in every process
 * @param path the mapped file
 * @param fileKey the file's device and inode when it was mapped, or empty
 * @param kind the view's element type
 * @param byteOffset where the view starts in the file
 * @param length the view's number of elements
 * @param readOnly whether the file was mapped read-only
 */
public record Handle(long id, String path, String fileKey, Kind kind, long byteOffset, long length,
        boolean readOnly) implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Checks what a handle from the wire could get wrong.
     *
     * @throws IllegalArgumentException if a component is missing or out of range
     */
    public Handle {
        if (path == null || fileKey == null || kind == null) {
            throw new IllegalArgumentException("a shared-array handle needs a path, a file key and a kind");
        }
        if (byteOffset < 0 || length < 0 || byteOffset % kind.bytes() != 0
                || length > (Long.MAX_VALUE - byteOffset) / kind.bytes()) {
            throw new IllegalArgumentException("a shared-array handle of " + length + " " + kind.plural()
                    + " at byte " + byteOffset + " of " + path + " is out of range");
        }
    }

    /**
     * Maps (once per process) or finds the memory this handle names.
     *
     * @return a view of it
     * @throws IllegalStateException if the array was closed by its owner before this process mapped it
     */
    @Serial
    private Object readResolve() {
        return resolve();
    }

    /**
     * Maps (once per process) or finds the memory this handle names.
     *
     * @return a view of it, which does not own the memory
     * @throws IllegalStateException if the array was closed by its owner before this process mapped it
     */
    public AbstractView resolve() {
        return Regions.resolve(this);
    }
}
