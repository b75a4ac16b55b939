package dev.ensemble.internal;

import dev.ensemble.internal.schedule.AvailableInputs;
import java.util.Iterator;

/**
 * The inputs of a gatherer's call: elements handed over one by one by the stream's thread, read by the call's
 * feeder thread (which blocks for the next one).
 */
final class Handoff implements Iterable<Object>, Iterator<Object>, AvailableInputs {
    private static final Object END = new Object();
    private final java.util.concurrent.LinkedBlockingQueue<Object> queue =
            new java.util.concurrent.LinkedBlockingQueue<>();
    private Object next;

    void put(Object element) {
        queue.add(element == null ? NULL : element);
    }

    void end() {
        queue.add(END);
    }

    @Override
    public Iterator<Object> iterator() {
        return this;
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the call was cancelled: no more inputs
                return false;
            }
        }
        return next != END;
    }

    @Override
    public Object next() {
        if (!hasNext()) {
            throw new java.util.NoSuchElementException();
        }
        Object element = next;
        next = null;
        return element == NULL ? null : element;
    }

    @Override
    public int available() {
        return next != null && next != END ? 1 + queue.size() : queue.size();
    }

    private static final Object NULL = new Object();
}
