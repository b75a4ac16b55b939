package dev.ensemble.internal.process;

import dev.ensemble.internal.platform.UserCache;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * The JDK 25 AOT cache of worker JVMs: the library's classes (and Fory's) loaded, linked and profiled once, then
 * mapped by every worker at start, which roughly halves a worker's time to ready.
 *
 * <p><b>Where.</b> {@code $XDG_CACHE_HOME/ensemble/aot} (else {@code ~/.cache/ensemble/aot}), mode 0700, one
 * file per key: the JDK (home and version), the library's jars (path, size, time) and the worker JVM options.
 * A JDK's AOT cache may only be made from jars, and the class path at use must start with the class path at
 * training, so workers get the library's jars first on their class path, then the application's class path
 * as it is. When the library runs from a directory of classes (a build's {@code target/classes}), a jar of it
 * is made in the cache directory.
 *
 * <p><b>When.</b> The first pool that finds no cache for its key starts one training run
 * ({@link AotTraining}, in a JVM of its own, after its workers are ready) and waits for it when it closes;
 * later pools use the cache. A lock file keeps concurrent pools, in this JVM or others, from training twice; a
 * failed training is not retried for the same key (for ten minutes). The four caches made or used last are kept,
 * older ones deleted. {@code -Densemble.aot=false} turns all of this off.
 */
final class AotCache {
    private static final long LOCK_STALE_MILLIS = TimeUnit.MINUTES.toMillis(10);
    /** How many caches (and jars of class directories) are kept: those made or used last ({@link #markUsed}). */
    private static final int KEEP = 4;
    /** System property: the most bytes the AOT caches (and, apart, the class-path jars) may take together. */
    static final String MAX_BYTES_PROPERTY = "ensemble.aot.maxBytes";
    /** Room for the few caches made or used last, about 25 MB each. */
    static final long DEFAULT_MAX_BYTES = 100L << 20;

    /** The caches this JVM has marked as used ({@link #markUsed}): once per JVM is enough for eviction's order. */
    private static final Set<Path> MARKED = ConcurrentHashMap.newKeySet();

    private final Path cacheFile;     // null when disabled
    private final List<Path> prefix;
    private final boolean usable;

    AotCache(Path cacheFile, List<Path> prefix) {
        this.cacheFile = cacheFile;
        this.prefix = prefix;
        this.usable = cacheFile != null && Files.isRegularFile(cacheFile);
    }

    private static AotCache disabled() {
        return new AotCache(null, List.of());
    }

    /**
     * The cache for workers started with {@code workerFlags} from this JVM.
     *
     * @param workerFlags every option a worker JVM gets before its class path (the library's and the user's)
     * @return the cache, usable or to be trained, or a disabled one
     */
    static AotCache forThisJvm(List<String> workerFlags) {
        if (!Boolean.parseBoolean(System.getProperty("ensemble.aot", "true")) || Runtime.version().feature() < 25) {
            return disabled();
        }
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath != null && !modulePath.isBlank()) {
            // The cache records the module graph it was made with; workers on a module path would refuse it.
            return disabled();
        }
        for (String flag : workerFlags) {
            if (defeatsCache(flag)) {
                return disabled();
            }
        }
        try {
            Path root = cacheRoot();
            List<Path> jars = new ArrayList<>();
            for (String anchor : new String[] {"dev.ensemble.internal.process.WorkerMain", "org.apache.fory.Fory"}) {
                Path source = codeSource(anchor);
                if (source == null) {
                    continue;
                }
                if (Files.isDirectory(source)) {
                    source = jarOf(source, root);
                }
                if (!jars.contains(source)) {
                    jars.add(source);
                }
            }
            UserCache.Name digest = new UserCache.Name();
            digest.update(System.getProperty("java.home"));
            digest.update(System.getProperty("java.vm.version"));
            for (Path jar : jars) {
                digest.update(UserCache.stamp(jar));
            }
            for (String flag : workerFlags) {
                if (affectsCache(flag)) {
                    digest.update(flag);
                }
            }
            String key = digest.hex();
            return new AotCache(root.resolve(key + ".aot"), List.copyOf(jars));
        } catch (IOException | RuntimeException e) {
            return disabled(); // no cache is only slower
        }
    }

    /**
     * Whether a worker option makes a JVM refuse any such cache: an agent (an APM's {@code -javaagent}), another
     * module graph than the one the cache was made with, or a system class loader of the application's own. A
     * worker given the cache anyway prints the JVM's mismatch errors or warnings at every start and runs without
     * it, so such pools use none.
     */
    static boolean defeatsCache(String flag) {
        return flag.startsWith("-javaagent") || flag.startsWith("-agentlib") || flag.startsWith("-agentpath")
                || flag.startsWith("--add-modules") || flag.startsWith("--limit-modules")
                || flag.startsWith("--patch-module") || flag.startsWith("--upgrade-module-path")
                // The JVM then uses none of the cache's application classes, and warns at every start.
                || flag.startsWith("-Djava.system.class.loader=");
    }

    /**
     * Whether a worker option can make a cache unusable (VM flags, heap sizes); system properties and the
     * like cannot, so they do not make a new cache.
     */
    static boolean affectsCache(String flag) {
        return flag.startsWith("-XX:") || flag.startsWith("-Xm") || flag.startsWith("-Xs") || flag.startsWith("--sun-");
    }

    private static Path cacheRoot() throws IOException {
        return UserCache.directory("aot");
    }

    /**
     * The jar or directory a class comes from, found as a resource: loading the class could mean verifying a
     * signed jar (about 100 ms of a JVM's first pool, for a jar the cache would list and never load).
     */
    private static Path codeSource(String className) {
        return CODE_SOURCES.computeIfAbsent(className, name -> Optional.ofNullable(locate(name))).orElse(null);
    }

    /** Where each class comes from does not change in a JVM: looked up once (each pool's launcher asks). */
    private static final ConcurrentMap<String, Optional<Path>> CODE_SOURCES = new ConcurrentHashMap<>();

    private static Path locate(String className) {
        String resource = className.replace('.', '/') + ".class";
        java.net.URL url = AotCache.class.getClassLoader().getResource(resource);
        if (url == null) {
            return null;
        }
        try {
            String location = url.toString();
            if (url.getProtocol().equals("jar")) {
                int bang = location.indexOf("!/");
                return bang < 0 ? null : Path.of(new java.net.URI(location.substring("jar:".length(), bang)));
            }
            if (url.getProtocol().equals("file") && location.endsWith(resource)) {
                return Path.of(new java.net.URI(location.substring(0, location.length() - resource.length())));
            }
            return null; // a module image or another scheme: not a class path entry the cache can use
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /** A jar of a directory of classes, made once per content (file names, sizes and times). */
    private static Path jarOf(Path directory, Path root) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(directory)) {
            files = walk.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().equals("module-info.class"))
                    .sorted().toList();
        }
        UserCache.Name digest = new UserCache.Name();
        digest.update(directory.toString());
        for (Path f : files) {
            digest.update(UserCache.stamp(directory.relativize(f).toString(), f));
        }
        Path jar = root.resolve("classes-" + digest.hex() + ".jar");
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        Path tmp = root.resolve(jar.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp); JarOutputStream zip = new JarOutputStream(out)) {
            for (Path f : files) {
                JarEntry entry = new JarEntry(directory.relativize(f).toString().replace(File.separatorChar, '/'));
                entry.setTime(Files.getLastModifiedTime(f).toMillis());
                zip.putNextEntry(entry);
                Files.copy(f, zip);
                zip.closeEntry();
            }
        }
        move(tmp, jar);
        return jar;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * The options that make a worker use the cache, if there is one and it is still whole: another application's
     * eviction ({@link #evictOld}) may have deleted the cache or a jar of its class path meanwhile, and a worker
     * started with a cache whose class path is gone prints four error lines and starts without it. A worker started
     * without the flag ignores the class path entries that are gone.
     *
     * @return the options, or none
     */
    List<String> flags() {
        if (!usable || !Files.isRegularFile(cacheFile)) {
            return List.of();
        }
        for (Path jar : prefix) {
            if (!Files.isRegularFile(jar)) {
                return List.of();
            }
        }
        // What else makes a worker refuse the cache (another application's flags, a file replaced meanwhile) costs
        // only speed; the worker's command turns the JVM's messages about it off (WorkerLauncher.command).
        return List.of("-XX:AOTCache=" + cacheFile);
    }

    /** @return the library's jars to put first on a worker's class path (with a trailing separator), or "" */
    String classPathPrefix() {
        if (!usable) {
            return "";
        }
        StringBuilder s = new StringBuilder();
        for (Path jar : prefix) {
            s.append(jar).append(File.pathSeparator);
        }
        return s.toString();
    }

    /**
     * Starts the training run if there is no cache yet and nobody is making one; a usable cache is marked used
     * instead ({@link #markUsed}), which is why every pool calls this once its workers are ready.
     *
     * @param java the {@code java} launcher
     * @param flags the worker options (the same as workers get, so the cache fits them)
     * @param scratch a private directory for the run's socket
     * @return the training, or null if none was started
     */
    Training startTraining(String java, List<String> flags, Path scratch) {
        if (usable) {
            markUsed();
            return null;
        }
        if (cacheFile == null
                || Files.exists(failedMarker()) && System.currentTimeMillis() - modified(failedMarker()) < LOCK_STALE_MILLIS) {
            return null;
        }
        Path lock = cacheFile.resolveSibling(cacheFile.getFileName() + ".lock");
        try {
            if (!acquire(lock)) {
                return null;
            }
            Path output = cacheFile.resolveSibling(cacheFile.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
            List<String> command = new ArrayList<>();
            command.add(java);
            command.addAll(flags.stream().filter(AotCache::affectsCache).toList());
            command.add("-XX:AOTCacheOutput=" + output);
            command.add("-cp");
            command.add(String.join(File.pathSeparator, prefix.stream().map(Path::toString).toList()));
            command.add(AotTraining.class.getName());
            command.add(scratch.toString());
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return new Training(process, output, lock);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(lock);
            } catch (IOException ignored) {
                // the lock goes stale
            }
            return null;
        }
    }

    /**
     * Marks a usable cache as used now, once per JVM. Eviction keeps the caches modified last, so without this a
     * cache in use every day was evicted by the caches made since for other configurations (other worker options or
     * class paths), and its next pool trained it again.
     */
    void markUsed() {
        if (usable && MARKED.add(cacheFile)) {
            try {
                Files.setLastModifiedTime(cacheFile, FileTime.fromMillis(System.currentTimeMillis()));
            } catch (IOException | RuntimeException e) {
                // only the order of eviction is at stake
            }
        }
    }

    /** Keeps the cache directory small: a cache is about 25 MB, and each library build makes a new one. */
    static void evictOld(Path root) {
        long now = System.currentTimeMillis();
        try (Stream<Path> files = Files.list(root)) {
            List<Path> all = files.toList();
            long maxBytes = Long.getLong(MAX_BYTES_PROPERTY, DEFAULT_MAX_BYTES);
            for (String suffix : new String[] {".aot", ".jar"}) {
                List<Path> kept = all.stream().filter(f -> f.getFileName().toString().endsWith(suffix))
                        .sorted((a, b) -> Long.compare(modified(b), modified(a))).toList();
                long total = 0;
                for (int i = 0; i < kept.size(); i++) {
                    total += size(kept.get(i));
                    // The newest always stays; older ones go past KEEP of them or past the size bound.
                    if (i > 0 && (i >= KEEP || total > maxBytes)) {
                        Files.deleteIfExists(kept.get(i));
                    }
                }
            }
            for (Path f : all) {
                String name = f.getFileName().toString();
                boolean stale = now - modified(f) > LOCK_STALE_MILLIS;
                if (stale && (name.endsWith(".tmp") || name.endsWith(".failed")
                        || name.endsWith(".lock") && !lockHolderAlive(f))) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException | RuntimeException e) {
            // a full cache directory is only untidy
        }
    }

    /** Whether the process named in a lock file is alive (a training run that was killed leaves its lock). */
    private static boolean lockHolderAlive(Path lock) {
        try {
            long owner = Long.parseLong(Files.readString(lock).strip());
            return ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false);
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private static long modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    private Path failedMarker() {
        return cacheFile.resolveSibling(cacheFile.getFileName() + ".failed");
    }

    private static boolean acquire(Path lock) throws IOException {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                Files.writeString(lock, Long.toString(ProcessHandle.current().pid()),
                        java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
                return true;
            } catch (FileAlreadyExistsException e) {
                long owner;
                try {
                    owner = Long.parseLong(Files.readString(lock).strip());
                } catch (IOException | NumberFormatException unreadable) {
                    owner = -1;
                }
                boolean alive = owner > 0 && ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false);
                boolean fresh = System.currentTimeMillis() - Files.getLastModifiedTime(lock).toMillis() < LOCK_STALE_MILLIS;
                if (alive && fresh) {
                    return false;
                }
                Files.deleteIfExists(lock);
            }
        }
        return false;
    }

    /** A training run in progress. */
    final class Training {
        private final Process process;
        private final Path output;
        private final Path lock;

        Training(Process process, Path output, Path lock) {
            this.process = process;
            this.output = output;
            this.lock = lock;
        }

        /**
         * Waits for the run to end (killing it past {@code millis}) and installs the cache if it succeeded.
         *
         * @param millis how long to wait; 0 kills it at once
         */
        void finish(long millis) {
            try {
                if (millis <= 0 || !process.waitFor(millis, TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
                if (!process.isAlive() && process.exitValue() == 0 && Files.isRegularFile(output)) {
                    move(output, cacheFile);
                    evictOld(cacheFile.getParent());
                } else if (millis > 0) {
                    Files.writeString(failedMarker(), "exit " + (process.isAlive() ? "?" : process.exitValue()));
                }
            } catch (IOException e) {
                // no cache: only slower
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            } finally {
                try {
                    Files.deleteIfExists(output);
                    Files.deleteIfExists(lock);
                } catch (IOException ignored) {
                    // left for the next run to clean
                }
            }
        }
    }
}
