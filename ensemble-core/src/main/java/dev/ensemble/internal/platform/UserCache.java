package dev.ensemble.internal.platform;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The library's per-user cache directory, {@code $XDG_CACHE_HOME/ensemble} (else {@code ~/.cache/ensemble}):
 * what is worth keeping from one JVM to the next (the workers' AOT cache, what each jar holds). Each part is a
 * subdirectory of mode 0700.
 */
public final class UserCache {
    private UserCache() {
    }

    /**
     * The subdirectory {@code name}, made if missing.
     *
     * @param name a simple name, such as {@code "aot"}
     * @return the directory
     * @throws IOException if it cannot be made
     */
    public static Path directory(String name) throws IOException {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        Path directory = base.resolve("ensemble").resolve(name);
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory.getParent());
            try {
                Files.createDirectory(directory,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                // made by another JVM meanwhile
            }
        }
        return directory;
    }

    /**
     * What a cached file's validity rests on for {@code file}: a name for it, its size and its modification time.
     *
     * @param shown how the file is named in the stamp
     * @param file the file
     * @return {@code shown|size|millis}
     * @throws IOException if the file cannot be read
     */
    public static String stamp(String shown, Path file) throws IOException {
        return shown + "|" + Files.size(file) + "|" + Files.getLastModifiedTime(file).toMillis();
    }

    /**
     * The stamp of a file named by its path.
     *
     * @param file the file
     * @return {@code path|size|millis}
     * @throws IOException if the file cannot be read
     */
    public static String stamp(Path file) throws IOException {
        return stamp(file.toString(), file);
    }

    /**
     * A 96-bit name for what a cached file was made from (FNV-1a 64 and CRC-32C of the same texts), in hex. Not
     * cryptographic: nothing here is secret, and the directory is the user's own; but cheap to start, where a
     * {@code MessageDigest}'s first use loads the security providers (about 25 ms of a JVM's first pool). Not
     * thread-safe.
     */
    public static final class Name {
        private long fnv = 0xcbf29ce484222325L;
        private final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();

        /** Starts an empty name. */
        public Name() {
        }

        /**
         * Adds a text; ("ab", "c") and ("a", "bc") make different names.
         *
         * @param text any text (null counts as "null")
         * @return this name
         */
        public Name update(String text) {
            byte[] bytes = String.valueOf(text).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            for (byte b : bytes) {
                fnv = (fnv ^ (b & 0xff)) * 0x100000001b3L;
            }
            fnv *= 0x100000001b3L;
            crc.update(bytes);
            crc.update(0);
            return this;
        }

        /** @return the name: 24 hex digits */
        public String hex() {
            java.util.HexFormat hex = java.util.HexFormat.of();
            return hex.toHexDigits(fnv) + hex.toHexDigits((int) crc.getValue());
        }
    }
}
