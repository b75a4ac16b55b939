package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The first pool of a fresh JVM, where neither side has built Fory yet: the first calls travel JDK-serialized,
 * values that only Fory can carry (a record that is not {@link java.io.Serializable}) make either side build it
 * on the spot, in both directions, and the codecs switch to Fory as both sides get it. Run in a JVM of its own,
 * since the test JVM built its Fory long ago.
 */
@ExtendWith(LeakCheck.class)
class FirstPoolTest {
    /** The application: one pool, calls that cross every codec transition, each result printed. */
    public static final class FirstPool {
        /** Not serializable by the JDK. */
        record Point(int x, int y) {
        }

        public static void main(String[] args) throws Exception {
            try (WorkerPool pool = WorkerPool.processes(2)) {
                System.out.println("first: " + pool.apply(() -> 40 + 2));
                int base = 7;
                System.out.println("captured: " + pool.submit(() -> base * 6).get());
                System.out.println("records: " + pool.map(List.of(new Point(1, 2), new Point(3, 4)),
                        p -> new Point(p.y(), p.x())));
                System.out.println("results only Fory carries: " + pool.map(List.of(1, 2), i -> new Point(i, -i)));
                long sum = 0;
                for (int i = 0; i < 2_000; i++) {
                    int v = i;
                    sum += pool.apply(() -> v);
                }
                System.out.println("sum: " + sum);
                List<Integer> inputs = IntStream.range(0, 100_000).boxed().toList();
                System.out.println("map: " + pool.map(inputs, i -> i + 1L).stream().mapToLong(Long::longValue).sum());
            }
        }
    }

    @Test
    void theFirstPoolOfAJvm_carriesEveryValueAcrossTheCodecSwitch() throws Exception {
        String output = JavaApplication.run("-cp", System.getProperty("java.class.path"), FirstPool.class.getName());
        assertThat(output.lines()).as(output).contains("first: 42", "captured: 42",
                "records: [Point[x=2, y=1], Point[x=4, y=3]]",
                "results only Fory carries: [Point[x=1, y=-1], Point[x=2, y=-2]]",
                "sum: 1999000", "map: 5000050000");
    }
}
