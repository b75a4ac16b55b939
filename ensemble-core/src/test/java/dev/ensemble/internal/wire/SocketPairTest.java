package dev.ensemble.internal.wire;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The fixture of tests over one real Unix socket pair: {@link #left} and {@link #right}, fresh for each test. */
abstract class SocketPairTest {
    @TempDir
    Path temp;

    private SocketPair sockets;
    SocketChannel left;
    SocketChannel right;

    @BeforeEach
    void connect() throws IOException {
        sockets = SocketPair.open(temp.resolve("s.sock"));
        left = sockets.left();
        right = sockets.right();
    }

    @AfterEach
    void closeSockets() throws IOException {
        sockets.close();
    }
}
