package dev.ensemble.spi;

import java.time.Duration;
import java.time.Instant;

/**
 * A call as a live display shows it: running, or one of the last finished.
 *
 * @param id the call's number in its pool, from 1
 * @param name the call's name ({@code map}, or the name given in its options)
 * @param callSite where it was called, as {@code File.java:42}, or {@code "?"} if unknown
 * @param caller the calling method, as {@code com.example.App.main}, or {@code "?"}
 * @param started when it was opened
 * @param done tasks finished so far
 * @param total the number of inputs, or -1 while unknown
 * @param elapsed time since it was opened (until it finished, for a finished call)
 * @param status {@code running}, {@code done}, {@code failed} or {@code cancelled}
 * @param failure the failure's stack trace (with causes), or null
 */
public record CallView(long id, String name, String callSite, String caller, Instant started, long done, long total,
        Duration elapsed, String status, String failure) {

    /**
     * Tasks finished per second since the call opened.
     *
     * @return the rate, or 0 before anything finished
     */
    public double ratePerSecond() {
        long nanos = elapsed.toNanos();
        return nanos <= 0 ? 0 : done * 1e9 / nanos;
    }

    /**
     * The time left at the rate so far.
     *
     * @return the estimate, or null when it cannot be made (unknown total, nothing finished yet, or not running)
     */
    public Duration eta() {
        if (!status.equals("running") || total < 0 || done <= 0) {
            return null;
        }
        return Duration.ofNanos((long) ((double) elapsed.toNanos() / done * Math.max(0, total - done)));
    }
}
