package dev.ensemble.internal.schedule;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Reads the inputs of one call from a lazy source (any {@link Iterable} that is not a collection) on a thread of
 * its own, never under the scheduler's lock: a source that is slow or blocks (a queue, a socket, a generator)
 * delays only its own call, never another call, {@code close()} or {@code terminate()}.
 *
 * <p>The feeder reads a chunk's worth of inputs at a time (the size the call's planner picks) and hands it to the
 * call, staying at most {@link #READ_AHEAD_CHUNKS} chunks ahead of the workers and, for a stream, within the
 * stream's bound of chunks in flight. It asks {@code hasNext} only when it wants another input, so a source that
 * blocks at its end does not hold back the chunk before it. A cancelled call interrupts the feeder, which a
 * blocking source may honour; one that does not keeps only this thread (virtual, so cheap) until it returns.
 * A throw from the source fails the call at the index being read.
 */
final class InputFeeder implements Runnable {

    /** Enough to keep workers busy while the next chunk is read; small, since a stream's bound includes them. */
    static final int READ_AHEAD_CHUNKS = 2;

    private final Call<?> call;
    private final CallInputs callInputs;
    private final Iterable<?> source;

    private InputFeeder(Call<?> call, Iterable<?> source) {
        this.call = call;
        this.callInputs = call.inputs();
        this.source = source;
    }

    /**
     * Starts a feeder for a call, on a virtual thread that inherits the caller's context class loader.
     *
     * @param call the call
     * @param source its inputs
     * @param poolName for the thread's name
     * @return the started thread
     */
    static Thread start(Call<?> call, Iterable<?> source, String poolName) {
        return Thread.ofVirtual().name("ensemble-inputs-" + poolName + "-" + call.id())
                .start(new InputFeeder(call, source));
    }

    @Override
    public void run() {
        Iterator<?> inputs;
        try {
            inputs = source.iterator();
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            callInputs.inputsFailed(List.of(), failure(e, 0));
            return;
        }
        while (true) {
            int wanted;
            try {
                wanted = callInputs.awaitInputWanted();
            } catch (InterruptedException e) {
                return; // the call was cancelled
            }
            if (wanted <= 0) {
                return;
            }
            List<Object> items = new ArrayList<>(Math.min(wanted, 1024));
            boolean end = false;
            AvailableInputs hint = inputs instanceof AvailableInputs a ? a : null;
            try {
                while (items.size() < wanted) {
                    if (hint != null && !items.isEmpty() && hint.available() == 0) {
                        break; // hand over what there is: more may come only after results go out
                    }
                    if (!inputs.hasNext()) {
                        end = true;
                        break;
                    }
                    items.add(inputs.next());
                }
            } catch (RuntimeException | LinkageError | StackOverflowError e) {
                callInputs.inputsFailed(items, failure(e, callInputs.nextInputIndex() + items.size()));
                return;
            }
            if (!callInputs.offer(items, end)) {
                return;
            }
        }
    }

    private RuntimeException failure(Throwable error, long index) {
        return new IllegalStateException("reading the inputs of " + call.name() + " failed at index " + index + ": "
                + Inputs.describe(error), error);
    }
}
