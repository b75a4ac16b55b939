package dev.ensemble;

/**
 * The result or the error of one input, from the {@code *Outcomes} variants such as
 * {@link WorkerPool#mapOutcomes}: every input gets one, and a failure does not stop the others.
 *
 * <pre>{@code
 * for (Outcome<Integer> o : pool.mapOutcomes(inputs, x -> parse(x))) {
 *     switch (o) {
 *         case Outcome.Success<Integer> s -> use(s.value());
 *         case Outcome.Failure<Integer> f -> log(f.error());
 *     }
 * }
 * }</pre>
 *
 * @param <R> the result type
 */
public sealed interface Outcome<R> permits Outcome.Success, Outcome.Failure {

    /**
     * The input's position in the call's inputs.
     *
     * @return the index, counting from 0
     */
    long index();

    /**
     * Whether the task returned normally.
     *
     * @return {@code true} for a {@link Success}
     */
    boolean isSuccess();

    /**
     * The result, or the failure thrown.
     *
     * @return the task's result for a {@link Success}
     * @throws TaskFailedException the error of a {@link Failure}
     */
    R getOrThrow();

    /**
     * A task that returned a value.
     *
     * @param index the input's index
     * @param value what the task returned, possibly {@code null}
     * @param <R> the result type
     */
    record Success<R>(long index, R value) implements Outcome<R> {
        @Override
        public boolean isSuccess() {
            return true;
        }

        @Override
        public R getOrThrow() {
            return value;
        }
    }

    /**
     * A task that failed: it threw, its worker died, or it timed out.
     *
     * @param index the input's index
     * @param error the failure, naming worker, index and input; its subclass says which kind
     * @param <R> the result type
     */
    record Failure<R>(long index, TaskFailedException error) implements Outcome<R> {
        /**
         * Checks the error is present.
         *
         * @param index the input's index
         * @param error the failure
         */
        public Failure {
            if (error == null) {
                throw new IllegalArgumentException("a Failure needs its error; got null");
            }
        }

        @Override
        public boolean isSuccess() {
            return false;
        }

        @Override
        public R getOrThrow() {
            throw error;
        }
    }
}
