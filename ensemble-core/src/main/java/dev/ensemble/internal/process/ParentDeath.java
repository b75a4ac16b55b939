package dev.ensemble.internal.process;

import dev.ensemble.internal.shm.ShmDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * A worker JVM's watch over the pool's JVM, and its ways out: the worker never outlives its pool. Standard input
 * is the pool's pipe, so its end means the pool's JVM is gone, however it ended; the monitor thread also checks the
 * parent process every second. When the pool's JVM died (killed: it could not clean up), the worker deletes what
 * it leaves behind (its private directory and shared-memory files) before halting. Every way out that the worker
 * takes itself ends the processes its tasks started first.
 */
final class ParentDeath {
    /** The pool's private directory (of the socket), its JVM and that JVM's start: what to clean if it dies. */
    private static volatile Path poolDirectory;
    private static ProcessHandle poolJvm;
    private static long poolJvmStart;

    private ParentDeath() {
    }

    /**
     * Records the pool's JVM and directory; called once, at the worker's start.
     *
     * @param parent the pool's JVM, null if this process has no parent
     * @param directory the pool's private directory
     */
    static void watch(ProcessHandle parent, Path directory) {
        poolDirectory = directory;
        poolJvm = parent;
        poolJvmStart = parent == null ? 0 : parent.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);
    }

    /** A warm worker taken by another pool of the same JVM cleans up that pool's directory if it dies. */
    static void poolDirectory(Path directory) {
        poolDirectory = directory;
    }

    /** The pool's JVM, null if none. */
    static ProcessHandle poolJvm() {
        return poolJvm;
    }

    /** This worker exits because its pool asked: the end of standard input is then expected. */
    static void leaving() {
        leaving = true;
    }

    /** Standard input is the pool's pipe: it ends when the pool's JVM ends, however it ends. */
    static void watchStdin(InputStream in) {
        Thread.ofPlatform().daemon().name("ensemble-worker-stdin").start(() -> readToEnd(in));
    }

    private static void readToEnd(InputStream in) {
        try {
            while (in.read() >= 0) {
                // the pool writes nothing after the secret
            }
        } catch (IOException ignored) {
            // the same as its end
        }
        if (!leaving) {
            poolGone();
        } // else the pool closed it on this worker's EXITED: the exit is under way, and this thread must not hold it
    }

    /** Set when this worker exits because its pool asked: the end of standard input is then expected. */
    private static volatile boolean leaving;

    /**
     * The pool's end of standard input or of the socket closed. If the pool's JVM died (killed: it could not
     * clean up), delete what it leaves behind, its private directory and its shared-memory files, before
     * halting; if it is alive, it closed this worker's link and is killing this process, so just halt.
     *
     * <p>A dying process closes its files before its children are handed to another parent, so the end of the
     * pipe may arrive a moment before the pool's JVM is seen dead: wait for that, briefly.
     */
    static void poolGone() {
        cleanUpIfPoolJvmDied();
        haltWithDescendants(0);
    }

    /**
     * Deletes the files of the pool's JVM if it died (waiting briefly for its death to show).
     *
     * @return whether it died
     */
    static synchronized boolean cleanUpIfPoolJvmDied() {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (poolJvm != null && System.nanoTime() < deadline) {
            if (poolJvmDied()) {
                deletePoolFiles();
                return true;
            }
            LockSupport.parkNanos(10_000_000);
        }
        return false;
    }

    /** Whether the JVM that started this worker is gone; a dead parent hands its children to another. */
    static boolean poolJvmDied() {
        long now = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        return now != poolJvm.pid() || !poolJvm.isAlive();
    }

    private static void deletePoolFiles() {
        if (poolDirectory != null && poolDirectory.getFileName().toString().startsWith("ensemble-")) {
            try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(poolDirectory)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | RuntimeException e) {
                // another worker of the pool is deleting it too
            }
        }
        ShmDirectory.deleteDirectoryOf(poolJvm.pid(), poolJvmStart);
        ShmDirectory.deleteDirectoryOf(ProcessHandle.current().pid(),
                ProcessHandle.current().info().startInstant().map(i -> i.toEpochMilli()).orElse(0L));
    }

    /**
     * Ends every process this worker's tasks started (a tool run with {@code ProcessBuilder} that hangs): none may
     * outlive its worker. Called on every way out of this JVM that it takes itself; the pool does the same when it
     * kills a worker.
     */
    static void endDescendants() {
        try {
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        } catch (RuntimeException ignored) {
            // best effort: /proc unreadable, or a process already gone
        }
    }

    /** Halts this JVM after ending its descendants (see {@link #endDescendants}). */
    static void haltWithDescendants(int status) {
        endDescendants();
        Runtime.getRuntime().halt(status);
    }
}
