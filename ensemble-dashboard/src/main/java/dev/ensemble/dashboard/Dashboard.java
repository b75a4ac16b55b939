package dev.ensemble.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ensemble.spi.LivePools;
import dev.ensemble.spi.PoolView;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A local web page of every live pool in this JVM (MPIRE's dashboard): the progress of each running call
 * (done/total, rate, ETA, start time, the file and line that made it), what each worker is doing, the pool's
 * {@link dev.ensemble.Insights}, and the stack traces of the last failed calls. The page updates itself live
 * through server-sent events; everything it needs is served from this jar (no framework, no CDN).
 *
 * <pre>{@code
 * try (Dashboard dashboard = Dashboard.start(8080);
 *      WorkerPool pool = WorkerPool.threads(4)) {
 *     System.out.println("open " + dashboard.uri());
 *     pool.map(inputs, task);
 * }
 * }</pre>
 *
 * <p><b>Security.</b> The server listens on 127.0.0.1 only and answers only requests addressed to
 * {@code 127.0.0.1} or {@code localhost} (so a web page cannot reach it by DNS rebinding): task inputs and stack
 * traces can be sensitive. Anyone with a shell on this machine can read it, as they can read the JVM itself.
 *
 * <p><b>Lifecycle.</b> Running from {@link #start} until {@link #close}, which stops the server and ends open
 * event streams. Several dashboards may run at once on different ports. Thread-safe; requests are served on
 * virtual threads.
 */
public final class Dashboard implements AutoCloseable {
    /** How often open pages get a new snapshot. */
    static final Duration UPDATE_INTERVAL = Duration.ofMillis(500);

    private static final Map<String, String> ASSETS = Map.of(
            "/", "index.html",
            "/index.html", "index.html",
            "/dashboard.css", "dashboard.css",
            "/dashboard.js", "dashboard.js");

    private final HttpServer server;
    private final ExecutorService executor;
    private final URI uri;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition closing = lock.newCondition();
    private boolean closed;

    private Dashboard(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
        this.uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    /**
     * Starts a dashboard on a free port of 127.0.0.1; {@link #uri()} says which.
     *
     * @return the running dashboard
     * @throws UncheckedIOException if no server socket could be opened
     */
    public static Dashboard start() {
        return start(0);
    }

    /**
     * Starts a dashboard on a chosen port of 127.0.0.1.
     *
     * @param port the port, or 0 for any free port
     * @return the running dashboard
     * @throws IllegalArgumentException if {@code port} is not between 0 and 65535
     * @throws UncheckedIOException if the port is taken or no server socket could be opened
     */
    public static Dashboard start(int port) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be between 0 and 65535 (0 for any free port), got " + port);
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("the dashboard could not listen on 127.0.0.1:" + port
                    + (port == 0 ? "" : "; is the port taken? Dashboard.start() picks a free one") + ": " + e, e);
        }
        ExecutorService executor = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("ensemble-dashboard-", 0).factory());
        server.setExecutor(executor);
        Dashboard dashboard = new Dashboard(server, executor);
        server.createContext("/", dashboard::handle);
        server.start();
        return dashboard;
    }

    /**
     * Where the page is.
     *
     * @return {@code http://127.0.0.1:PORT/}
     */
    public URI uri() {
        return uri;
    }

    /**
     * The port the dashboard listens on.
     *
     * @return the port
     */
    public int port() {
        return uri.getPort();
    }

    /**
     * Stops the server: open pages stop updating (and show that they lost the connection). Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            closing.signalAll();
        } finally {
            lock.unlock();
        }
        server.stop(0);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "Dashboard[" + uri + "]";
    }

    // ---- requests ----

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!isLocalHost(exchange.getRequestHeaders().getFirst("Host"))) {
                send(exchange, 403, "text/plain", "the dashboard answers only requests to 127.0.0.1 or localhost");
                return;
            }
            if (!exchange.getRequestMethod().equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET");
                send(exchange, 405, "text/plain", "the dashboard is read-only: only GET");
                return;
            }
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case "/events" -> events(exchange);
                case "/api/pools" -> send(exchange, 200, "application/json", snapshot());
                default -> {
                    String asset = ASSETS.get(path);
                    if (asset == null) {
                        send(exchange, 404, "text/plain", "no such page: " + path);
                    } else {
                        asset(exchange, asset);
                    }
                }
            }
        }
    }

    private boolean isLocalHost(String host) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        int port = port();
        return h.equals("127.0.0.1:" + port) || h.equals("localhost:" + port) || h.equals("127.0.0.1")
                || h.equals("localhost");
    }

    static String snapshot() {
        List<PoolView> pools = LivePools.snapshot();
        return Json.of(Instant.now(), pools);
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static void asset(HttpExchange exchange, String name) throws IOException {
        byte[] bytes;
        try (InputStream in = Dashboard.class.getResourceAsStream(name)) {
            if (in == null) {
                send(exchange, 500, "text/plain", "the dashboard jar lacks " + name);
                return;
            }
            bytes = in.readAllBytes();
        }
        String type = name.endsWith(".html") ? "text/html" : name.endsWith(".css") ? "text/css" : "text/javascript";
        exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        exchange.getResponseHeaders().set("Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** Server-sent events: a snapshot now and every {@link #UPDATE_INTERVAL} until the page or the server goes. */
    private void events(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        out.write("retry: 1000\n\n".getBytes(StandardCharsets.UTF_8));
        while (true) {
            try {
                out.write(("data: " + snapshot() + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                return; // the page was closed
            }
            lock.lock();
            try {
                if (!closed) {
                    closing.await(UPDATE_INTERVAL.toNanos(), TimeUnit.NANOSECONDS);
                }
                if (closed) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
        }
    }
}
