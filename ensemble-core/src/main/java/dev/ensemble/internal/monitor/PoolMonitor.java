package dev.ensemble.internal.monitor;

import dev.ensemble.spi.CallView;
import dev.ensemble.spi.PoolView;
import dev.ensemble.CallOptions;
import dev.ensemble.Insights;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.internal.schedule.Call;
import dev.ensemble.internal.schedule.CallObserver;
import dev.ensemble.internal.schedule.Scheduler;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a pool shows of itself while it lives: the calls running (with where they were made), the last finished
 * calls and failures, progress bars, the JMX bean; and the registry of every live pool in this JVM, which the
 * dashboard reads.
 *
 * <p>Attached when the pool has started, detached when its workers have exited. It hears of calls through
 * {@link CallObserver}, so it costs nothing per task: per call, one stack walk to find the call site (a few
 * microseconds) and a few map operations. Thread-safe.
 */
public final class PoolMonitor implements CallObserver {
    /** How many finished calls, and separately failed calls, each pool keeps for the dashboard. */
    static final int RECENT_CALLS = 20;
    static final int RECENT_FAILURES = 5;

    private static final List<PoolMonitor> LIVE = new CopyOnWriteArrayList<>();
    private static final AtomicLong POOL_IDS = new AtomicLong();

    private final long id = POOL_IDS.incrementAndGet();
    private final PoolConfig config;
    private final Scheduler scheduler;
    /**
     * The display, looked up when a call first shows a bar (finding the terminal costs a cold JVM's start); null
     * for the JVM's shared one.
     */
    private final java.util.function.Supplier<ProgressDisplay> progress;
    private final Instant started = Instant.now();
    private final AtomicLong callIds = new AtomicLong();
    private final Map<Call<?>, Running> running = new ConcurrentHashMap<>();
    private final ArrayDeque<Ended> recent = new ArrayDeque<>();
    private final ArrayDeque<Ended> failures = new ArrayDeque<>();

    /**
     * A finished call as it ended; turned into a {@link CallView} only when someone looks, since resolving its
     * call site and rendering its failure cost more than a small call (and this runs on the thread that
     * delivers results).
     */
    private record Ended(Running running, String name, long done, long total, Duration elapsed, String status,
            Throwable failure) {
        CallView view() {
            return new CallView(running.id, name, running.site(), running.caller(), running.started, done, total,
                    elapsed, status, failure == null ? null : stackTrace(failure));
        }
    }
    private long callsCompleted;
    private long callsFailed;
    private final JmxRegistration jmx;

    /**
     * A call being watched: what was known when it opened. Its call site is kept as a captured stack (under a
     * microsecond) and read only when shown: walking the stack for the caller's line costs more than a whole
     * small {@code submit} to a worker process.
     */
    private static final class Running {
        final long id;
        final Instant started;
        final ProgressDisplay.Bar bar;
        private final Throwable origin;
        private StackTraceElement frame; // guarded by this, found on first use

        Running(long id, Throwable origin, Instant started, ProgressDisplay.Bar bar) {
            this.id = id;
            this.origin = origin;
            this.started = started;
            this.bar = bar;
        }

        private synchronized StackTraceElement frame() {
            if (frame == null) {
                frame = java.util.Arrays.stream(origin.getStackTrace()).filter(f -> !isLibraryOrJdk(f.getClassName()))
                        .findFirst().orElse(new StackTraceElement("?", "?", null, -1));
            }
            return frame;
        }

        String site() {
            StackTraceElement f = frame();
            return f.getFileName() == null ? "?" : f.getFileName() + ":" + f.getLineNumber();
        }

        String caller() {
            StackTraceElement f = frame();
            return f.getClassName().equals("?") ? "?" : f.getClassName() + "." + f.getMethodName();
        }
    }

    private PoolMonitor(PoolConfig config, Scheduler scheduler, java.util.function.Supplier<ProgressDisplay> progress,
            boolean jmx) {
        this.config = config;
        this.scheduler = scheduler;
        this.progress = progress;
        this.jmx = jmx ? new JmxRegistration(this) : null;
    }

    /**
     * Starts watching a pool that has started: lists it among the live pools, registers its JMX bean (in the
     * background: the platform MBean server costs about 150 ms to create the first time) unless the system
     * property {@code ensemble.jmx} is {@code false}.
     *
     * @param config the pool's options
     * @param scheduler its scheduler
     * @return the monitor, to {@link #detach()} when the pool has stopped
     */
    public static PoolMonitor attach(PoolConfig config, Scheduler scheduler) {
        return attach(config, scheduler, null, !"false".equalsIgnoreCase(System.getProperty("ensemble.jmx")));
    }

