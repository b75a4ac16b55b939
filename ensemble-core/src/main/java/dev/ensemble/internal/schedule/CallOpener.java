package dev.ensemble.internal.schedule;

import dev.ensemble.CallOptions;
import dev.ensemble.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Opens a scheduler's calls: classifies a call's inputs before the lock is taken ({@link CallInputs.Source}),
 * makes the call with its options' bounds, worker lifespan and timeouts and registers it under the lock (live
 * calls, queues, unread streams, observers), then starts its feeder and arms its deadline; or makes a call of
 * placed inputs, one chunk per input on its slot. Ends a call whose deadline passed, and tells the backend.
 */
final class CallOpener {
    private final Scheduler scheduler;
    private final LiveCalls calls;
    private final WorkQueues queues;
    private final Dispatch dispatch;
    private final CallEvents callEvents;
    private final AtomicLong callIds = new AtomicLong();
    private final int size;
    private final Duration taskTimeout;
    /** Where a call ended by its deadline is reported, to stop the workers running its tasks. */
    private volatile java.util.function.LongConsumer deadlinePassed;

    CallOpener(Scheduler scheduler, LiveCalls calls, WorkQueues queues, Dispatch dispatch, CallEvents callEvents,
            int size, Duration taskTimeout) {
        this.scheduler = scheduler;
        this.calls = calls;
        this.queues = queues;
        this.dispatch = dispatch;
        this.callEvents = callEvents;
        this.size = size;
        this.taskTimeout = taskTimeout;
    }

    void onDeadlinePassed(java.util.function.LongConsumer action) {
        deadlinePassed = action;
    }

    /** As {@link Scheduler#open}. */
    <R> Call<R> open(String name, Task<Object, Object> task, Iterable<?> inputs, Call.Order order,
            Call.Shape shape, Call.OnFailure onFailure, CallOptions options) {
        int maxInFlight = options.maxChunksInFlight() > 0 ? options.maxChunksInFlight() : 4 * size;
        String callName = options.name() != null ? options.name() : name;
        CallInputs.Source source = CallInputs.Source.of(inputs, callName); // user code: never under the lock
        Call<R> call;
        scheduler.lock.lock();
        try {
            calls.requireRunning(name);
            long maxBytes = options.maxBytesInFlight() > 0 ? options.maxBytesInFlight()
                    : CallOptions.DEFAULT_MAX_BYTES_IN_FLIGHT;
            call = new Call<>(scheduler, callIds.incrementAndGet(), callName, task, source, order, shape,
                    onFailure, Call.Kind.INPUTS, options.chunkSize(), maxInFlight, maxBytes,
                    options.taskTimeout() != null ? options.taskTimeout() : taskTimeout);
            if (options.maxTasksPerWorker() > 0) {
                call.lifespan().set(options.maxTasksPerWorker(), size);
            }
            calls.opened(call);
            queues.producing(call);
            scheduler.afterUnlock(callEvents.opened(call, options));
            dispatch.signalWork();
        } finally {
            scheduler.unlockAndRun();
        }
        call.inputs().startFeeder();
        if (options.timeout() != null) {
            call.setDeadline(Deadlines.schedule(new Expiry(call, options.timeout()), options.timeout()));
        }
        return call;
    }

    /**
     * The timer's action: ends the call, if still running, with a CallTimeoutException. A class of its own, loaded
     * by the first call with a timeout: verifying the opener would otherwise load the exception's class on every
     * pool's start (docs/start-up.md).
     */
    private final class Expiry implements Runnable {
        private final Call<?> call;
        private final Duration timeout;

        Expiry(Call<?> call, Duration timeout) {
            this.call = call;
            this.timeout = timeout;
        }

        @Override
        public void run() {
            long finished = call.completedTasks();
            long total = call.total();
            String what = call.name() + " ran past its timeout of " + timeout + ": " + finished + " of "
                    + (total >= 0 ? String.valueOf(total) : "an open-ended number of") + " inputs had finished; the "
                    + "rest were cancelled and the workers running them stopped";
            boolean ended;
            scheduler.lock.lock();
            try {
                ended = calls.holds(call);
                if (ended) {
                    call.cancel(new dev.ensemble.CallTimeoutException(what, timeout, finished, total));
                    dispatch.signalWork();
                }
            } finally {
                scheduler.unlockAndRun();
            }
            java.util.function.LongConsumer stop = deadlinePassed;
            if (ended && stop != null) {
                stop.accept(call.id());
            }
        }
    }

    /** As {@link Scheduler#openPlaced(String, Task, List, int[], Call.Kind, Scheduler.Wake)}. */
    <R> Call<R> openPlaced(String name, Task<Object, Object> task, List<?> inputs, int[] slots, Call.Kind kind,
            Scheduler.Wake wake) {
        scheduler.lock.lock();
        try {
            calls.requireRunning(name);
            Call<R> call = new Call<>(scheduler, callIds.incrementAndGet(), name, task, CallInputs.Source.NONE,
                    Call.Order.ORDERED, Call.Shape.COLLECT, Call.OnFailure.FAIL_FAST, kind, 1, Integer.MAX_VALUE,
                    Long.MAX_VALUE,
                    taskTimeout);
            calls.opened(call);
            for (int i = 0; i < slots.length; i++) {
                List<Object> one = new ArrayList<>(1);
                one.add(inputs.get(i));
                Chunk chunk = call.inputs().presetChunk(i, one, slots[i]);
                queues.add(chunk);
            }
            scheduler.afterUnlock(callEvents.opened(call, null));
            if (wake == Scheduler.Wake.WORKERS) {
                dispatch.signalWork();
            } else {
                dispatch.workChangedQuietly(); // a spinning worker may take it; none is woken
            }
            return call;
        } finally {
            scheduler.unlockAndRun();
        }
    }
}
