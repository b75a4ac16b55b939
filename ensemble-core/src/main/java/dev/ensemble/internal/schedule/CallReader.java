package dev.ensemble.internal.schedule;

import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/**
 * The reader of a stream call's results ({@link Call#iterator()}), for one reader thread: takes the call's result
 * segments as they become readable, and throws the call's failure once the results before it were read. Waiting
 * is interruptible: an interrupted reader cancels the call. Its own position needs no lock; the call's state is
 * read under the scheduler's lock.
 *
 * @param <R> the results' type
 */
final class CallReader<R> implements Call.Reader<R> {
    private final Call<R> call;
    private final Scheduler scheduler;
    private final CallInputs inputs;
    private final ResultSegments results;
    private final Condition resultsReady;
    private final Call.Order order;
    private ResultSegments.Segment current;
    private int position;

    CallReader(Call<R> call, Scheduler scheduler, CallInputs inputs, ResultSegments results, Condition resultsReady,
            Call.Order order) {
        this.call = call;
        this.scheduler = scheduler;
        this.inputs = inputs;
        this.results = results;
        this.resultsReady = resultsReady;
        this.order = order;
    }

    @Override
    public boolean hasNext() {
        return hasNext(Wait.BLOCK);
    }

    @Override
    public boolean hasNextNow() {
        return hasNext(Wait.NONE);
    }

    private boolean hasNext(Wait wait) {
        if (current != null && position < current.count()) {
            return true;
        }
        scheduler.lock.lock();
        try {
            return advance(wait);
        } finally {
            scheduler.lock.unlock();
            scheduler.runAfterUnlock();
        }
    }

    private boolean advance(Wait wait) {
        while (true) {
            if (call.isCancelled() && call.failureIndex() < 0) {
                // Cancelled (closed, terminated, interrupted): results already here are not handed out.
                scheduler.streamRead(call);
                throw call.failure();
            }
            ResultSegments.Segment next = results.takeReady(call.failureIndex());
            if (next != null) {
                current = next;
                position = 0;
                scheduler.workAvailable();
                inputs.resultsTaken();
                if (next.count() > 0) {
                    return true;
                }
                continue;
            }
            if (call.failure() != null && (order == Call.Order.UNORDERED || inputs.pendingChunks() == 0
                    || results.nextIndexToRead() >= call.failureIndex())) {
                scheduler.streamRead(call);
                throw call.failure();
            }
            if (inputs.exhausted() && inputs.pendingChunks() == 0 && results.isEmpty()) {
                scheduler.streamRead(call);
                return false;
            }
            if (wait == Wait.NONE) {
                return false;
            }
            try {
                resultsReady.await(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                CancellationException cancel = new CancellationException(
                        "the thread reading " + call.name() + " was interrupted; the call was cancelled");
                call.cancel(cancel);
                throw cancel;
            }
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public R next() {
        if (!hasNext()) {
            throw new NoSuchElementException("no more results in " + call.name());
        }
        return (R) current.values()[position++];
    }

    private enum Wait { BLOCK, NONE }
}
