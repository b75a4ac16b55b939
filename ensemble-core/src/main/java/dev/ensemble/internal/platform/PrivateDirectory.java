package dev.ensemble.internal.platform;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Owner-only directories for a JVM's private files (worker sockets, shared-memory files), made so that another
 * local user can neither predict nor pre-create them, swap what is in them, or make this JVM delete anything of
 * theirs.
 *
 * <ul>
 *   <li>Names end with a random part ({@link #randomPart()}), read from the OS's random source.</li>
 *   <li>A directory is created with mode 0700 in one step, then verified (also when it existed already): a real
 *       directory, not a symbolic link, owned by this process's user, mode exactly 0700. Anything else is refused
 *       with an error that names the path.</li>
 *   <li>Files are checked the same way before they are mapped ({@link #requireOwnFile}).</li>
 *   <li>Stale directories of dead JVMs are deleted through a {@link SecureDirectoryStream}: by name, relative to an
 *       opened directory, never following a symbolic link, and only directories and files this user owns.</li>
 * </ul>
 *
 * Where the file system has no POSIX attributes (Windows) the checks that need them are skipped.
 */
public final class PrivateDirectory {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    /** Bytes of randomness in a name: 64 bits, beyond guessing. */
    private static final int RANDOM_BYTES = 8;
    private static volatile Integer ownUid;

    private PrivateDirectory() {
    }

    /**
     * A random string for a private name, read from {@code /dev/urandom} where it exists (no security provider to
     * initialize on a worker's start path), else from {@link SecureRandom}.
     *
     * @return 16 lowercase hex digits
     */
    public static String randomPart() {
        byte[] bytes = new byte[RANDOM_BYTES];
        Path urandom = Path.of("/dev/urandom");
        boolean read = false;
        if (Files.isReadable(urandom)) {
            try (InputStream in = Files.newInputStream(urandom)) {
                read = in.readNBytes(bytes, 0, bytes.length) == bytes.length;
            } catch (IOException e) {
                read = false;
            }
        }
        if (!read) {
            new SecureRandom().nextBytes(bytes);
        }
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * Creates {@code dir} with mode 0700 (its parent must exist), or accepts it if it exists already and passes
     * {@link #verify}.
     *
     * @param dir the directory
     * @return {@code dir}
     * @throws IOException if it cannot be created, or exists and is not this user's private directory
     */
    public static Path create(Path dir) throws IOException {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (UnsupportedOperationException e) {
            Files.createDirectories(dir); // no POSIX permissions here (Windows): the user's profile protects it
        } catch (FileAlreadyExistsException e) {
            // ours from earlier, or someone else's: verify says which
        }
        verify(dir);
        return dir;
    }

    /**
     * Checks that {@code dir} is a real directory (not a symbolic link) owned by this process's user with mode
     * 0700.
     *
     * @param dir the directory
     * @throws IOException naming what is wrong and what to do
     */
    public static void verify(Path dir) throws IOException {
        PosixFileAttributes attributes = posix(dir);
        if (attributes == null) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(dir + " is not a directory");
            }
            return;
        }
        if (attributes.isSymbolicLink() || !attributes.isDirectory()) {
            throw refused(dir, "is not a plain directory (a symbolic link or a file)");
        }
        if (!isOwnUid(dir)) {
            throw refused(dir, "belongs to another user (" + attributes.owner().getName() + ")");
        }
        if (!attributes.permissions().equals(OWNER_ONLY)) {
            throw refused(dir, "has mode " + PosixFilePermissions.toString(attributes.permissions())
                    + " instead of rwx------");
        }
    }

    /**
     * Checks, before a file another process named is opened, that it is a regular file (not a symbolic link) owned
     * by this process's user.
     *
     * @param file the file
     * @return its file key (inode), to compare after opening; null where the file system has none
     * @throws IOException naming what is wrong
     */
    public static Object requireOwnFile(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isRegularFile()) {
            throw refused(file, "is not a regular file");
        }
        if (posix(file) != null && !isOwnUid(file)) {
            throw refused(file, "belongs to another user");
        }
        return attributes.fileKey();
    }

    /**
     * Deletes the directories in {@code root} named {@code prefix...} for which {@code stale} is true of the rest
     * of the name, with their files, without following a symbolic link and only where this user owns the
     * directory and the file. Best effort: entries that another JVM is deleting at the same time are skipped.
     *
     * @param root where to look
     * @param prefix the start of the names
     * @param stale told the rest of a name; true to delete that directory
     * @return the number of directories deleted
     */
    public static int deleteStale(Path root, String prefix, Predicate<String> stale) {
        int deleted = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            if (!(entries instanceof SecureDirectoryStream<Path> secure)) {
                return 0; // no relative, link-safe deletes here: leave stale files rather than risk others'
            }
            for (Path entry : secure) {
                String name = entry.getFileName().toString();
                if (!name.startsWith(prefix) || !stale.test(name.substring(prefix.length()))) {
                    continue;
                }
                Path relative = entry.getFileName();
                try {
                    PosixFileAttributes attributes = secure.getFileAttributeView(relative,
                            PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
                    if (!attributes.isDirectory() || attributes.isSymbolicLink() || !isOwnUid(entry)) {
                        continue;
                    }
                    try (SecureDirectoryStream<Path> dir = secure.newDirectoryStream(relative,
                            LinkOption.NOFOLLOW_LINKS)) {
                        for (Path file : dir) {
                            Path fileName = file.getFileName();
                            PosixFileAttributes fileAttributes = dir.getFileAttributeView(fileName,
                                    PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
                            if (!fileAttributes.isDirectory()) {
                                dir.deleteFile(fileName); // a link itself is deleted, never what it points to
                            }
                        }
                    }
                    secure.deleteDirectory(relative);
                    deleted++;
                } catch (IOException | RuntimeException e) {
                    // being cleaned by another JVM, not empty, or not ours after all: leave it
                }
            }
        } catch (IOException | RuntimeException e) {
            // best effort
        }
        return deleted;
    }

    private static PosixFileAttributes posix(Path path) throws IOException {
        try {
            return Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    private static boolean isOwnUid(Path path) throws IOException {
        Integer mine = ownUid();
        if (mine == null) {
            return true; // no uid on this platform
        }
        return mine.equals(Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS));
    }

    /** This process's user id: the owner of {@code /proc/self}, else of a file it creates; null without uids. */
    private static Integer ownUid() {
        Integer uid = ownUid;
        if (uid != null) {
            return uid;
        }
        try {
            Path self = Path.of("/proc/self");
            if (Files.exists(self)) {
                uid = (Integer) Files.getAttribute(self, "unix:uid");
            } else {
                Path probe = Files.createTempFile("ensemble-uid", ".probe");
                try {
                    uid = (Integer) Files.getAttribute(probe, "unix:uid");
                } finally {
                    Files.deleteIfExists(probe);
                }
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
        ownUid = uid;
        return uid;
    }

    private static IOException refused(Path path, String why) {
        return new IOException(path + " " + why + ", so Ensemble will not use it: another local user may have "
                + "made it to read or swap this application's files. Remove it, or point the files elsewhere "
                + "(-Densemble.shm.dir for shared memory, -Djava.io.tmpdir for sockets)");
    }
}
