package dev.ensemble.internal.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Supplier;

/**
 * Copies one output stream of a worker process to this JVM's, line by line, each line prefixed with
 * {@code [worker N] }, and keeps the last lines for error messages. Runs on its own daemon thread until the
 * stream ends (the worker exited).
 */
final class OutputForwarder {
    static final int KEPT_LINES = 20;

    private final InputStream source;
    private final Supplier<PrintStream> target;
    private volatile String prefix;
    private final Charset charset;
    private final ArrayDeque<String> last = new ArrayDeque<>(KEPT_LINES);
    private final Thread thread;

    /**
     * Starts forwarding a worker's standard output and standard error to this JVM's. This is output forwarding,
     * not logging: a worker's lines go where the application's own {@code System.out} and {@code System.err} go,
     * read at each line rather than once, since an application may replace them with {@code System.setOut} or
     * {@code System.setErr} while its pool runs.
     *
     * @param process the worker process
     * @param prefix put before every line
     * @param name the forwarding threads' name, completed with {@code -out} and {@code -err}
     * @return the forwarders of standard output and standard error, in that order
     */
    static OutputForwarder[] ofProcess(Process process, String prefix, String name) {
        return new OutputForwarder[] {
            new OutputForwarder(process.getInputStream(), () -> System.out, prefix, name + "-out"),
            new OutputForwarder(process.getErrorStream(), () -> System.err, prefix, name + "-err")
        };
    }

    /**
     * Starts forwarding.
     *
     * @param source the worker's stream
     * @param target this JVM's stream, read at each line so that a replaced {@code System.out} is honoured
     * @param prefix put before every line
     * @param name the forwarding thread's name
     */
    OutputForwarder(InputStream source, Supplier<PrintStream> target, String prefix, String name) {
        this.source = source;
        this.target = target;
        this.prefix = prefix;
        this.charset = Charset.forName(System.getProperty("native.encoding", "UTF-8"), Charset.defaultCharset());
        this.thread = Thread.ofPlatform().daemon().name(name).start(this::pump);
    }

    /**
     * Gives the worker a new prefix and thread name: a warm worker taken by another pool, or waiting idle.
     *
     * @param newPrefix put before every line from now on
     * @param name the forwarding thread's name
     */
    void rename(String newPrefix, String name) {
        prefix = newPrefix;
        thread.setName(name);
    }

    private void pump() {
        byte[] buffer = new byte[8192];
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(256);
        try {
            int n;
            while ((n = source.read(buffer)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = buffer[i];
                    if (b == '\n') {
                        emit(line);
                    } else if (line.size() < 64 * 1024) {
                        line.write(b);
                    }
                }
            }
        } catch (IOException ignored) {
            // the worker is gone
        } finally {
            try {
                source.close();
            } catch (IOException ignored) {
                // closing only
            }
        }
        if (line.size() > 0) {
            emit(line);
        }
    }

    private void emit(java.io.ByteArrayOutputStream line) {
        String text = line.toString(charset);
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        line.reset();
        synchronized (last) {
            if (last.size() == KEPT_LINES) {
                last.removeFirst();
            }
            last.addLast(text);
        }
        PrintStream out = target.get();
        out.println(prefix + text);
    }

    /**
     * Waits until the stream has ended (the worker's last words are in), at most {@code millis}.
     *
     * @param millis the longest wait
     */
    void awaitEnd(long millis) {
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return the last lines, oldest first */
    List<String> lastLines() {
        synchronized (last) {
            return List.copyOf(last);
        }
    }
}
