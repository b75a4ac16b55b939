package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.Serial;
import java.util.List;
import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Classes of common libraries travel to worker processes and back, as inputs, results and shared objects, even
 * where the fast serializer cannot handle them (commons-math3's statistics: its generated code does not compile
 * for them); exceptions arrive as their own class.
 */
@ExtendWith(LeakCheck.class)
class LibraryTypesTest {
    /** A chunk size at which inputs go by Fory whatever has been built yet. */
    private static final int LARGE_CHUNK = 64;

    private static SummaryStatistics summaryOf(int n) {
        SummaryStatistics s = new SummaryStatistics();
        for (int i = 1; i <= n; i++) {
            s.addValue(i * 1.5);
        }
        return s;
    }

    private static DescriptiveStatistics descriptiveOf(int n) {
        DescriptiveStatistics s = new DescriptiveStatistics();
        for (int i = 1; i <= n; i++) {
            s.addValue(i * 2.5);
        }
        return s;
    }

    @Test
    void commonsMathStatistics_travelAsResults() {
        try (WorkerPool pool = WorkerPool.processes(2)) {
            // More inputs than the first-call path takes, so that the fast serializer carries them too.
            List<Integer> sizes = java.util.stream.IntStream.rangeClosed(1, 100).boxed().toList();
            List<SummaryStatistics> summaries = pool.map(sizes, LibraryTypesTest::summaryOf);
            List<DescriptiveStatistics> descriptives = pool.map(sizes, LibraryTypesTest::descriptiveOf);
            for (int i = 0; i < sizes.size(); i++) {
                assertThat(summaries.get(i)).isEqualTo(summaryOf(sizes.get(i)));
                assertThat(descriptives.get(i).getValues()).containsExactly(descriptiveOf(sizes.get(i)).getValues());
            }
        }
    }

    @Test
    void commonsMathStatistics_travelAsInputs() {
        try (WorkerPool pool = WorkerPool.processes(2)) {
            List<SummaryStatistics> inputs = java.util.stream.IntStream.rangeClosed(1, 100)
                    .mapToObj(LibraryTypesTest::summaryOf).toList();
            // Chunks this large travel by the fast serializer, never by the first-call path.
            CallOptions large = CallOptions.defaults().chunkSize(LARGE_CHUNK);
            assertThat(pool.map(inputs, SummaryStatistics::getN, large))
                    .isEqualTo(java.util.stream.LongStream.rangeClosed(1, 100).boxed().toList());
            List<DescriptiveStatistics> descriptives = java.util.stream.IntStream.rangeClosed(1, 100)
                    .mapToObj(LibraryTypesTest::descriptiveOf).toList();
            assertThat(pool.map(descriptives, DescriptiveStatistics::getMax, large)).first().isEqualTo(2.5);
        }
    }

    @Test
    void commonsMathStatistics_travelAsSharedObjects() {
        try (WorkerPool pool = WorkerPool.builder().workers(2).processes().sharedObjects(summaryOf(10)).build()) {
            assertThat(pool.broadcast(() -> WorkerContext.current().<SummaryStatistics>shared().getMean()))
                    .containsExactly(summaryOf(10).getMean(), summaryOf(10).getMean());
        }
    }

    @Test
    void commonsMathStatistics_travelAsCapturedValues() {
        SummaryStatistics summary = summaryOf(7);
        DescriptiveStatistics descriptive = descriptiveOf(5);
        try (WorkerPool pool = WorkerPool.processes(2)) {
            List<Integer> inputs = java.util.stream.IntStream.range(0, 100).boxed().toList();
            assertThat(pool.map(inputs, x -> summary.getN() + (long) descriptive.getN() + x))
                    .isEqualTo(java.util.stream.LongStream.range(12, 112).boxed().toList());
        }
    }

    /** An exception with a field that cannot be serialized: it still arrives as its own class. */
    static final class HoldsAThread extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;
        @SuppressWarnings("serial") // on purpose: what users write
        private final Object owner = Thread.currentThread();

        HoldsAThread(String message) {
            super(message);
        }

        Object owner() {
            return owner;
        }
    }

    @Test
    void anExceptionWithAnUnserializableField_arrivesAsItsOwnClass() {
        try (WorkerPool pool = WorkerPool.processes(1)) {
            Throwable failure = catchThrowable(() -> pool.map(List.of(1), x -> {
                throw new HoldsAThread("bad " + x);
            }));
            assertThat(failure).isInstanceOf(TaskFailedException.class).cause().isInstanceOf(HoldsAThread.class)
                    .hasMessage("bad 1");
        }
    }
}
