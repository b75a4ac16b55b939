package dev.ensemble.bench.compare;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The physical floor of a pool of worker JVMs: start {@link Sizes#WORKERS} bare JVMs at once, with the class path
 * of this JVM and the flags a worker gets (serial GC, no perf data, Unsafe allowed), and wait for one byte from
 * each over its standard output. A pool of worker JVMs cannot start faster than that. Only the start-up rows.
 */
final class FloorContestant extends Contestant {
    FloorContestant(Sizes sizes, PrintStream out) {
        super(sizes, out);
    }

    /** A worker that does nothing: its first byte says its {@code main} ran. */
    public static final class Echo {
        private Echo() {
        }

        /**
         * Writes one byte and ends.
         *
         * @param args ignored
         */
        public static void main(String[] args) {
            System.out.write('!');
            System.out.flush();
        }
    }

    @Override
    Measured<Integer> firstResult() throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:-UsePerfData", "--sun-misc-unsafe-memory-access=allow", "-cp",
                System.getProperty("java.class.path"), Echo.class.getName());
        long t0 = System.nanoTime();
        List<Process> workers = new ArrayList<>();
        try {
            for (int i = 0; i < Sizes.WORKERS; i++) {
                workers.add(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
            }
            for (Process w : workers) {
                InputStream in = w.getInputStream();
                if (in.read() != '!') {
                    throw new IllegalStateException("a bare JVM ended without answering");
                }
            }
            long took = System.nanoTime() - t0;
            return new Measured<>(took, 1);
        } finally {
            for (Process w : workers) {
                w.waitFor();
            }
        }
    }

    @Override
    void runRows() {
        for (Report.Row r : Report.ROWS) {
            if (!r.id().startsWith("start_") && !r.id().equals("kill")) {
                print("skip " + r.id() + " bare JVMs: start-up only");
            }
        }
        startRows();
    }

    @Override
    Pool pool(int workers) {
        throw new Unsupported("bare JVMs: start-up only");
    }

    @Override
    Broadcaster broadcaster() {
        throw new Unsupported("bare JVMs: start-up only");
    }

    @Override
    Measured<List<Long>> model(int initMillis, List<Integer> inputs) {
        throw new Unsupported("bare JVMs: start-up only");
    }

    @Override
    WordCounting wordCounting() {
        throw new Unsupported("bare JVMs: start-up only");
    }

    @Override
    String kill() {
        throw new Unsupported("bare JVMs: start-up only");
    }
}
