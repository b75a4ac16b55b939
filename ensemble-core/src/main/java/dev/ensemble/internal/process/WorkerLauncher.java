package dev.ensemble.internal.process;

import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.internal.platform.Log;
import dev.ensemble.internal.platform.PrivateDirectory;
import dev.ensemble.internal.wire.ApplicationLoader;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What every worker process of one pool is started with: the running JDK's {@code java}, the parent's class
 * path and module path, the flags the library needs, the AOT cache when there is one, and the user's
 * {@code jvmArgs} last (so that they win). Owns the pool's private directory (mode 0700) that holds the
 * sockets, the worker's class path and anything else the workers need on disk; {@link #deleteDirectory()}
 * removes it.
 */
final class WorkerLauncher {
    private final PoolConfig config;
    private final Path directory;
    /** Made by the first worker start, after its JVM is spawned (see {@link #secretHex}). */
    private String secretHex;
    private final AotCache aot;
    /** The worker's class path and module path (see {@link #pathsFile}); written by the first worker start. */
    private Path pathsFile;

    WorkerLauncher(PoolConfig config) {
        this.config = config;
        this.directory = createPrivateDirectory(config.name());
        this.aot = AotCache.forThisJvm(cacheableFlags());
    }

    /** The start of a pool's private directory's name. */
    static final String PREFIX = "ensemble-";
    /** The parents this JVM has cleaned of dead JVMs' directories: once each is enough. */
    private static final java.util.Set<Path> STALE_CLEANED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A Unix domain socket's path holds 108 bytes on Linux and 104 on macOS, its terminating NUL included. */
    private static final int SOCKET_PATH_MAX_BYTES = 103;
    /** The room kept under the parent directory for {@code /ensemble-PID-RANDOM/wSLOT-GENERATION.sock}. */
    private static final int SOCKET_NAMES_BYTES = 56;

    /**
     * Where a pool's private directory may go, best first; the one place that knows where sockets can live:
     * {@code java.io.tmpdir} if a socket path under it fits, else {@code $XDG_RUNTIME_DIR} (the user's own), else
     * {@code /tmp}. CI runners and Bazel set temporary directories far longer than a socket path can be.
     */
    static List<Path> directoryParents() {
        List<Path> parents = new ArrayList<>();
        for (String candidate : new String[] {System.getProperty("java.io.tmpdir"), System.getenv("XDG_RUNTIME_DIR"),
                "/tmp"}) {
            if (candidate == null || candidate.isBlank()) {
                continue;
            }
            Path parent = Path.of(candidate).toAbsolutePath();
            if (parent.toString().getBytes(StandardCharsets.UTF_8).length + SOCKET_NAMES_BYTES <= SOCKET_PATH_MAX_BYTES
                    && Files.isDirectory(parent) && !parents.contains(parent)) {
                parents.add(parent);
            }
        }
        return parents;
    }

    /** Creates the pool's private directory under the first of {@link #directoryParents()} that takes it. */
    private static Path createPrivateDirectory(String poolName) {
        IOException failure = null;
        for (Path parent : directoryParents()) {
            try {
                return createPrivateDirectory(parent);
            } catch (IOException e) {
                failure = e;
            }
        }
        throw new UncheckedIOException("pool " + poolName + " cannot create a private directory for its worker "
                + "sockets: java.io.tmpdir (" + System.getProperty("java.io.tmpdir") + ") is too long for a socket "
                + "path or not writable, and so are $XDG_RUNTIME_DIR and /tmp; start the JVM with -Djava.io.tmpdir "
                + "set to a short, writable directory", failure != null ? failure : new IOException("no directory"));
    }

    /**
     * Creates {@code ensemble-PID-RANDOM} under {@code parent} (mode 0700, verified: see {@link PrivateDirectory}),
     * after deleting the directories that JVMs now dead left there (killed, they could not). The random part comes
     * from {@code /dev/urandom}, not {@code Files.createTempDirectory}, whose name starts the security providers
     * (about 25 ms of a JVM's first pool, before its first worker could start).
     */
    private static Path createPrivateDirectory(Path parent) throws IOException {
        if (STALE_CLEANED.add(parent)) {
            PrivateDirectory.deleteStale(parent, PREFIX, WorkerLauncher::isStale);
        }
        return PrivateDirectory.create(parent.resolve(PREFIX + ProcessHandle.current().pid() + "-"
                + PrivateDirectory.randomPart()));
    }

