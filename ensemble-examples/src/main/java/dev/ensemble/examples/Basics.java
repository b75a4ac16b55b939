package dev.ensemble.examples;

import dev.ensemble.CallOptions;
import dev.ensemble.Outcome;
import dev.ensemble.TaskFailedException;
import dev.ensemble.WorkerContext;
import dev.ensemble.WorkerPool;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** The foundation in one page: map, an endless stream, a failure and its message, outcomes, context, insights. */
final class Basics {
    private Basics() {
    }

    static void run() {
        List<Integer> numbers = IntStream.range(0, 1_000_000).boxed().toList();
        try (WorkerPool pool = WorkerPool.builder().workers(2).name("basics").build()) {
            long t0 = System.nanoTime();
            List<Long> squares = pool.map(numbers, x -> (long) x * x);
            long sum = squares.stream().mapToLong(Long::longValue).sum();
            System.out.printf("map: %,d squares in input order in %.0f ms; sum = %,d (expected %,d)%n",
                    squares.size(), (System.nanoTime() - t0) / 1e6, sum, expectedSumOfSquares(numbers.size()));

            // An endless input: the stream reads inputs only as fast as results are consumed.
            Iterable<Integer> naturals = () -> Stream.iterate(1, n -> n + 1).iterator();
            try (Stream<Integer> primes = pool.stream(naturals, n -> isPrime(n) ? n : 0)) {
                System.out.println("stream over an endless input, first 10 primes: "
                        + primes.filter(p -> p > 0).limit(10).toList());
            }

            System.out.println("broadcast, one answer per worker: "
                    + pool.broadcast(() -> "worker " + WorkerContext.current().workerId() + " of "
                            + WorkerContext.current().workerCount()));

            try {
                pool.map(List.of("1", "2", "three", "4"), Integer::parseInt, CallOptions.defaults().name("parse"));
            } catch (TaskFailedException e) {
                System.out.println("a failing task gives: " + e.getMessage());
                System.out.println("  its cause: " + e.getCause());
            }
            List<Outcome<Integer>> outcomes = pool.mapOutcomes(List.of("1", "x", "3"), Integer::parseInt);
            System.out.println("mapOutcomes keeps going: " + outcomes.stream()
                    .map(o -> o.isSuccess() ? "ok " + o.getOrThrow() : "failed at " + o.index()).toList());
            System.out.println();
            System.out.print(pool.insights().toTable());
        }
    }

    static long expectedSumOfSquares(long n) {
        return (n - 1) * n * (2 * n - 1) / 6;
    }

    static boolean isPrime(int n) {
        if (n < 2) {
            return false;
        }
        for (int d = 2; (long) d * d <= n; d++) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }
}
