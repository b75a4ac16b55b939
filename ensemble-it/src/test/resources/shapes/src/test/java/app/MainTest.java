package app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The application's own test, run by Surefire with its defaults (a manifest-only jar on the class path). */
class MainTest {
    @Test
    void runsOnWorkerProcessesAndACluster() {
        assertEquals(Expected.LINES, Main.run());
    }

    /** What the application prints when everything works. */
    static final class Expected {
        static final List<String> LINES = List.of(
                "map: [Point[x=1, y=1], Point[x=2, y=4], Point[x=3, y=9]] own class: true",
                "failure: bad 2 own class: true",
                "shared: 499500.0 read back: 999.0",
                "ensemble: [2, 2]",
                "cluster: [Point[x=1, y=1], Point[x=2, y=4], Point[x=3, y=9]] own class: true");
    }
}
