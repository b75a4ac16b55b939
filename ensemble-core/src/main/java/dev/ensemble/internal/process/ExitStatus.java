package dev.ensemble.internal.process;

/** Renders how a worker process ended. */
final class ExitStatus {
    private static final String[] SIGNALS = {null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL",
        "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM"};

    private ExitStatus() {
    }

    /**
     * Whether an exit value says the process ended by a signal.
     *
     * @param exitValue as {@link Process#exitValue()} gives it
     * @return true after a signal (128 + n)
     */
    static boolean bySignal(int exitValue) {
        return exitValue > 128 && exitValue < 128 + 65;
    }

    /**
     * Describes an exit value as {@link Process#exitValue()} gives it: 128 + n after signal n.
     *
     * @param exitValue the exit value
     * @return for example {@code "exit code 3"} or {@code "signal 9 (KILL)"}
     */
    static String describe(int exitValue) {
        if (bySignal(exitValue)) {
            int signal = exitValue - 128;
            String name = signal < SIGNALS.length ? SIGNALS[signal] : null;
            return "signal " + signal + (name != null ? " (" + name + ")" : "");
        }
        return "exit code " + exitValue;
    }
}