    static PoolMonitor attach(PoolConfig config, Scheduler scheduler, java.util.function.Supplier<ProgressDisplay> progress,
            boolean jmx) {
        PoolMonitor monitor = new PoolMonitor(config, scheduler, progress, jmx);
        scheduler.addObserver(monitor);
        LIVE.add(monitor);
        if (monitor.jmx != null) {
            monitor.jmx.start();
        }
        return monitor;
    }

    /** Stops watching: the pool is no longer listed and its JMX bean is unregistered. Idempotent. */
    public void detach() {
        LIVE.remove(this);
        scheduler.removeObserver(this);
        if (jmx != null) {
            jmx.close();
        }
    }

    /**
     * Every pool of this JVM that has started and not yet stopped, oldest first.
     *
     * @return the monitors of the live pools
     */
    public static List<PoolMonitor> livePools() {
        return List.copyOf(LIVE);
    }

    /** @return the pool's number in this JVM, from 1 */
    public long id() {
        return id;
    }

    /** @return the pool's name */
    public String name() {
        return config.name();
    }

    /** @return the pool's insights so far */
    public Insights insights() {
        return scheduler.insights();
    }

    /** @return the JMX registration, or null when JMX is off */
    JmxRegistration jmx() {
        return jmx;
    }

    // ---- calls ----

    @Override
    public void opened(Call<?> call, CallOptions options) {
        Throwable origin = new Throwable("call site");
        ProgressDisplay.Bar bar = null;
        if (options != null && (options.progressBar() != null ? options.progressBar() : config.progressBar())) {
            bar = (progress == null ? ProgressDisplay.shared() : progress.get()).show(call, call.name());
        }
        running.put(call, new Running(callIds.incrementAndGet(), origin, Instant.now(), bar));
    }

    /**
     * Frames skipped to find who made a call: the library's own, and the JDK's (the observer is called through
     * {@code forEach}; a call made through a method reference in a stream is credited to the stream's user).
     */
    static boolean isLibraryOrJdk(String className) {
        return isLibrary(className) || className.startsWith("java.") || className.startsWith("jdk.")
                || className.startsWith("sun.");
    }

    private static boolean isLibrary(String className) {
        return className.startsWith("dev.ensemble.internal.") || isApiType(className, "dev.ensemble.WorkerPool")
                || isApiType(className, "dev.ensemble.Ensemble") || isApiType(className, "dev.ensemble.SharedArray");
    }

    private static boolean isApiType(String className, String type) {
        return className.startsWith(type) && (className.length() == type.length()
                || className.charAt(type.length()) == '$');
    }

    @Override
    public void finished(Call<?> call, Throwable failure) {
        Running r = running.remove(call);
        if (r == null) {
            return;
        }
        if (r.bar != null) {
            r.bar.finish(failure);
        }
        String status = failure == null ? "done" : failure instanceof CancellationException ? "cancelled" : "failed";
        Ended view = new Ended(r, call.name(), call.completedTasks(), call.total(),
                Duration.ofNanos(System.nanoTime() - call.startedNanos()), status, failure);
        synchronized (this) {
            callsCompleted++;
            addBounded(recent, view, RECENT_CALLS);
            if (status.equals("failed")) {
                callsFailed++;
                addBounded(failures, view, RECENT_FAILURES);
            }
        }
    }

    private static void addBounded(ArrayDeque<Ended> views, Ended view, int bound) {
        views.addFirst(view);
        if (views.size() > bound) {
            views.removeLast();
        }
    }

    private static String stackTrace(Throwable failure) {
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        return text.toString();
    }

    // ---- snapshots ----

    /**
     * A snapshot of the pool for live displays.
     *
     * @return the view
     */
    public PoolView view() {
        long now = System.nanoTime();
        List<CallView> calls = new ArrayList<>();
        running.forEach((call, r) -> calls.add(new CallView(r.id, call.name(), r.site(), r.caller(), r.started,
                call.completedTasks(), call.total(), Duration.ofNanos(now - call.startedNanos()), "running", null)));
        calls.sort(Comparator.comparingLong(CallView::id));
        List<String> states = scheduler.slotStates().stream().map(s -> s.name().toLowerCase(Locale.ROOT)).toList();
        List<Ended> recentNow;
        List<Ended> failuresNow;
        long completed;
        long failed;
        synchronized (this) {
            recentNow = List.copyOf(recent);
            failuresNow = List.copyOf(failures);
            completed = callsCompleted;
            failed = callsFailed;
        }
        return new PoolView(id, config.name(), config.kind().builderName(),
                scheduler.isRunning() ? "running" : "closing", started, states, scheduler.insights(), calls,
                recentNow.stream().map(Ended::view).toList(), failuresNow.stream().map(Ended::view).toList(),
                completed, failed);
    }

    @Override
    public String toString() {
        return "PoolMonitor[" + config.name() + "]";
    }
}
