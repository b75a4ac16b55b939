package dev.ensemble.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AOT cache directory stays small: the four caches made or used last are kept, and what killed or failed
 * training runs leave behind (output files, failure markers, locks of dead processes) goes once it is ten minutes old.
 */
class AotCacheTest {
    @TempDir
    Path root;

    private Path file(String name, String content, long ageMinutes) throws IOException {
        Path file = Files.writeString(root.resolve(name), content);
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()
                - TimeUnit.MINUTES.toMillis(ageMinutes)));
        return file;
    }

    @Test
    void evictOld_keepsTheNewestCaches_andDropsWhatDeadTrainingRunsLeft() throws Exception {
        for (int i = 0; i < 6; i++) {
            file("cache" + i + ".aot", "x", 60 - i);
        }
        Process finished = new ProcessBuilder("true").start();
        finished.waitFor();
        String deadPid = Long.toString(finished.pid());
        String livePid = Long.toString(ProcessHandle.current().pid());
        Path deadOldLock = file("a.aot.lock", deadPid, 30);
        Path liveOldLock = file("b.aot.lock", livePid, 30);
        Path deadNewLock = file("c.aot.lock", deadPid, 1);
        Path oldOutput = file("d.aot.123.tmp", "x", 30);
        Path newOutput = file("e.aot.123.tmp", "x", 1);
        Path oldFailure = file("f.aot.failed", "exit 1", 30);

        AotCache.evictOld(root);

        for (int i = 0; i < 6; i++) {
            Path cache = root.resolve("cache" + i + ".aot");
            if (i >= 2) {
                assertThat(cache).as("one of the four newest caches").exists();
            } else {
                assertThat(cache).as("an older cache").doesNotExist();
            }
        }
        assertThat(deadOldLock).as("a dead run's old lock").doesNotExist();
        assertThat(liveOldLock).as("a live run's lock").exists();
        assertThat(deadNewLock).as("a lock younger than ten minutes").exists();
        assertThat(oldOutput).doesNotExist();
        assertThat(newOutput).exists();
        assertThat(oldFailure).doesNotExist();
    }

    @Test
    void aCacheInUse_outlivesTheCachesMadeSince() throws Exception {
        Path used = file("used.aot", "x", 600);
        for (int i = 0; i < 4; i++) {
            file("later" + i + ".aot", "x", 60 - i);
        }

        new AotCache(used, java.util.List.of()).markUsed();
        AotCache.evictOld(root);

        assertThat(used).as("the cache a pool of this JVM used").exists();
        assertThat(root.resolve("later0.aot")).as("the least recently made or used").doesNotExist();
        for (int i = 1; i < 4; i++) {
            assertThat(root.resolve("later" + i + ".aot")).exists();
        }
    }

    @Test
    void evictOld_keepsTheCachesWithinTheirSizeBound_butAlwaysTheNewest() throws Exception {
        String before = System.getProperty(AotCache.MAX_BYTES_PROPERTY);
        System.setProperty(AotCache.MAX_BYTES_PROPERTY, "250");
        try {
            for (int i = 0; i < 3; i++) {
                file("big" + i + ".aot", "x".repeat(100), 30 - i); // big2 newest
            }
            file("huge.jar", "y".repeat(1_000), 1);
            AotCache.evictOld(root);
            assertThat(root.resolve("big2.aot")).exists();
            assertThat(root.resolve("big1.aot")).as("within 250 bytes with the newest").exists();
            assertThat(root.resolve("big0.aot")).as("past the bound").doesNotExist();
            assertThat(root.resolve("huge.jar")).as("the newest of its kind, whatever its size").exists();
        } finally {
            if (before == null) {
                System.clearProperty(AotCache.MAX_BYTES_PROPERTY);
            } else {
                System.setProperty(AotCache.MAX_BYTES_PROPERTY, before);
            }
        }
    }

    @Test
    void aCacheWhoseFilesAnotherApplicationEvicted_isNotGivenToWorkers() throws Exception {
        Path cache = file("key.aot", "x", 0);
        Path jar = file("classes-key.jar", "y", 0);
        AotCache aot = new AotCache(cache, java.util.List.of(jar));
        assertThat(aot.flags()).first().isEqualTo("-XX:AOTCache=" + cache);
        Files.delete(jar); // evicted by another application's pool (KEEP newest jars per user)
        assertThat(aot.flags()).as("a worker would print the JVM's class path mismatch and start without it")
                .isEmpty();
        Files.writeString(jar, "y");
        Files.delete(cache);
        assertThat(aot.flags()).isEmpty();
    }
}
