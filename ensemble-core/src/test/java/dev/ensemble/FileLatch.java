package dev.ensemble;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A count-down latch that works across processes, for tests whose tasks run in worker JVMs: counting down
 * creates a file, awaiting polls the directory until enough exist or the timeout passes. Serializable (it is
 * only a path), so tasks can capture it.
 *
 * @param directory an empty directory owned by the test
 * @param count how many count-downs open it
 */
public record FileLatch(String directory, int count) implements Serializable {

    /**
     * Makes a latch in a fresh directory under {@code parent}.
     *
     * @param parent a test's temporary directory
     * @param count how many count-downs open it
     * @return the latch
     */
    public static FileLatch create(Path parent, int count) {
        try {
            return new FileLatch(Files.createTempDirectory(parent, "latch").toString(), count);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Counts down once, under a name that is unique to the caller.
     *
     * @param name a unique name for this count-down
     */
    public void countDown(String name) {
        try {
            Files.writeString(Path.of(directory, name), name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return count-downs so far */
    public int arrived() {
        try (Stream<Path> files = Files.list(Path.of(directory))) {
            return (int) files.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits until {@link #count} count-downs have happened.
     *
     * @param timeout the longest wait
     * @throws TimeoutException if they did not happen in time
     */
    public void await(Duration timeout) throws TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (arrived() < count) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("only " + arrived() + " of " + count + " arrived at " + directory);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
