package dev.ensemble.internal.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** The library's log lines, as {@code java.util.logging} (the default) receives them. */
class LogTest {
    /** Names the logger; never logs itself. */
    private static final class Owner {
    }

    @Test
    void aLogLine_namesTheLoggersClass_andTheCallerThatLogged_notTheHelper() {
        Logger jul = Logger.getLogger(Owner.class.getName());
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                record.getSourceClassName(); // inferred from the stack on first use: now, while the caller is on it
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(handler);
        jul.setUseParentHandlers(false);
        try {
            Log.log(Owner.class, System.Logger.Level.WARNING, () -> "lazy");
            Log.log(Owner.class, System.Logger.Level.WARNING, "with a cause", new IllegalStateException("x"));
            Log.of(Owner.class).log(System.Logger.Level.WARNING, "through the instance");
        } finally {
            jul.removeHandler(handler);
            jul.setUseParentHandlers(true);
        }
        assertThat(records).extracting(LogRecord::getMessage)
                .containsExactly("lazy", "with a cause", "through the instance");
        assertThat(records).allSatisfy(r -> {
            assertThat(r.getLoggerName()).isEqualTo(Owner.class.getName());
            assertThat(r.getSourceClassName()).isEqualTo(LogTest.class.getName());
            assertThat(r.getSourceMethodName()).startsWith("aLogLine_");
        });
        assertThat(records.get(1).getThrown()).hasMessage("x");
    }

    @Test
    void aLevelTheApplicationTurnedOff_buildsNoMessage() {
        Logger jul = Logger.getLogger(Owner.class.getName());
        java.util.logging.Level before = jul.getLevel();
        jul.setLevel(java.util.logging.Level.OFF);
        try {
            Log.log(Owner.class, System.Logger.Level.ERROR, () -> {
                throw new AssertionError("built a message nobody logs");
            });
            assertThat(Log.of(Owner.class).isLoggable(System.Logger.Level.ERROR)).isFalse();
        } finally {
            jul.setLevel(before);
        }
    }
}
