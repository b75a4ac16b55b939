package dev.ensemble.internal.schedule;

/**
 * A lazy source of inputs that can tell how many it holds now, without blocking (a hand-off queue). The call's
 * feeder ({@link InputFeeder}) then hands over what there is instead of waiting for a whole chunk: a producer that
 * waits for results before it gives more inputs never waits on inputs the feeder holds back.
 */
public interface AvailableInputs {
    /**
     * How many inputs the source's iterator would give now without blocking.
     *
     * @return the count, 0 if the next {@code hasNext()} may block
     */
    int available();
}
