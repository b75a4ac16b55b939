package dev.ensemble;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves something of ours behind: a platform thread named {@code ensemble-*}, a process
 * started by this JVM or by one of its children (a cluster member started for the test class starts worker JVMs
 * of its own), or a file in {@code /dev/shm} with "ensemble" in its name made by this JVM or its descendants. Whatever is still going is given a few
 * seconds to end (threads joined, processes awaited), never a blind sleep.
 */
public final class LeakCheck implements BeforeEachCallback, AfterEachCallback {
    private static final long GRACE_MILLIS = 5_000;
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakCheck.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put("shm", shmFiles());
        context.getStore(NS).put("tmp", poolDirectories());
        context.getStore(NS).put("children", childPids());
        context.getStore(NS).put("threads", ourThreads().stream().map(Thread::threadId).collect(Collectors.toSet()));
    }

    @Override
    @SuppressWarnings("unchecked")
    public void afterEach(ExtensionContext context) throws Exception {
        // Workers kept warm on purpose (keepWarm) are not leaks; they would outlive the test by their idle time.
        dev.ensemble.internal.process.WarmWorkers.discardAll();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS);
        Set<Long> threadsBefore = (Set<Long>) context.getStore(NS).get("threads");
        List<String> leaks = new ArrayList<>();
        for (Thread t : ourThreads()) {
            if (threadsBefore.contains(t.threadId())) {
                continue;
            }
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            t.join(left);
            if (t.isAlive()) {
                leaks.add("thread " + t.getName());
            }
        }
        Set<Long> childrenBefore = (Set<Long>) context.getStore(NS).get("children");
        for (ProcessHandle child : ProcessHandle.current().descendants().toList()) {
            if (childrenBefore.contains(child.pid())) {
                continue;
            }
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            try {
                child.onExit().get(left, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                leaks.add("process " + child.pid() + " " + child.info().commandLine().orElse("?"));
                child.destroyForcibly();
            }
        }
        Set<String> shmBefore = (Set<String>) context.getStore(NS).get("shm");
        Set<Long> ours = ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(Collectors.toSet());
        ours.add(ProcessHandle.current().pid());
        for (String file : shmFiles()) {
            if (!shmBefore.contains(file) && ownedBy(file, ours)) {
                leaks.add("/dev/shm/" + file);
            }
        }
        Set<Path> tmpBefore = (Set<Path>) context.getStore(NS).get("tmp");
        for (Path dir : poolDirectories()) {
            Matcher m = POOL_DIRECTORY.matcher(dir.getFileName().toString());
            if (!tmpBefore.contains(dir) && m.matches() && ours.contains(Long.parseLong(m.group(1)))) {
                leaks.add(dir.toString());
            }
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError(context.getDisplayName() + " left behind: " + leaks);
        }
    }

    /**
     * Whether a {@code /dev/shm} entry belongs to this JVM or one of its descendants: shared-array directories are
     * named {@code ensemble-USER-PID-START}; other JVMs (another build on the same machine) are not our business.
     */
    private static boolean ownedBy(String file, Set<Long> pids) {
        String[] parts = file.split("-");
        for (String part : parts) {
            if (part.chars().allMatch(Character::isDigit) && !part.isEmpty() && part.length() < 10
                    && pids.contains(Long.parseLong(part))) {
                return true;
            }
        }
        return !file.matches("ensemble-.*-\\d+-\\d+.*"); // an entry of unknown shape counts as ours
    }

    /** A pool's private directory (worker sockets, argument file): {@code ensemble-PID-RANDOM}. */
    private static final Pattern POOL_DIRECTORY = Pattern.compile("ensemble-(\\d+)-[0-9a-f]{16}");

    /** The pool directories in every place a pool may make them: java.io.tmpdir, $XDG_RUNTIME_DIR, /tmp. */
    private static Set<Path> poolDirectories() {
        Set<Path> found = new java.util.HashSet<>();
        for (String parent : new String[] {System.getProperty("java.io.tmpdir"), System.getenv("XDG_RUNTIME_DIR"),
                "/tmp"}) {
            if (parent == null || !Files.isDirectory(Path.of(parent))) {
                continue;
            }
            try (Stream<Path> entries = Files.list(Path.of(parent))) {
                entries.filter(e -> POOL_DIRECTORY.matcher(e.getFileName().toString()).matches())
                        .forEach(e -> found.add(e.toAbsolutePath()));
            } catch (IOException | java.io.UncheckedIOException e) {
                // unreadable: nothing to check there
            }
        }
        return found;
    }

    private static List<Thread> ourThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("ensemble-") && t.isAlive()).toList();
    }

    private static Set<Long> childPids() {
        return ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    private static Set<String> shmFiles() {
        Path shm = Path.of("/dev/shm");
        if (!Files.isDirectory(shm)) {
            return Set.of();
        }
        try (Stream<Path> files = Files.list(shm)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.toLowerCase().contains("ensemble"))
                    .collect(Collectors.toSet());
        } catch (IOException e) {
            return Set.of();
        }
    }
}
