package dev.ensemble.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ensemble.CallOptions;
import dev.ensemble.Insights;
import dev.ensemble.WorkerPool;
import dev.ensemble.spi.CallView;
import dev.ensemble.spi.PoolView;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DashboardTest {
    /** A response: status, content type, body. */
    record Response(int statusCode, String contentType, String body) {
    }

    private static HttpURLConnection open(URI uri) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        connection.setConnectTimeout(10_000);
        connection.setReadTimeout(20_000);
        return connection;
    }

    static Response get(URI uri) throws IOException {
        HttpURLConnection connection = open(uri);
        try {
            int status = connection.getResponseCode();
            InputStream body = status < 400 ? connection.getInputStream() : connection.getErrorStream();
            return new Response(status, connection.getContentType(),
                    new String(body.readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            connection.disconnect();
        }
    }

    @Test
    void start_listensOnLoopbackAndServesThePageAndItsAssetsFromTheJar() throws Exception {
        try (Dashboard dashboard = Dashboard.start()) {
            assertThat(dashboard.uri().getHost()).isEqualTo("127.0.0.1");
            assertThat(dashboard.port()).isPositive();
            Response page = get(dashboard.uri());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.contentType()).isEqualTo("text/html; charset=utf-8");
            assertThat(page.body()).contains("<script src=\"dashboard.js\"", "dashboard.css");
            for (String asset : List.of("dashboard.js", "dashboard.css")) {
                Response response = get(dashboard.uri().resolve(asset));
                assertThat(response.statusCode()).isEqualTo(200);
                // Nothing is fetched from elsewhere: no CDN, no framework.
                assertThat(response.body()).doesNotContain("http://", "https://", "import ");
            }
            assertThat(page.body()).doesNotContain("http://", "https://");
            assertThat(get(dashboard.uri().resolve("nothing-here")).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void apiAndEvents_describeLivePoolsAndRunningCalls() throws Exception {
        Semaphore gate = new Semaphore(0);
        try (Dashboard dashboard = Dashboard.start();
                WorkerPool pool = WorkerPool.builder().workers(2).name("dash-api").build()) {
            CompletableFuture<List<Integer>> result = pool.mapAsync(IntStream.range(0, 8).boxed().toList(), x -> {
                gate.acquire();
                return x;
            }, CallOptions.defaults().chunkSize(1).name("gated-call"));
            try {
                String json = get(dashboard.uri().resolve("api/pools")).body();
                assertThat(json).contains("\"name\":\"dash-api\"", "\"kind\":\"threads\"", "\"name\":\"gated-call\"",
                        "\"total\":8", "\"site\":\"DashboardTest.java:");

                HttpURLConnection events = open(dashboard.uri().resolve("events"));
                assertThat(events.getContentType()).isEqualTo("text/event-stream; charset=utf-8");
                try (BufferedReader lines = new BufferedReader(
                        new InputStreamReader(events.getInputStream(), StandardCharsets.UTF_8))) {
                    assertThat(lines.readLine()).isEqualTo("retry: 1000");
                    String data = nextData(lines);
                    assertThat(data).contains("\"name\":\"dash-api\"", "\"name\":\"gated-call\"");
                    gate.release(8);
                    assertThat(result.get(20, TimeUnit.SECONDS)).hasSize(8);
                    // Later events show the call finished.
                    String later;
                    do {
                        later = nextData(lines);
                    } while (!later.contains("\"status\":\"done\""));
                    assertThat(later).contains("\"running\":[]");
                }
            } finally {
                gate.release(100);
            }
        }
    }

    private static String nextData(BufferedReader lines) throws IOException {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (line.startsWith("data: ")) {
                return line.substring(6);
            }
        }
        throw new AssertionError("the event stream ended");
    }

    @Test
    void close_endsOpenEventStreamsAndStopsListening() throws Exception {
        Dashboard dashboard = Dashboard.start();
        HttpURLConnection events = open(dashboard.uri().resolve("events"));
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(events.getInputStream(), StandardCharsets.UTF_8))) {
            nextData(lines);
            dashboard.close();
            dashboard.close();
            while (lines.readLine() != null) {
                // drain what was sent before the close
            }
        } catch (IOException expected) {
            // the connection was cut: just as good
        }
        assertThatThrownBy(() -> get(dashboard.uri())).isInstanceOf(ConnectException.class);
    }

    @Test
    void requestsForOtherHostsOrMethods_areRefused() throws Exception {
        try (Dashboard dashboard = Dashboard.start()) {
            assertThat(rawStatus(dashboard, "GET / HTTP/1.1\r\nHost: attacker.example:" + dashboard.port()))
                    .isEqualTo(403);
            assertThat(rawStatus(dashboard, "GET / HTTP/1.1\r\nHost: localhost:" + dashboard.port())).isEqualTo(200);
            assertThat(rawStatus(dashboard, "POST /api/pools HTTP/1.1\r\nHost: 127.0.0.1:" + dashboard.port()
                    + "\r\nContent-Length: 0")).isEqualTo(405);
        }
    }

    private static int rawStatus(Dashboard dashboard, String requestHead) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), dashboard.port())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write((requestHead + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String status = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    @Test
    void start_rejectsBadPortsWithAMessage() {
        assertThatThrownBy(() -> Dashboard.start(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 0 and 65535");
        try (Dashboard first = Dashboard.start()) {
            assertThatThrownBy(() -> Dashboard.start(first.port())).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("is the port taken?");
        }
    }

    @Test
    void json_escapesUserTextSoThatItCannotBreakOutOfThePage() {
        CallView call = new CallView(1, "</script><b>\"x\"", "A.java:1", "A.main", Instant.EPOCH, 1, -1,
                Duration.ofSeconds(1), "failed", "java.lang.Error: a\n\tat A.main(A.java:1)\u2028");
        PoolView pool = new PoolView(1, "p&q", "threads", "running", Instant.EPOCH, List.of("idle"),
                new Insights("p&q", List.of(), List.of()), List.of(call), List.of(), List.of(call), 1, 1);
        String json = Json.of(Instant.EPOCH, List.of(pool));
        assertThat(json).doesNotContain("<", ">", "&", "\u2028")
                .contains("\"name\":\"\\u003c/script\\u003e\\u003cb\\u003e\\\"x\\\"\"")
                .contains("\"failure\":\"java.lang.Error: a\\n\\tat A.main(A.java:1)\\u2028\"")
                .contains("\"etaNanos\":null", "\"total\":-1", "\"time\":0");
    }
}
