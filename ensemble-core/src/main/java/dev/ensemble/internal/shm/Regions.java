package dev.ensemble.internal.shm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The regions mapped in this process, by id: one mapping per file per process, whichever way it arrived.
 *
 * <p>In the creating JVM a handle resolves to the creator's own region, so a thread worker (or anything that
 * round-trips an array through serialization in the same JVM) sees the very same segment. In a worker process
 * the first handle of an array maps its file; later handles, for any slice or typed view of it, reuse that
 * mapping. A worker cannot hear about {@code close()} in the parent, so a foreign mapping is released when this
 * process next maps a new file and finds the old file deleted (its owner closed it), or at {@link #releaseAll}
 * and process exit; until then the memory stays valid (tmpfs frees it with the last mapping), so a late task
 * reads stale values at worst, never unmapped memory.
 */
public final class Regions {
    private static final ConcurrentHashMap<Long, Region> BY_ID = new ConcurrentHashMap<>();
    private static final Object MAPPING = new Object();

    private Regions() {
    }

    /**
     * Creates a new zero-filled array file in this JVM's private directory and maps it read-write.
     *
     * @param kind the element type
     * @param length the number of elements
     * @return the region, owned by the caller
     * @throws IllegalArgumentException if the length is negative, overflows, or does not fit in the free space
     * @throws UncheckedIOException if the file cannot be created or mapped
     */
    public static Region create(Kind kind, long length) {
        long bytes = kind.byteSizeOf(length);
        Path file = ShmDirectory.createFile(kind, bytes);
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // Mapping extends the file; tmpfs gives pages (zeroed) only when first touched.
            MemorySegment segment = channel.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
            Region region = new Region(newId(), file, fileKey(file), arena, segment, true, false, false);
            remember(region);
            return region;
        } catch (IOException | RuntimeException e) {
            arena.close();
            ShmDirectory.delete(file);
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot map the shared-array file " + file + ": " + e, io);
            }
            throw (RuntimeException) e;
        }
    }

    /**
     * Maps an existing file read-only.
     *
     * @param file the file
     * @return the region, owned by the caller; closing it leaves the file
     * @throws IllegalArgumentException if the file does not exist or is not a regular file
     * @throws UncheckedIOException if it cannot be read
     */
    public static Region map(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("SharedArray.map needs an existing regular file, and " + file
                    + (Files.exists(file) ? " is not one" : " does not exist"));
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Path absolute = file.toAbsolutePath();
            MemorySegment segment = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            Region region = new Region(newId(), absolute, fileKey(absolute), arena, segment, false, false, true);
            remember(region);
            return region;
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot map " + file + " read-only: " + e, e);
        }
    }

    /**
     * The view a handle names: in the JVM that made it, the same memory; elsewhere, this process's mapping of the
     * file, made on first use.
     *
     * @param handle the handle
     * @return a view that does not own the memory (its {@code close()} does nothing)
     * @throws IllegalStateException if the file is gone (its owner closed the array) or was replaced
     */
    static AbstractView resolve(Handle handle) {
        Region region = BY_ID.get(handle.id());
        if (region == null) {
            region = mapForeign(handle);
        }
        long end = handle.byteOffset() + handle.length() * handle.kind().bytes();
        if (end > region.segment().byteSize()) {
            throw new IllegalStateException("a handle of " + handle.length() + " " + handle.kind().plural()
                    + " at byte " + handle.byteOffset() + " does not fit in " + region.path() + " ("
                    + region.segment().byteSize() + " bytes)");
        }
        return AbstractView.of(handle.kind(), region, handle.byteOffset(), handle.length(), false);
    }

    private static Region mapForeign(Handle handle) {
        synchronized (MAPPING) {
            Region region = BY_ID.get(handle.id());
            if (region != null) {
                return region;
            }
            releaseDeleted();
            Path path = Path.of(handle.path());
            Path dir = path.getParent() == null ? null : path.getParent().getFileName();
            if (!handle.readOnly() && (dir == null || !dir.toString().startsWith("ensemble-")
                    || !path.getFileName().toString().endsWith(".shm"))) {
                throw new IllegalStateException("refusing to map " + path + " read-write: it is not a shared-array "
                        + "file made by Ensemble");
            }
            Arena arena = Arena.ofShared();
            try (FileChannel channel = handle.readOnly() ? FileChannel.open(path, StandardOpenOption.READ)
                    : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                String key = fileKey(path);
                if (!key.equals(handle.fileKey())) {
                    throw new IllegalStateException("the shared array's file " + path + " was replaced by another "
                            + "file after the array was made; map the new file with SharedArray.map");
                }
                MemorySegment segment = channel.map(handle.readOnly() ? FileChannel.MapMode.READ_ONLY
                        : FileChannel.MapMode.READ_WRITE, 0, channel.size(), arena);
                region = new Region(handle.id(), path, key, arena, segment, false, true, handle.readOnly());
                remember(region);
                return region;
            } catch (NoSuchFileException e) {
                arena.close();
                throw new IllegalStateException("the shared array in " + path + " is closed: its owner closed it "
                        + "before this worker could map it; close an array only after the calls using it finish", e);
            } catch (IOException e) {
                arena.close();
                throw new UncheckedIOException("cannot map the shared array " + path + " in this worker: " + e, e);
            } catch (RuntimeException e) {
                arena.close();
                throw e;
            }
        }
    }

    /** Releases foreign mappings whose file is gone: their owner closed them, so no task may use them any more. */
    private static void releaseDeleted() {
        for (Region region : List.copyOf(BY_ID.values())) {
            if (region.foreign() && !sameFile(region)) {
                region.close("its owner (the file was deleted)");
            }
        }
    }

    private static boolean sameFile(Region region) {
        try {
            return fileKey(region.path()).equals(region.fileKey());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Releases the mapping of one array in this process, for a backend told that its owner closed it.
     *
     * @param id the region's id
     */
    public static void release(long id) {
        Region region = BY_ID.get(id);
        if (region != null && region.foreign()) {
            region.close("its owner");
        }
    }

    /** Releases every mapping this process made from handles: for a worker that is about to exit. */
    public static void releaseAll() {
        List<Region> foreign = new ArrayList<>();
        for (Region region : BY_ID.values()) {
            if (region.foreign()) {
                foreign.add(region);
            }
        }
        for (Region region : foreign) {
            region.close("the worker's exit");
        }
    }

    /**
     * The number of regions mapped in this process now.
     *
     * @return how many
     */
    public static int mappedCount() {
        return BY_ID.size();
    }

    static void remember(Region region) {
        BY_ID.put(region.id(), region);
    }

    static void forget(Region region) {
        BY_ID.remove(region.id(), region);
    }

    private static long newId() {
        long id;
        do {
            id = ThreadLocalRandom.current().nextLong();
        } while (BY_ID.containsKey(id));
        return id;
    }

    private static String fileKey(Path file) throws IOException {
        Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        return key == null ? "" : key.toString();
    }
}
