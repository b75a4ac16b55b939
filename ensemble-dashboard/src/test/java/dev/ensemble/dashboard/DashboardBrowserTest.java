package dev.ensemble.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.ensemble.CallOptions;
import dev.ensemble.TaskFailedException;
import dev.ensemble.WorkerPool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Opens the dashboard in Debian's headless Chromium during a running map whose tasks wait for permits, so the
 * progress the page shows is known at each step; checks that it advances and that a failed call's stack trace
 * is on the page; saves a screenshot for the README.
 *
 * <p>Needs {@code chromium} and {@code chromium-driver} (Debian packages; {@code .ci/run} installs them). Without
 * them the test fails and says so, unless {@code -Densemble.skipBrowserTest=true} is given. The screenshot goes
 * to {@code target/dashboard.png}, and to {@code docs/dashboard.png} when that is missing or when
 * {@code -Densemble.updateScreenshot=true} is given (so ordinary runs do not touch the committed picture).
 */
class DashboardBrowserTest {
    private static final Path CHROMIUM = Path.of(System.getProperty("ensemble.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER =
            Path.of(System.getProperty("ensemble.chromedriver", "/usr/bin/chromedriver"));
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void page_showsProgressAdvancingAndTheStackTraceOfAFailedCall() throws Exception {
        assumeFalse(Boolean.getBoolean("ensemble.skipBrowserTest"), "skipped on request (ensemble.skipBrowserTest)");
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new AssertionError("the dashboard's browser test needs Chromium at " + CHROMIUM + " and its driver "
                    + "at " + CHROMEDRIVER + ": install them with `apt-get install -y chromium chromium-driver` "
                    + "(.ci/run does this in CI), or run with -Densemble.skipBrowserTest=true to leave this test out");
        }
        Path profile = Files.createTempDirectory("ensemble-chromium-");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--user-data-dir=" + profile, "--window-size=1280,1300", "--lang=en-US");
        WebDriver browser = new ChromeDriver(service, options);
        Semaphore gate = new Semaphore(0);
        try (Dashboard dashboard = Dashboard.start();
                WorkerPool pool = WorkerPool.builder().workers(2).name("simulation").build()) {
            assertThatThrownBy(() -> pool.map(List.of("17", "42", "forty-three", "44"), Integer::parseInt,
                    CallOptions.defaults().name("parse"))).isInstanceOf(TaskFailedException.class);
            CompletableFuture<List<Integer>> running = pool.mapAsync(IntStream.range(0, 20).boxed().toList(), x -> {
                gate.acquire();
                return x * x;
            }, CallOptions.defaults().chunkSize(1).name("simulate"));
            try {
                browser.get(dashboard.uri().toString());
                By done = By.cssSelector("[data-pool='simulation'] table.running .done");
                awaitText(browser, done, "0 / 20");
                gate.release(6);
                awaitText(browser, done, "6 / 20");
                gate.release(6);
                awaitText(browser, done, "12 / 20");
                assertThat(text(browser, By.cssSelector("[data-pool='simulation'] table.running .site")))
                        .isEqualTo("DashboardBrowserTest.java:" + mapAsyncLine());
                assertThat(text(browser, By.cssSelector("[data-pool='simulation'] .workers")))
                        .contains("worker 0 · working", "worker 1 · working");

                String stack = text(browser, By.cssSelector("[data-pool='simulation'] details.failure pre.stack"));
                assertThat(stack).contains("dev.ensemble.TaskFailedException", "at index 2",
                        "Caused by: java.lang.NumberFormatException: For input string: \"forty-three\"");
                assertThat(text(browser, By.cssSelector("[data-pool='simulation'] details.failure summary")))
                        .startsWith("parse #1 failed");

                byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
                saveScreenshot(png);
            } finally {
                gate.release(100);
            }
            assertThat(running.get(30, TimeUnit.SECONDS)).hasSize(20);
        } finally {
            browser.quit();
            service.stop();
            deleteTree(profile);
        }
    }

    /** The line of the {@code mapAsync} call above, as the page should name it. */
    private static int mapAsyncLine() throws IOException {
        List<String> source = Files.readAllLines(Path.of("src/test/java/dev/ensemble/dashboard/"
                + "DashboardBrowserTest.java"));
        for (int i = 0; i < source.size(); i++) {
            if (source.get(i).contains("running = pool.mapAsync(")) {
                return i + 1;
            }
        }
        throw new AssertionError("the mapAsync call is not in the source");
    }

    /** The page is rebuilt on every update, so elements go stale: read them afresh until the text is there. */
    private static void awaitText(WebDriver browser, By where, String expected) {
        try {
            new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class)
                    .until(b -> expected.equals(b.findElement(where).getText()));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("the page never showed '" + expected + "' at " + where + "; it showed: "
                    + browser.findElement(By.tagName("main")).getText(), e);
        }
    }

    private static String text(WebDriver browser, By where) {
        return new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class)
                .ignoring(org.openqa.selenium.NoSuchElementException.class)
                .until(b -> b.findElement(where).getText());
    }

    private static void saveScreenshot(byte[] png) throws IOException {
        Path target = Path.of("target", "dashboard.png");
        Files.createDirectories(target.getParent());
        Files.write(target, png);
        Path docs = Path.of("..", "docs", "dashboard.png");
        if (Files.isDirectory(docs.getParent().getParent().resolve("ensemble-core"))
                && (!Files.exists(docs) || Boolean.getBoolean("ensemble.updateScreenshot"))) {
            Files.createDirectories(docs.getParent());
            Files.copy(target, docs, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
