package dev.ensemble.internal.cluster;

import dev.ensemble.internal.backend.Pipelining;
import dev.ensemble.spi.cluster.ClusterTransport;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * A cluster pool's requests to its members: sends a {@link Request}, waits for its {@link Reply} or its member's
 * departure, whichever comes first, and meanwhile tells members about cancelled calls and probes the silent ones,
 * so that a frozen member is given up rather than waited for. Used by every slot thread at once: thread-safe.
 */
final class MemberRequests {
    /** How often a waiting slot looks at its chunks' calls for cancellation (and at the member's silence). */
    static final long CANCEL_CHECK_MILLIS = TimeUnit.NANOSECONDS.toMillis(Pipelining.CANCEL_CHECK_NANOS);
    /**
     * How long a member may stay silent about a cancelled chunk (or a closing pool) before it is probed, and how
     * long it then has to answer the probe. A probe runs on a thread of its own on the member, so a member that is
     * only busy answers it at once; one that answers nothing is frozen (stopped, or in a long pause).
     */
    static final long PROBE_AFTER_MILLIS = 1_000;
    private static final long PROBE_ANSWER_MILLIS = 2_000;

    private final ClusterTransport transport;
    private final String poolId;
    /** The pool's task timeout, for the message that gives a frozen member up; null for none. */
    private final Duration taskTimeout;
    /** Whether the pool is being terminated, so that an interrupted wait says so. */
    private final BooleanSupplier stopping;

    MemberRequests(ClusterTransport transport, String poolId, Duration taskTimeout, BooleanSupplier stopping) {
        this.transport = transport;
        this.poolId = poolId;
        this.taskTimeout = taskTimeout;
        this.stopping = stopping;
    }

    /** A liveness probe sent to a member at {@code sentNanos}. */
    record Probe(CompletableFuture<Reply> reply, long sentNanos) {
        /**
         * Whether to send a (new) probe: none was sent, or the last one was answered (an error is an answer too:
         * the member is not frozen) and is a while old.
         */
        static boolean due(Probe last, long now) {
            return last == null
                    || last.reply.isDone() && now - last.sentNanos > TimeUnit.MILLISECONDS.toNanos(PROBE_AFTER_MILLIS);
        }

        /** @return whether the member has had its time to answer and did not */
        boolean overdue(long now) {
            return !reply.isDone() && now - sentNanos > TimeUnit.MILLISECONDS.toNanos(PROBE_ANSWER_MILLIS);
        }
    }

    /** Sends a liveness probe to a member (see {@link Probe}). */
    Probe probe(MemberLink link, long now) {
        return new Probe(send(link, new Request(Request.PROBE, "")), now);
    }

