package dev.ensemble.internal.cluster;

import dev.ensemble.Task;

/**
 * The worker of one slot of a pool on a member, for one incarnation ({@link #generation()}): a thread of the
 * member ({@link MemberWorker}) or a worker JVM that the member started ({@link MemberProcess}). Each request
 * is answered once, from the transport's thread that carried it, which waits for the answer.
 */
interface SlotWorker {

    /** @return which incarnation of the slot's worker this is */
    int generation();

    /**
     * Starts the worker and runs its start hook.
     *
     * @return OK with the start hook's nanos, or ERROR (the worker is then gone)
     */
    Reply start();

    /**
     * Runs a chunk, after the chunks of lower sequence numbers ({@code call.number}) of this incarnation.
     *
     * @param task the call's task
     * @param inputs the chunk's inputs
     * @param call the request
     * @return DONE, LOST (a worker JVM died under it), ABANDONED, NO_WORKER or SKIPPED; see {@link Request}
     */
    Reply run(Task<Object, Object> task, Object[] inputs, Request call);

    /**
     * The pool's call {@code callId} was cancelled: its running chunk stops between tasks, queued ones are skipped.
     * With {@code stopRunning} (the call's deadline passed), a task of it that runs now is stopped as a task
     * timeout would stop it: a thread is interrupted, a worker JVM killed and replaced.
     *
     * @param callId the call
     * @param stopRunning whether to stop its running task too
     */
    void cancel(long callId, boolean stopRunning);

    /**
     * Runs the exit hook and stops the worker, once nothing runs.
     *
     * @return OK with the exit hook's nanos
     */
    Reply stop();

    /**
     * Stops the worker now, without its exit hook; requests still waiting for it are answered NO_WORKER.
     *
     * @param interrupt whether to interrupt (threads) or kill (processes) a task that runs
     */
    void end(boolean interrupt);
}
