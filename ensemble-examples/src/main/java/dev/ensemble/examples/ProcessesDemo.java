package dev.ensemble.examples;

import dev.ensemble.CallOptions;
import dev.ensemble.TaskTimeoutException;
import dev.ensemble.WorkerPool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Worker processes: what isolation buys. Static state exists once per worker JVM, a worker that crashes is
 * replaced and its work re-run, a task that never ends is killed with its worker, and what cannot be sent to
 * another JVM is refused before anything is sent.
 */
final class ProcessesDemo {
    private ProcessesDemo() {
    }

    /** Legacy code with static mutable state: each worker JVM has its own copy. */
    static final class LegacySimulator {
        private static int runs;

        static synchronized int run() {
            return ++runs;
        }
    }

    static void run() {
        Path scratch;
        try {
            scratch = Files.createTempDirectory("ensemble-demo");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String crashedOnce = scratch.resolve("crashed-once").toString();
        long t0 = System.nanoTime();
        try (WorkerPool pool = WorkerPool.builder().workers(2).processes().name("processes").retries(1)
                .taskTimeout(Duration.ofSeconds(1)).build()) {
            System.out.printf("2 worker JVMs ready in %.0f ms; this JVM is %d, the workers are %s%n",
                    (System.nanoTime() - t0) / 1e6, ProcessHandle.current().pid(),
                    pool.broadcast(() -> ProcessHandle.current().pid()));

            System.out.println("static state, one copy per worker JVM: every worker's first run is "
                    + pool.broadcast(LegacySimulator::run));

            List<Integer> out = pool.map(IntStream.range(0, 1_000).boxed().toList(), x -> {
                if (x == 500 && firstTime(crashedOnce)) {
                    Runtime.getRuntime().halt(137); // a native crash, as far as the pool can tell
                }
                return x * 2;
            });
            System.out.println("a worker crashed mid-map: " + out.size() + " results in order: "
                    + (out.equals(IntStream.range(0, 1_000).map(x -> x * 2).boxed().toList())));
            // A broadcast needs every worker, so it also waits for the replacement to be up.
            System.out.println("the workers now: " + pool.broadcast(() -> ProcessHandle.current().pid())
                    + ", restarts " + pool.insights().workers().stream().mapToInt(w -> w.restarts()).sum());

            try {
                pool.map(List.of(1, 2, 3), x -> {
                    while (x == 2) {
                        Thread.onSpinWait(); // never ends, ignores interrupts
                    }
                    return x;
                }, CallOptions.defaults().chunkSize(1));
            } catch (TaskTimeoutException e) {
                System.out.println("a task that never ends: " + e.getMessage());
            }
            System.out.println("and the pool goes on: " + pool.map(List.of(1, 2, 3), x -> x * 10));

            Thread notData = new Thread(() -> { });
            try {
                pool.map(List.of(1), x -> notData.getName());
            } catch (IllegalArgumentException e) {
                String message = e.getMessage();
                int end = message.indexOf("cannot be serialized", message.indexOf("captured"));
                System.out.println("refused before sending: " + message.substring(0, end) + "cannot be serialized");
            }
        } finally {
            try {
                Files.deleteIfExists(Path.of(crashedOnce));
                Files.deleteIfExists(scratch);
            } catch (IOException ignored) {
                // a temporary directory
            }
        }
    }

    private static boolean firstTime(String marker) {
        try {
            Files.createFile(Path.of(marker));
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