    /** {@code rest} is {@code PID-RANDOM}: stale if that process is gone. */
    private static boolean isStale(String rest) {
        String[] parts = rest.split("-", -1);
        if (parts.length != 2 || !parts[1].matches("[0-9a-f]{16}")) {
            return false;
        }
        try {
            long pid = Long.parseLong(parts[0]);
            return pid != ProcessHandle.current().pid()
                    && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The library's options for every worker JVM, then the user's: what the AOT cache must be made with. */
    private List<String> cacheableFlags() {
        List<String> flags = new ArrayList<>();
        boolean userPicksGc = config.jvmArgs().stream().anyMatch(a -> a.matches("-XX:\\+Use\\w*GC"));
        if (!userPicksGc) {
            // One task thread per worker: the serial collector starts fastest and needs the least memory.
            flags.add("-XX:+UseSerialGC");
        }
        flags.add("-XX:-UsePerfData");                    // no hsperfdata file left behind by a killed worker
        flags.add("--sun-misc-unsafe-memory-access=allow"); // Fory's use of Unsafe, without a warning
        flags.addAll(config.jvmArgs());
        return flags;
    }

    /**
     * Starts making the AOT cache if there is none yet, or marks the one there used (see {@link AotCache}).
     *
     * @return the training run to finish when the pool closes, or null
     */
    AotCache.Training startAotTraining() {
        return aot.startTraining(java(), cacheableFlags(), directory);
    }

    Path directory() {
        return directory;
    }

    /**
     * The pool's secret, which each worker proves on connecting. Made on first use, which comes after the first
     * worker JVM was spawned: a {@code SecureRandom}'s first use in a JVM loads the security providers (about
     * 25 ms), which then overlaps the worker's boot instead of delaying it.
     */
    synchronized String secretHex() {
        if (secretHex == null) {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            secretHex = HexFormat.of().formatHex(secret);
        }
        return secretHex;
    }

    byte[] secret() {
        return HexFormat.of().parseHex(secretHex());
    }

    Path socketPath(int slot, int generation) {
        return directory.resolve("w" + slot + "-" + generation + ".sock");
    }

    /** Where a worker marks the task it runs (chunk and offset), read by the pool if the worker dies. */
    Path positionPath(int slot, int generation) {
        return directory.resolve("w" + slot + "-" + generation + ".pos");
    }

    /** The command line of a worker. */
    List<String> command(int slot, Path socket, Path position) {
        List<String> command = new ArrayList<>();
        if (!config.cpus().isEmpty()) {
            // Pinned from its first instruction (so its availableProcessors() sees the pinning); taskset execs java.
            java.util.Set<Integer> cpus = config.cpus().get(slot % config.cpus().size());
            command.add("taskset");
            command.add("-c");
            command.add(cpus.stream().sorted().map(String::valueOf).collect(java.util.stream.Collectors.joining(",")));
        }
        command.add(java());
        List<String> flags = cacheableFlags();
        int userFrom = flags.size() - config.jvmArgs().size();
        command.addAll(flags.subList(0, userFrom));
        command.add("-XX:ErrorFile=" + directory.resolve("hs_err_pid%p.log")); // a crash report is the pool's file
        // The JVM's notes on its class-data archives (a cache it refuses, a system class loader of the
        // application's own that disables part of one) would land in the application's output at every start.
        command.add("-Xlog:aot*=off");
        command.add("-Xlog:cds*=off");
        command.addAll(aot.flags());
        command.add("@" + pathsFile());
        command.addAll(config.jvmArgs()); // last, so that they win
        if (WorkerMain.class.getModule().isNamed()) {
            command.add("-m");
            command.add(WorkerMain.class.getModule().getName() + "/" + WorkerMain.class.getName());
        } else {
            command.add(WorkerMain.class.getName());
        }
        command.add(socket.toString());
        command.add(Integer.toString(slot));
        command.add(position.toString());
        return command;
    }

    /**
     * The argument file that gives a worker its class path and module path, written once per pool in its private
     * directory: a class path of thousands of entries (IDEs, Gradle, Bazel) does not fit in one command-line
     * argument (the kernel refuses {@code exec} with E2BIG), while the {@code java} launcher reads a file of any
     * size.
     */
    private synchronized Path pathsFile() {
        if (pathsFile == null) {
            List<String> arguments = new ArrayList<>();
            arguments.add("-cp");
            arguments.add(aot.classPathPrefix() + classPath());
            String modulePath = System.getProperty("jdk.module.path");
            if (modulePath != null && !modulePath.isBlank()) {
                arguments.add("--module-path");
                arguments.add(modulePath);
                arguments.add("--add-modules");
                arguments.add("ALL-MODULE-PATH");
            }
            StringBuilder text = new StringBuilder();
            for (String argument : arguments) {
                text.append(quoted(argument)).append('\n');
            }
            Path file = directory.resolve("paths.args");
            try {
                Files.writeString(Files.createFile(file, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------"))), text);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the class path of pool " + config.name()
                        + "'s workers to " + file + " (is the disk full?)", e);
            }
            pathsFile = file;
        }
        return pathsFile;
    }

    /**
     * The class path of a worker: this JVM's, then what the application's own class loader reads besides
     * ({@code mvn exec:java} and launchers that load the application in a {@code URLClassLoader}).
     */
    private static String classPath() {
        return ClassPath.VALUE;
    }

    /** The workers' class path, the same for every pool of this JVM: computed once, on first use. */
    private static final class ClassPath {
        static final String VALUE = compute();
    }

    private static String compute() {
        String own = System.getProperty("java.class.path", "");
        Set<String> entries = new LinkedHashSet<>();
        for (String entry : own.split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                entries.add(entry);
            }
        }
        Set<Path> known = new HashSet<>();
        for (String entry : entries) {
            known.add(Path.of(entry).toAbsolutePath().normalize());
        }
        StringBuilder classPath = new StringBuilder(own);
        for (Path extra : ApplicationLoader.extraEntries()) {
            if (known.add(extra)) {
                classPath.append(classPath.isEmpty() ? "" : File.pathSeparator).append(extra);
            }
        }
        return classPath.toString();
    }

    /** An argument as the {@code java} launcher reads it from an argument file: in quotes, with escapes. */
    static String quoted(String argument) {
        StringBuilder s = new StringBuilder(argument.length() + 2).append('"');
        for (int i = 0; i < argument.length(); i++) {
            char c = argument.charAt(i);
            switch (c) {
                case '\\', '"' -> s.append('\\').append(c);
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                default -> s.append(c);
            }
        }
        return s.append('"').toString();
    }

    /**
     * What makes two worker JVMs interchangeable for warm reuse: the java command, the flags (the library's and
     * the user's) and the class and module paths; not what is per pool or per worker (directory, socket, slot).
     */
    List<String> warmKey() {
        List<String> key = new ArrayList<>();
        key.add(java());
        key.addAll(cacheableFlags());
        key.add(classPath());
        key.add(String.valueOf(System.getProperty("jdk.module.path")));
        return List.copyOf(key);
    }

    /** Removes the private directory and everything in it. */
    void deleteDirectory() {
        if (!Files.exists(directory)) {
            return;
        }
        try {
            deleteTree(directory);
        } catch (IOException e) {
            Log.log(WorkerLauncher.class, System.Logger.Level.WARNING, () -> "pool " + config.name()
                    + ": could not remove " + directory + ": " + e);
        }
    }

    /** Deletes what it can of {@code dir}, then {@code dir}; a plain listing, as every pool's close runs it. */
    private static void deleteTree(Path dir) throws IOException {
        IOException failure = null;
        try (java.nio.file.DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                try {
                    if (Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        deleteTree(entry);
                    } else {
                        Files.deleteIfExists(entry);
                    }
                } catch (IOException e) {
                    failure = e;
                }
            }
        }
        Files.deleteIfExists(dir);
        if (failure != null) {
            throw failure;
        }
    }

    static String pathSeparator() {
        return File.pathSeparator;
    }
}