    /** Sends a request to a member; the future fails if it cannot even be sent. */
    CompletableFuture<Reply> send(MemberLink link, Request call) {
        CompletableFuture<byte[]> answer;
        try {
            answer = transport.send(link.member, call.encode());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return answer.thenApply(bytes -> {
            link.frozen = false; // it answers again: slots may move there
            return Reply.decode(bytes);
        });
    }

    /**
     * Waits for a reply or for the member's departure, whichever comes first; meanwhile tells the member about
     * cancelled calls among {@code flights} (so that it stops them between tasks and skips those not started).
     */
    Reply await(MemberLink link, CompletableFuture<Reply> reply, ArrayDeque<Flight> flights)
            throws MemberGone {
        return await(link, reply, flights, 0);
    }

    /**
     * As {@link #await(MemberLink, CompletableFuture, ArrayDeque)}, giving up on the member at {@code deadline}
     * ({@link System#nanoTime()}; 0 for none): a member that answers nothing by then is frozen (stopped, or in a
     * long pause), and its chunk is treated as lost with it.
     */
    Reply await(MemberLink link, CompletableFuture<Reply> reply, ArrayDeque<Flight> flights, long deadline)
            throws MemberGone {
        CompletableFuture<Object> either = CompletableFuture.anyOf(reply, link.gone);
        long since = System.nanoTime();
        Probe probe = null;
        while (true) {
            try {
                either.get(CANCEL_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                break;
            } catch (TimeoutException e) {
                if (flights != null) {
                    sendCancels(flights);
                }
                long now = System.nanoTime();
                if (deadline != 0 && now - deadline > 0) {
                    link.frozen = true;
                    throw new MemberGone(link + " answered nothing for " + TimeUnit.NANOSECONDS.toMillis(now - since)
                            + " ms while running a chunk under a task timeout of " + taskTimeout
                            + ": it is frozen (stopped, or in a long pause)", null);
                }
                // Nobody needs a cancelled chunk's answer: a member that keeps silent about it is probed, and one
                // that answers no probe either is given up (so that close() does not wait for a frozen member).
                Flight head = flights == null ? null : flights.peek();
                if (head != null && head.reply == reply && head.cancelSent
                        && now - head.cancelSentNanos > TimeUnit.MILLISECONDS.toNanos(PROBE_AFTER_MILLIS)) {
                    if (Probe.due(probe, now)) {
                        probe = probe(link, now);
                    } else if (probe.overdue(now)) {
                        link.frozen = true;
                        throw new MemberGone(link + " answered nothing, not even a probe, for "
                                + TimeUnit.NANOSECONDS.toMillis(now - head.cancelSentNanos) + " ms after its chunk's "
                                + "call was cancelled: it is frozen (stopped, or in a long pause)", null);
                    }
                }
            } catch (InterruptedException e) {
                if (stopping.getAsBoolean()) {
                    throw new MemberGone("the pool was terminated", e);
                }
                Thread.currentThread().interrupt();
                throw new MemberGone("interrupted", e);
            } catch (ExecutionException e) {
                break;
            }
        }
        if (!reply.isDone()) {
            throw new MemberGone(link + " left the cluster", null);
        }
        try {
            return reply.join();
        } catch (RuntimeException e) {
            Throwable cause = e;
            while ((cause instanceof java.util.concurrent.CompletionException || cause instanceof ExecutionException)
                    && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (transport.isDeparture(cause) || !transport.running() || !transport.isMember(link.member)) {
                link.gone.complete(null);
                throw new MemberGone(link + " left the cluster (" + cause.getClass().getSimpleName() + ")", cause);
            }
            throw new IllegalStateException("the request to " + link + " failed: " + cause, cause);
        }
    }

    /** Tells the members about the cancelled calls among {@code flights}, once per call. */
    void sendCancels(ArrayDeque<Flight> flights) {
        for (Flight f : flights) {
            if (!f.cancelSent && f.chunk.isCancelled()) {
                long now = System.nanoTime();
                for (Flight g : flights) {
                    if (!g.cancelSent && g.chunk.callId() == f.chunk.callId()) {
                        g.cancelSent = true;
                        g.cancelSentNanos = now;
                    }
                }
                cancel(f.home, f.chunk.callId());
            }
        }
    }

    /**
     * Tells a member that a call was cancelled: it stops the call's running chunk between tasks and skips its
     * queued ones. The request is sent without waiting for its answer.
     */
    void cancel(MemberLink link, long callId) {
        send(link, cancelCall(callId, (byte) 0));
    }

    /**
     * Tells a member that a call's deadline passed: as {@link #cancel}, and its tasks that run now are stopped (a
     * thread interrupted, a worker JVM killed and replaced). Sent without waiting for its answer.
     */
    void stopRunning(MemberLink link, long callId) {
        send(link, cancelCall(callId, Request.FLAG_STOP_RUNNING));
    }

    private Request cancelCall(long callId, byte flags) {
        Request cancel = new Request(Request.CANCEL_CALL, poolId);
        cancel.callId = callId;
        cancel.flags = flags;
        return cancel;
    }
}
