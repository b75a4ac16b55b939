package dev.ensemble.internal.wire;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** Two connected ends of a real Unix domain socket, as a pool and its worker have. */
record SocketPair(SocketChannel left, SocketChannel right) implements AutoCloseable {
    /** Binds {@code socket}, connects to it and accepts; the bound name is no longer needed afterwards. */
    static SocketPair open(Path socket) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            SocketChannel left = SocketChannel.open(StandardProtocolFamily.UNIX);
            left.connect(UnixDomainSocketAddress.of(socket));
            return new SocketPair(left, server.accept());
        }
    }

    @Override
    public void close() throws IOException {
        left.close();
        right.close();
    }
}
