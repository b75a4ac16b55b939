package dev.ensemble.internal.backend;

import dev.ensemble.internal.idle.SpinBudget;
import dev.ensemble.internal.schedule.Chunk;
import dev.ensemble.internal.schedule.WorkSource;

/**
 * The loop that feeds one worker slot, the same for a thread, a worker JVM and a cluster member's worker. It owns
 * the decisions every backend shares; what a worker is (how it runs a chunk, where its answers come from, how it
 * is replaced) stays behind {@link Worker}.
 *
 * <ul>
 *   <li><b>Take or poll.</b> A worker that holds nothing blocks in {@link WorkSource#take}, counted in the pool's
 *       {@link IdleSlots} meanwhile; one that holds chunks tops its pipeline up with {@link WorkSource#poll} while
 *       {@link Worker#awaitRoom} says it has room, and otherwise waits for an answer.</li>
 *   <li><b>Recycling.</b> It asks for at most the {@link Lifespan#room() room} of the worker's lifespan; once that
 *       is 0, it waits for what the worker holds, then {@linkplain Worker#recycle() recycles} it.</li>
 *   <li><b>Refusals.</b> A chunk the worker does not take (its lifespan, or it ended meanwhile) goes back to the
 *       source at once, to run on this slot's next worker or another slot.</li>
 *   <li><b>The end.</b> When {@code take} says no more work will come, the worker {@linkplain Worker#finish()
 *       finishes} (exit hook, or kept warm) and the loop returns; an interrupt ends it if the slot is stopping, and
 *       is otherwise taken as a wake-up.</li>
 * </ul>
 *
 * <p>Every chunk taken here gets exactly one report: from the worker once {@link Worker#give} took it, else
 * {@link WorkSource#returned} from here. The loop holds no lock while it calls the worker or the source.
 */
public final class SlotDriver {

    /** One slot's worker, as the driver feeds it. Called only from the driver's thread. */
    public interface Worker {

        /**
         * Waits until the worker may be given one more chunk, or holds none. A backend whose slot thread also reads
         * the answers (a cluster slot) reports them here while it waits.
         *
         * @return how many chunks the worker holds now, or -1 if the slot has no worker any more (the pool is
         *         stopping, or its worker could not be replaced): the loop ends
         * @throws InterruptedException if the thread is interrupted
         */
        int awaitRoom() throws InterruptedException;

        /**
         * How many more tasks the worker may be given before it is recycled.
         *
         * @return its lifespan's {@link Lifespan#room() room}
         */
        int room();

        /**
         * The worker holds chunks and is given nothing more now: waits until one is answered (or a while, so that
         * calls cancelled meanwhile are noticed).
         *
         * @throws InterruptedException if the thread is interrupted
         */
        void awaitAnswer() throws InterruptedException;

        /**
         * Whether a worker that holds chunks should look for one more now; a backend says no while other workers
         * wait idle, which the chunk could go to instead.
         *
         * @return true to poll
         */
        default boolean mayPipeline() {
            return true;
        }

        /**
         * Gives the worker a chunk: sends it, or runs it on this thread. A chunk it takes gets its report from the
         * worker's side (completed, lost or returned), even if it cannot be sent after all.
         *
         * @param chunk the chunk
         * @return false if the worker refused it (its lifespan, or it ended): the driver returns it
         * @throws InterruptedException if the thread is interrupted before the worker took the chunk (the driver
         *         returns it)
         */
        boolean give(Chunk chunk) throws InterruptedException;

        /**
         * The worker is due (no room left in its lifespan) and holds nothing: it exits and a new worker takes the
         * slot.
         *
         * @throws InterruptedException if the thread is interrupted
         */
        void recycle() throws InterruptedException;

        /**
         * No more work will come: the worker runs its exit hook and exits, or is kept warm.
         *
         * @throws InterruptedException if the thread is interrupted
         */
        void finish() throws InterruptedException;

        /**
         * The thread is about to wait in {@code take} ({@code true}), or is back ({@code false}); the pool's count
         * of such slots is the driver's ({@link IdleSlots}), this is for a backend's own per-slot flag.
         *
         * @param waiting which
         */
        default void idle(boolean waiting) {
        }

        /**
         * Whether the slot is stopping, so that an interrupt ends the loop.
         *
         * @return true once the pool is being killed or closed for good
         */
        boolean stopping();
    }

    private SlotDriver() {
    }

    /**
     * Feeds one slot's worker until no more work will come, the slot has no worker any more, or it is stopped.
     *
     * @param source where the chunks come from
     * @param slot the slot's id
     * @param worker the slot's worker
     * @param spin how long a take may spin before it waits (threads of this JVM), or null
     * @param idle the pool's count of slots waiting in take, or null if the backend does not pipeline
     */
    public static void run(WorkSource source, int slot, Worker worker, SpinBudget spin, IdleSlots idle) {
        while (true) {
            try {
                int held = worker.awaitRoom();
                if (held < 0) {
                    return;
                }
                int room = worker.room();
                if (room <= 0) {
                    if (held == 0) {
                        worker.recycle();
                    } else {
                        worker.awaitAnswer();
                    }
                    continue;
                }
                Chunk chunk;
                if (held == 0) {
                    if (idle != null) {
                        idle.enter();
                    }
                    worker.idle(true);
                    try {
                        chunk = source.take(slot, room, spin);
                    } finally {
                        worker.idle(false);
                        if (idle != null) {
                            idle.leave();
                        }
                    }
                    if (chunk == null) {
                        worker.finish();
                        return;
                    }
                } else {
                    chunk = worker.mayPipeline() ? source.poll(slot, room) : null;
                    if (chunk == null) {
                        worker.awaitAnswer();
                        continue;
                    }
                }
                boolean taken;
                try {
                    taken = worker.give(chunk);
                } catch (InterruptedException e) {
                    source.returned(slot, chunk);
                    throw e;
                }
                if (!taken) {
                    source.returned(slot, chunk);
                }
            } catch (InterruptedException e) {
                if (worker.stopping()) {
                    return;
                }
            }
        }
    }
}
