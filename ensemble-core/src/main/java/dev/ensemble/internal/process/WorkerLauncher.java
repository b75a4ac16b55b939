package dev.ensemble.internal.process;

import dev.ensemble.internal.PoolConfig;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * What every worker process of one pool is started with: the running JDK's {@code java}, the parent's class
 * path and module path, the flags the library needs, the AOT cache when there is one, and the user's
 * {@code jvmArgs} last (so that they win). Owns the pool's private directory (mode 0700) that holds the
 * sockets and anything else the workers need on disk; {@link #deleteDirectory()} removes it.
 */
final class WorkerLauncher {
    private final PoolConfig config;
    private final Path directory;
    private final String secretHex;
    private final AotCache aot;

    WorkerLauncher(PoolConfig config) {
        this.config = config;
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        this.secretHex = HexFormat.of().formatHex(secret);
        try {
            this.directory = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "ensemble-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the private directory for pool " + config.name()
                    + "'s worker sockets under " + System.getProperty("java.io.tmpdir"), e);
        }
        this.aot = AotCache.forThisJvm(config.jvmArgs());
    }

    Path directory() {
        return directory;
    }

    String secretHex() {
        return secretHex;
    }

    byte[] secret() {
        return HexFormat.of().parseHex(secretHex);
    }

    Path socketPath(int slot, int generation) {
        return directory.resolve("w" + slot + "-" + generation + ".sock");
    }

    /** The command line of a worker. */
    List<String> command(int slot, Path socket, boolean firstOfPool) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        boolean userPicksGc = config.jvmArgs().stream().anyMatch(a -> a.matches("-XX:\\+Use\\w*GC"));
        if (!userPicksGc) {
            // One task thread per worker: the serial collector starts fastest and needs the least memory.
            command.add("-XX:+UseSerialGC");
        }
        command.add("-XX:-UsePerfData");                    // no hsperfdata file left behind by a killed worker
        command.add("-XX:ErrorFile=" + directory.resolve("hs_err_pid%p.log"));
        command.add("-Xshare:auto");
        command.add("--sun-misc-unsafe-memory-access=allow"); // Fory's use of Unsafe, without a warning
        command.addAll(aot.flags(firstOfPool));
        String modulePath = System.getProperty("jdk.module.path");
        String classPath = aot.classPathPrefix() + System.getProperty("java.class.path", "");
        command.add("-cp");
        command.add(classPath);
        if (modulePath != null && !modulePath.isBlank()) {
            command.add("--module-path");
            command.add(modulePath);
            command.add("--add-modules");
            command.add("ALL-MODULE-PATH");
        }
        command.addAll(config.jvmArgs());
        if (WorkerMain.class.getModule().isNamed()) {
            command.add("-m");
            command.add(WorkerMain.class.getModule().getName() + "/" + WorkerMain.class.getName());
        } else {
            command.add(WorkerMain.class.getName());
        }
        command.add(socket.toString());
        command.add(Integer.toString(slot));
        return command;
    }

    /** Removes the private directory and everything in it. */
    void deleteDirectory() {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("pool " + config.name() + ": could not remove " + directory + ": " + e);
        }
    }

    static String pathSeparator() {
        return File.pathSeparator;
    }
}
