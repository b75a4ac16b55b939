package dev.ensemble.internal;

import dev.ensemble.CallOptions;
import dev.ensemble.Task;
import dev.ensemble.internal.schedule.Call;
import java.util.concurrent.CancellationException;
import java.util.stream.Gatherer;

/**
 * One use of a pool's gatherer ({@code WorkerPool.mapping}): its stream call, opened with the first element and fed
 * through a {@link Handoff}, and how far its results have gone downstream. It keeps at most a window of elements
 * ahead of the results it pushed, and cancels the call when the stream stops wanting results or fails downstream.
 */
final class Gathering<R> {
    private final PoolImpl pool;
    private final String what;
    private final Task<Object, Object> task;
    private final CallOptions options;
    private final Call.Order order;
    private final int window;
    private final Handoff inputs = new Handoff();
    private Call<R> call;
    private Call.Reader<R> results;
    private long offered;
    private long pushed;

    Gathering(PoolImpl pool, String what, Task<Object, Object> task, CallOptions options, Call.Order order,
            int window) {
        this.pool = pool;
        this.what = what;
        this.task = task;
        this.options = options;
        this.order = order;
        this.window = window;
    }

    boolean accept(Object element, Gatherer.Downstream<? super R> downstream) {
        if (call == null) {
            if (pool.backend().isWorkerThread()) {
                throw pool.nestedCall(what);
            }
            call = pool.scheduler().open(what, task, inputs, order, Call.Shape.STREAM, Call.OnFailure.FAIL_FAST,
                    options);
            results = call.iterator();
        }
        inputs.put(element);
        offered++;
        while (results.hasNextNow()) {
            if (!push(downstream)) {
                return false;
            }
        }
        while (offered - pushed >= window && results.hasNext()) {
            if (!push(downstream)) {
                return false;
            }
        }
        return true;
    }

    void finish(Gatherer.Downstream<? super R> downstream) {
        if (call == null) {
            return;
        }
        inputs.end();
        while (!downstream.isRejecting() && results.hasNext()) {
            if (!push(downstream)) {
                return;
            }
        }
        stop("the stream no longer wanted results");
    }

    private boolean push(Gatherer.Downstream<? super R> downstream) {
        boolean more;
        try {
            more = downstream.push(results.next());
        } catch (RuntimeException | Error e) {
            stop("the stream failed downstream");
            throw e;
        }
        pushed++;
        if (!more) {
            stop("the stream no longer wanted results (limit, findFirst, ...)");
        }
        return more;
    }

    private void stop(String why) {
        inputs.end();
        pool.scheduler().cancel(call, new CancellationException(what + ": " + why));
    }
}
