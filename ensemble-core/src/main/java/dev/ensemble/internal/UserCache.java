package dev.ensemble.internal;

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
}
