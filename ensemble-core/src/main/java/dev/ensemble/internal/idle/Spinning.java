package dev.ensemble.internal.idle;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Whether waiting threads may spin now. Spinning trades a CPU for a faster wake-up, which pays only while a CPU
 * is free: never on one CPU, never when {@code -Densemble.spin=false}, and not while the machine is
 * oversubscribed (the 1-minute load average, read from {@code /proc/loadavg} at most once a second, above the
 * number of CPUs plus {@link #OWN_SPINNERS}), where a spinning thread takes the CPU that the thread it waits for
 * needs (on a loaded machine spinning made round trips slower). The allowance is there because the load counts
 * our own spinners too: a ping-pong of small calls keeps two threads spinning (a worker's and the reader of its
 * answers), and with the limit at the CPU count its own spinning, on an otherwise quiet 2-CPU machine, pushed the
 * load over it and turned spinning off. The measurements are in docs/design.md.
 */
public final class Spinning {
    private static final int CPUS = Runtime.getRuntime().availableProcessors();
    private static final boolean ENABLED = CPUS > 1 && !"false".equals(System.getProperty("ensemble.spin"));
    /** Read with java.io: NIO's file system would be initialized (and libnio loaded) on a thread pool's start. */
    private static final String LOADAVG = "/proc/loadavg";
    /** Runnable threads of the load average allowed for our own spinning, over the CPU count. */
    static final int OWN_SPINNERS = 2;
    private static volatile long checkedAt = Long.MIN_VALUE;
    private static volatile boolean allowed = ENABLED;

    private Spinning() {
    }

    /** @return whether a thread about to wait may spin first */
    public static boolean allowed() {
        if (!ENABLED) {
            return false;
        }
        long now = System.nanoTime();
        if (now - checkedAt > 1_000_000_000L) {
            checkedAt = now;
            allowed = loadAverage() <= CPUS + OWN_SPINNERS;
        }
        return allowed;
    }

    private static double loadAverage() {
        try {
            byte[] head = new byte[64];
            int n = 0;
            try (InputStream in = new FileInputStream(LOADAVG)) {
                for (int r; n < head.length && (r = in.read(head, n, head.length - n)) > 0; ) {
                    n += r;
                }
            }
            String text = new String(head, 0, n, StandardCharsets.US_ASCII);
            return Double.parseDouble(text.substring(0, text.indexOf(' ')));
        } catch (IOException | RuntimeException e) {
            return 0; // not Linux: no figure, trust the CPU count
        }
    }
}
