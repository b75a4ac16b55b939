package dev.ensemble.internal.process;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * A worker JVM's report to its pool: one line per event (a fatal error in a worker thread, a failed start, a VM
 * error in a task, a throwing exit hook) on the process's real standard error. The pool reads that stream,
 * forwards it with the worker's prefix and quotes its last lines in start-failure and death messages, so these
 * lines are the worker's last words; they are written to the file descriptor itself, captured when the class
 * loads, because a task may replace {@code System.err} with a stream that goes nowhere.
 */
final class ParentReport {
    private static final PrintStream STDERR =
            new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

    private ParentReport() {
    }

    /** Writes one line of the report; a line break in {@code line} is the caller's choice. */
    static void line(String line) {
        STDERR.println(line);
    }

    /** Writes an error's stack trace after its line (see {@link #line}). */
    static void stackTrace(Throwable error) {
        error.printStackTrace(STDERR);
    }

    /** Flushes what {@code System.err} holds, then this report, before the JVM halts. */
    static void flush() {
        System.err.flush();
        STDERR.flush();
    }
}
