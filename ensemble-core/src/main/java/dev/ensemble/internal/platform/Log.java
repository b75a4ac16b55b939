package dev.ensemble.internal.platform;

import java.util.function.Supplier;

/**
 * The library's diagnostics, through {@link System.Logger}: they go wherever the application sends its logs
 * ({@code java.util.logging} by default; SLF4J or Log4j through their {@code System.LoggerFinder}). The logger is
 * looked up when a message is logged, not when a class is initialized: a lookup costs about 3 ms in a fresh JVM,
 * and the classes that log sit on the start path of pools and workers. Loggers are named after the class that
 * logs ({@code dev.ensemble.internal...}).
 */
public final class Log {
    private Log() {
    }

    /**
     * Logs a message, built only if the level is enabled.
     *
     * @param owner the class whose logger logs it
     * @param level the level
     * @param message the message
     */
    public static void log(Class<?> owner, System.Logger.Level level, Supplier<String> message) {
        System.Logger logger = System.getLogger(owner.getName());
        if (logger.isLoggable(level)) {
            logger.log(level, message.get());
        }
    }

    /**
     * Logs a message with the exception that caused it, and its stack trace.
     *
     * @param owner the class whose logger logs it
     * @param level the level
     * @param message the message
     * @param error the exception
     */
    public static void log(Class<?> owner, System.Logger.Level level, String message, Throwable error) {
        System.Logger logger = System.getLogger(owner.getName());
        if (logger.isLoggable(level)) {
            logger.log(level, message, error);
        }
    }
}
