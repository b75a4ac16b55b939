package dev.ensemble.internal.monitor;

import dev.ensemble.internal.schedule.Call;
import java.io.Console;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * Progress bars of calls. One low-frequency ticker thread per display reads each shown call's counters
 * ({@link Call#completedTasks()}, {@link Call#total()}); workers never touch a bar, so a bar costs a call nothing
 * per task, however many tasks it has.
 *
 * <p>On a terminal a bar is drawn in place by {@code me.tongfei:progressbar} (count, percentage, rate, elapsed,
 * ETA). Elsewhere (CI logs, files, IDE consoles) {@code \r} frames would pile up, so a bar is a plain line every
 * {@code lineInterval} and a last line when the call ends. The system property {@code ensemble.progress}
 * ({@code terminal} or {@code lines}) overrides the detection.
 *
 * <p>Thread-safe. The ticker thread exists only while a bar is shown.
 */
public final class ProgressDisplay {
    /**
     * The JVM's display, made when first asked for: finding the terminal loads the JDK's console support. Bars go
     * to standard error, as a terminal program's progress does, so that they never mix with the application's
     * output; they are drawn for a person, not logged.
     */
    private static final class Shared {
        static final ProgressDisplay INSTANCE = new ProgressDisplay(detectTerminal(), System.err, System::nanoTime,
                Duration.ofSeconds(5), Duration.ofMillis(200));
    }

    private final boolean terminal;
    private final PrintStream out;
    private final LongSupplier clock;
    private final long lineIntervalNanos;
    private final long tickNanos;
    private final List<Bar> bars = new ArrayList<>();
    private Thread ticker;

    /**
     * A display.
     *
     * @param terminal draw frames in place (true) or print plain lines (false)
     * @param out where plain lines and frames go
     * @param clock the time, by {@link System#nanoTime()} in production
     * @param lineInterval time between two plain lines of a bar
     * @param tick time between two readings of the counters, or null for no ticker thread (tests call
     *     {@link #tick()})
     */
    public ProgressDisplay(boolean terminal, PrintStream out, LongSupplier clock, Duration lineInterval,
            Duration tick) {
        this.terminal = terminal;
        this.out = out;
        this.clock = clock;
        this.lineIntervalNanos = lineInterval.toNanos();
        this.tickNanos = tick == null ? 0 : tick.toNanos();
    }

    /** @return the display of this JVM, drawing on standard error */
    public static ProgressDisplay shared() {
        return Shared.INSTANCE;
    }

    private static boolean detectTerminal() {
        String forced = System.getProperty("ensemble.progress", "");
        if (forced.equals("terminal") || forced.equals("lines")) {
            return forced.equals("terminal");
        }
        Console console = System.console();
        return console != null && console.isTerminal();
    }

    /**
     * Starts showing a call's progress.
     *
     * @param call the call
     * @param name what to call it
     * @return the bar, to {@link Bar#finish} when the call ends
     */
    public Bar show(Call<?> call, String name) {
        Bar bar = terminal ? new FrameBar(call, name) : new LineBar(call, name, clock.getAsLong());
        synchronized (this) {
            bars.add(bar);
            if (ticker == null && tickNanos > 0) {
                ticker = Thread.ofPlatform().daemon().name("ensemble-progress").start(this::runTicker);
            }
        }
        return bar;
    }

    /** Reads every shown call's counters and redraws what is due. */
    public void tick() {
        List<Bar> now;
        synchronized (this) {
            now = List.copyOf(bars);
        }
        long time = clock.getAsLong();
        for (Bar bar : now) {
            bar.update(time);
        }
    }

    private void runTicker() {
        while (true) {
            synchronized (this) {
                if (bars.isEmpty()) {
                    ticker = null;
                    return;
                }
            }
            tick();
            LockSupport.parkNanos(tickNanos);
        }
    }

    private static volatile int terminalWidth;
    private static final java.util.concurrent.atomic.AtomicBoolean WIDTH_ASKED =
            new java.util.concurrent.atomic.AtomicBoolean();

    /** The terminal's width in columns: 80 until the one question per JVM, asked in the background, is answered. */
    static int terminalWidth() {
        if (WIDTH_ASKED.compareAndSet(false, true)) {
            Thread.ofVirtual().name("ensemble-terminal-width").start(() -> {
                // The library's own consumer asks the terminal (it adds one column of margin); nothing is written.
                int width = new ConsoleProgressBarConsumer(new PrintStream(java.io.OutputStream.nullOutputStream()))
                        .getMaxRenderedLength() + 1;
                terminalWidth = width >= 20 ? width : 80;
            });
        }
        int width = terminalWidth;
        return width > 0 ? width : 80;
    }

    private synchronized void remove(Bar bar) {
        bars.remove(bar);
    }

    /** One call's bar. */
    public abstract sealed class Bar permits FrameBar, LineBar {
        final Call<?> call;
        final String name;
        private boolean finished;

        Bar(Call<?> call, String name) {
            this.call = call;
            this.name = name;
        }

        final synchronized void update(long now) {
            if (!finished) {
                draw(now);
            }
        }

        /**
         * Draws the bar one last time and stops showing it.
         *
         * @param failure why the call failed, or null
         */
        public final void finish(Throwable failure) {
            remove(this);
            synchronized (this) {
                if (finished) {
                    return;
                }
                finished = true;
                end(clock.getAsLong(), failure);
            }
        }

        abstract void draw(long now);

        abstract void end(long now, Throwable failure);
    }

    /**
     * Frames drawn in place on a terminal by {@code me.tongfei:progressbar}. Its own rate divides by whole
     * seconds, so the rate shown is this display's, in the bar's extra message.
     *
     * <p>The library would ask the terminal for its width on every bar, and without its native part that means
     * running {@code stty}: about 20 ms per bar, on the caller's thread. So the width is asked once per JVM, in
     * the background ({@link #terminalWidth}); bars drawn before the answer assume 80 columns.
     */
    final class FrameBar extends Bar {
        private final ProgressBar bar;
        private final long startedNanos = clock.getAsLong();

        FrameBar(Call<?> call, String name) {
            super(call, name);
            ConsoleProgressBarConsumer consumer = new ConsoleProgressBarConsumer(out) {
                @Override
                public int getMaxRenderedLength() {
                    return terminalWidth() - 1;
                }
            };
            this.bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(call.total()).setUnit(" tasks", 1)
                    .setConsumer(consumer).setUpdateIntervalMillis((int) Math.max(50, tickNanos / 1_000_000))
                    .build();
        }

        @Override
        void draw(long now) {
            long done = call.completedTasks();
            bar.setExtraMessage(" " + rate(done, now - startedNanos));
            bar.stepTo(done);
        }

        @Override
        void end(long now, Throwable failure) {
            long done = call.completedTasks();
            String outcome = failure == null ? ""
                    : failure instanceof CancellationException ? ", cancelled" : ", failed";
            bar.setExtraMessage(" " + rate(done, now - startedNanos) + outcome);
            bar.stepTo(done);
            bar.close();
        }
    }

    /** Plain lines, for output that is not a terminal. */
    final class LineBar extends Bar {
        private final long startedNanos;
        private long lastLineNanos;

        LineBar(Call<?> call, String name, long now) {
            super(call, name);
            this.startedNanos = now;
            this.lastLineNanos = now;
        }

        @Override
        void draw(long now) {
            if (now - lastLineNanos >= lineIntervalNanos) {
                lastLineNanos = now;
                out.println(line(name, call.completedTasks(), call.total(), now - startedNanos, null, false));
            }
        }

        @Override
        void end(long now, Throwable failure) {
            out.println(line(name, call.completedTasks(), call.total(), now - startedNanos, failure, true));
            out.flush();
        }
    }

    /**
     * One plain progress line: {@code map: 40/100 (40%) | 12.5 tasks/s | elapsed 0:00:03 | ETA 0:00:05}.
     *
     * @param name the call's name
     * @param done tasks finished
     * @param total tasks in all, or -1 if unknown
     * @param elapsedNanos time since the call opened
     * @param failure why it failed (only when {@code last}), or null
     * @param last whether the call has ended
     * @return the line
     */
    static String line(String name, long done, long total, long elapsedNanos, Throwable failure, boolean last) {
        StringBuilder s = new StringBuilder(name).append(": ");
        if (total >= 0) {
            s.append(done).append('/').append(total).append(" (")
                    .append(total == 0 ? 100 : done * 100 / total).append("%)");
        } else {
            s.append(done).append(" tasks");
        }
        s.append(" | ").append(rate(done, elapsedNanos)).append(" | ");
        if (last) {
            String outcome = failure == null ? "done"
                    : failure instanceof CancellationException ? "cancelled" : "failed";
            s.append(outcome).append(" in ").append(elapsedNanos < 60_000_000_000L
                    ? String.format(Locale.ROOT, "%.2f s", elapsedNanos / 1e9) : clockTime(elapsedNanos));
        } else {
            s.append("elapsed ").append(clockTime(elapsedNanos));
            if (total >= 0 && done > 0) {
                s.append(" | ETA ").append(clockTime((long) ((double) elapsedNanos / done * (total - done))));
            }
        }
        return s.toString();
    }

    static String rate(long done, long elapsedNanos) {
        return rate(elapsedNanos <= 0 ? 0 : done * 1e9 / elapsedNanos);
    }

    static String rate(double perSecond) {
        if (perSecond >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM tasks/s", perSecond / 1e6);
        } else if (perSecond >= 1e4) {
            return String.format(Locale.ROOT, "%.1fk tasks/s", perSecond / 1e3);
        }
        return String.format(Locale.ROOT, "%.1f tasks/s", perSecond);
    }

    static String clockTime(long nanos) {
        long s = Duration.ofNanos(nanos).toSeconds();
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }
}
