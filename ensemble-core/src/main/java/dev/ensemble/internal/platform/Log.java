package dev.ensemble.internal.platform;

import java.util.ResourceBundle;
import java.util.function.Supplier;

/**
 * The library's diagnostics, through {@link System.Logger}: they go wherever the application sends its logs
 * ({@code java.util.logging} by default; SLF4J or Log4j through their {@code System.LoggerFinder}). The logger is
 * looked up when a message is logged, not when a class is initialized: a lookup costs about 3 ms in a fresh JVM,
 * and the classes that log sit on the start path of pools and workers. Loggers are named after the class that
 * logs ({@code dev.ensemble.internal...}).
 *
 * <p>This class is itself a {@link System.Logger} (for the class given to {@link #of}) so that the JDK's loggers,
 * which skip the frames of logger classes when they find where a message came from, name the library class that
 * logged, not this helper.
 */
public final class Log implements System.Logger {
    private final Class<?> owner;

    private Log(Class<?> owner) {
        this.owner = owner;
    }

    /**
     * A logger for a class, looked up only when it logs.
     *
     * @param owner the class whose logger logs
     * @return the logger
     */
    public static Log of(Class<?> owner) {
        return new Log(owner);
    }

    /**
     * Logs a message, built only if the level is enabled.
     *
     * @param owner the class whose logger logs it
     * @param level the level
     * @param message the message
     */
    public static void log(Class<?> owner, Level level, Supplier<String> message) {
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
    public static void log(Class<?> owner, Level level, String message, Throwable error) {
        System.Logger logger = System.getLogger(owner.getName());
        if (logger.isLoggable(level)) {
            logger.log(level, message, error);
        }
    }

    @Override
    public String getName() {
        return owner.getName();
    }

    @Override
    public boolean isLoggable(Level level) {
        return System.getLogger(owner.getName()).isLoggable(level);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String message, Throwable error) {
        System.getLogger(owner.getName()).log(level, bundle, message, error);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        System.getLogger(owner.getName()).log(level, bundle, format, params);
    }
}
