package dev.ensemble.internal.shm;

import dev.ensemble.internal.platform.PrivateDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Where this JVM's shared-array files live, and how the files of dead JVMs are found and deleted.
 *
 * <pre>
 * /dev/shm/                                  (or -Densemble.shm.dir=DIR; java.io.tmpdir without /dev/shm)
 *   ensemble-USER-PID-START-RANDOM/          0700; one per JVM that has open arrays: user, process id, process
 *   |                                        start time (epoch ms), 16 random hex digits (see PrivateDirectory)
 *   +-- 1-doubles.shm                        0600; the elements and nothing else: element i of an array of
 *   +-- 2-bytes.shm                                k-byte elements is at byte i * k, native byte order
 *   +-- 3-frames.shm                         0600; messages to a worker or pool too large for a socket's buffer
 * </pre>
 *
 * <p>Lifecycle. The directory is created with this JVM's first file and deleted with its last, so a JVM with no
 * open array leaves nothing in {@code /dev/shm}. A JVM that exits normally deletes its remaining files in a
 * shutdown hook (its mappings die with the process). A JVM killed with SIGKILL cannot; the next JVM of the same
 * user that creates a file (or calls {@link #cleanStale()}) deletes every {@code ensemble-USER-*} directory whose
 * process is gone, or whose pid now belongs to a process started at another time (pid reuse), if this user owns
 * it, never following a symbolic link ({@link PrivateDirectory#deleteStale}). A file deleted
 * while another process still maps it stays readable there until that process unmaps it: tmpfs frees the memory
 * with the last mapping, so deleting never pulls memory from under a worker.
 *
 * <p>Worker processes map the files named in the handles they receive; they create files only for arrays their
 * own tasks create, in their own directory.
 */
public final class ShmDirectory {
    /** System property naming another root directory than {@code /dev/shm} (tests, machines without it). */
    public static final String ROOT_PROPERTY = "ensemble.shm.dir";

    private static final String PREFIX = "ensemble-" + safeUserName() + "-";
    private static final String FRAMES = "frames";
    private static final long PID = ProcessHandle.current().pid();
    private static final long START = startMillis(ProcessHandle.current());
    /** Makes this JVM's directory name unguessable, so no other user can create it first. */
    private static final String RANDOM = PrivateDirectory.randomPart();

    private static final Set<Path> live = new HashSet<>();
    private static long counter;
    private static boolean staleCleaned;
    private static boolean hookInstalled;

    private ShmDirectory() {
    }

    /**
     * The directory under which the private directories are made.
     *
     * @return {@code /dev/shm}, or the directory named by {@value #ROOT_PROPERTY}, or {@code java.io.tmpdir}
     */
    public static Path root() {
        String configured = System.getProperty(ROOT_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /**
     * This JVM's private directory; it exists only while this JVM has files in it.
     *
     * @return its path
     */
    public static Path directory() {
        return root().resolve(PREFIX + PID + "-" + START + "-" + RANDOM);
    }

    /**
     * Creates an empty file (mode 0600) for a new array, after checking that the file system has room for it.
     *
     * @param kind the element type, for the file's name
     * @param bytes the size the file will have once mapped
     * @return the new file's path; the caller maps it and calls {@link #delete} when done
     * @throws IllegalArgumentException if {@code bytes} is more than the file system's usable space
     * @throws UncheckedIOException if the directory or file cannot be created
     */
    static Path createFile(Kind kind, long bytes) {
        return createFile(kind.plural(), bytes);
    }

    /**
     * Creates an empty file (mode 0600, named {@code N-frames.shm}) for messages between a pool and a worker that
     * are too large for their socket's buffer, after checking that the file system has room for it.
     *
     * @param bytes the size the file will have
     * @return the new file's path; the caller calls {@link #delete} when done
     * @throws IllegalArgumentException if {@code bytes} is more than the file system's usable space
     * @throws UncheckedIOException if the directory or file cannot be created
     */
    public static Path createFrameFile(long bytes) {
        return createFile(FRAMES, bytes);
    }

    /**
     * Whether {@code file} is named as {@link #createFrameFile} names its files, in a directory named as
     * {@link #directory()} names them: what a worker checks before it maps a file its peer names.
     *
     * @param file an absolute path
     * @return true if it looks like another JVM's message file
     */
    public static boolean isFrameFile(Path file) {
        Path dir = file.getParent();
        return file.isAbsolute() && dir != null && dir.getFileName() != null
                && dir.getFileName().toString().startsWith(PREFIX)
                && file.getFileName().toString().matches("[0-9]+-" + FRAMES + "\\.shm");
    }

    private static synchronized Path createFile(String what, long bytes) {
        if (!staleCleaned) {
            staleCleaned = true;
            cleanStale();
        }
        Path root = root();
        try {
            long usable = Files.getFileStore(root).getUsableSpace();
            if (bytes > usable) {
                throw new IllegalArgumentException(String.format(
                        "a shared array of %,d bytes does not fit: %s has %,d bytes free; use a smaller array, "
                                + "free space there, or map an existing file with SharedArray.map(Path)",
                        bytes, root, usable));
            }
            Path dir = PrivateDirectory.create(directory());
            installHook();
            Path file = dir.resolve(++counter + "-" + what + ".shm");
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            live.add(file);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a shared-array file under " + root + ": " + e, e);
        }
    }

    /**
     * Deletes a file made by {@link #createFile}, and the directory with the last one.
     *
     * @param file the file
     */
    public static synchronized void delete(Path file) {
        live.remove(file);
        deleteQuietly(file);
        if (live.isEmpty()) {
            deleteQuietly(file.getParent());
        }
    }

    /**
     * The files this JVM created and has not deleted.
     *
     * @return a copy of the set
     */
    public static synchronized Set<Path> liveFiles() {
        return Set.copyOf(live);
    }

    /**
     * Deletes the private directories (and their files) of this user's JVMs that are no longer running. Runs by
     * itself before this JVM creates its first file; call it to clean up at another time.
     *
     * @return the number of directories deleted
     */
    public static int cleanStale() {
        return PrivateDirectory.deleteStale(root(), PREFIX, ShmDirectory::isStale);
    }

    /**
     * Deletes the private directory (and its files) of the JVM with process id {@code pid} started at
     * {@code startMillis}: a worker process calls it for its pool's JVM, and for itself, when that JVM was
     * killed (its shutdown hook never ran), so that nothing waits for the next JVM's {@link #cleanStale()}.
     *
     * @param pid the JVM's process id
     * @param startMillis its start time (epoch ms), as {@link ProcessHandle.Info#startInstant()} gives it
     */
    public static void deleteDirectoryOf(long pid, long startMillis) {
        PrivateDirectory.deleteStale(root(), PREFIX + pid + "-" + startMillis + "-", random -> true);
    }

    /** {@code owner} is {@code PID-START-RANDOM}; stale if that process is gone or the pid was reused. */
    private static boolean isStale(String owner) {
        String[] parts = owner.split("-", -1);
        if (parts.length != 3) {
            return false;
        }
        long pid;
        long start;
        try {
            pid = Long.parseLong(parts[0]);
            start = Long.parseLong(parts[1]);
        } catch (NumberFormatException e) {
            return false;
        }
        if (pid == PID && start == START) {
            return false;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return true;
        }
        long actualStart = startMillis(process.get());
        return start != 0 && actualStart != 0 && actualStart != start;
    }

    private static synchronized void installHook() {
        if (!hookInstalled) {
            hookInstalled = true;
            Runtime.getRuntime().addShutdownHook(new Thread(ShmDirectory::deleteAll, "ensemble-shm-cleanup"));
        }
    }

    /** The shutdown hook: arrays not closed still lose their files; this process's mappings end with it. */
    private static synchronized void deleteAll() {
        for (Path file : live) {
            deleteQuietly(file);
        }
        live.clear();
        deleteQuietly(directory());
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // A directory another thread just put a file in, or one being cleaned by another JVM: leave it.
        }
    }

    private static long startMillis(ProcessHandle process) {
        return process.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);
    }

    private static String safeUserName() {
        String user = System.getProperty("user.name", "user");
        String safe = user.replaceAll("[^A-Za-z0-9_.]", "_");
        return safe.isEmpty() ? "user" : safe;
    }
}
