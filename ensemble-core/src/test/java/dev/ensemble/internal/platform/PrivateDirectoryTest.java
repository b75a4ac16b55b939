package dev.ensemble.internal.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Private directories against another local user: the attacker's files are made by the user {@code nobody}
 * (with {@code runuser}), in a sticky world-writable directory like {@code /tmp} or {@code /dev/shm}.
 */
class PrivateDirectoryTest {
    private Path root;

    @BeforeEach
    void sharedRoot() throws Exception {
        root = Files.createTempDirectory(Path.of("/tmp"), "ensemble-private-test");
        run("chmod", "1777", root.toString()); // like /tmp: anyone may create, only owners may delete
    }

    @AfterEach
    void removeRoot() throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).inheritIO().start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command)).isZero();
    }

    /** Runs a command as the user nobody; skips the test (saying why) where that is impossible. */
    private static void asNobody(String... command) throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        boolean runuser = Files.isExecutable(Path.of("/usr/sbin/runuser")) || Files.isExecutable(Path.of("/sbin/runuser"));
        assumeTrue(root && runuser, "acting as another user needs root and runuser; not available here");
        String[] full = new String[command.length + 4];
        full[0] = "runuser";
        full[1] = "-u";
        full[2] = "nobody";
        full[3] = "--";
        System.arraycopy(command, 0, full, 4, command.length);
        run(full);
    }

    @Test
    void randomPart_isUnguessable() {
        String a = PrivateDirectory.randomPart();
        assertThat(a).matches("[0-9a-f]{16}");
        assertThat(PrivateDirectory.randomPart()).isNotEqualTo(a);
    }

    @Test
    void create_makesAnOwnerOnlyDirectory_andAcceptsItAgain() throws Exception {
        Path dir = PrivateDirectory.create(root.resolve("mine"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(PrivateDirectory.create(dir)).isEqualTo(dir);
    }

    @Test
    void create_refusesADirectoryAnotherUserMadeFirst() throws Exception {
        Path dir = root.resolve("taken");
        asNobody("mkdir", "-m", "700", dir.toString());
        assertThatThrownBy(() -> PrivateDirectory.create(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("belongs to another user").hasMessageContaining(dir.toString());
    }

    @Test
    void create_refusesAnOpenDirectory_andASymbolicLink() throws Exception {
        Path open = root.resolve("open");
        Files.createDirectory(open);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> PrivateDirectory.create(open)).hasMessageContaining("rwxrwxrwx");
        Path target = Files.createDirectory(root.resolve("target"));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
        Path link = Files.createSymbolicLink(root.resolve("link"), target);
        assertThatThrownBy(() -> PrivateDirectory.create(link)).hasMessageContaining("not a plain directory");
    }

    @Test
    void requireOwnFile_refusesLinksAndOtherUsersFiles() throws Exception {
        Path mine = Files.createFile(root.resolve("mine.shm"));
        assertThat(PrivateDirectory.requireOwnFile(mine)).isNotNull();
        Path link = Files.createSymbolicLink(root.resolve("link.shm"), mine);
        assertThatThrownBy(() -> PrivateDirectory.requireOwnFile(link)).hasMessageContaining("not a regular file");
        Path theirs = root.resolve("theirs.shm");
        asNobody("touch", theirs.toString());
        assertThatThrownBy(() -> PrivateDirectory.requireOwnFile(theirs))
                .hasMessageContaining("belongs to another user");
    }

    @Test
    void deleteStale_deletesOnlyOwnDirectories_andNeverFollowsALink() throws Exception {
        Path outside = Files.createDirectory(root.resolve("outside"));
        Path precious = Files.writeString(outside.resolve("precious.txt"), "keep me");
        // Ours and stale, holding a file and a link to a file outside.
        Path stale = PrivateDirectory.create(root.resolve("p-stale1"));
        Files.writeString(stale.resolve("1-doubles.shm"), "x");
        Files.createSymbolicLink(stale.resolve("2-frames.shm"), precious);
        // A link named like a stale directory, pointing outside.
        Files.createSymbolicLink(root.resolve("p-stale2"), outside);
        // A directory of another user, named like a stale one.
        asNobody("mkdir", "-m", "700", root.resolve("p-stale3").toString());

        assertThat(PrivateDirectory.deleteStale(root, "p-", name -> name.startsWith("stale"))).isEqualTo(1);

        assertThat(stale).doesNotExist();
        assertThat(precious).hasContent("keep me");
        assertThat(Files.isSymbolicLink(root.resolve("p-stale2"))).isTrue();
        assertThat(Files.isDirectory(root.resolve("p-stale3"), LinkOption.NOFOLLOW_LINKS)).isTrue();
    }
}
