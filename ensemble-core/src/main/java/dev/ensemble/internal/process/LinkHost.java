package dev.ensemble.internal.process;

import dev.ensemble.internal.backend.ExitResults;
import dev.ensemble.internal.backend.IdleSlots;
import dev.ensemble.internal.schedule.WorkSource;
import java.time.Duration;

/**
 * What a pool's worker links, their readers and spawns are given: the pool's settings, its codec and launcher,
 * where chunks come from and are reported, and the three events a link reports back. The parent side of the
 * transport knows this interface only; {@link ProcessBackend} implements it with a private class, so nothing on
 * that side reaches the backend itself.
 */
interface LinkHost {

    /** @return the pool's name, for thread names and messages */
    String poolName();

    /** @return how the pool's chunks are encoded and values read */
    ChunkCodec codec();

    /** @return how the pool's worker JVMs are started, and where their files are */
    WorkerLauncher launcher();

    /** @return where chunks are taken and reported: the pool's scheduler, or a member's queue */
    WorkSource source();

    /** @return where workers' exit-hook results are collected */
    ExitResults exitResults();

    /** @return the INIT frame every worker gets, built once */
    byte[] initFrame();

    /** @return how long an idle worker waits for another pool at close (zero: it exits) */
    Duration keepWarm();

    /** @return how long a worker may take to end after its exit hook */
    Duration exitGracePeriod();

    /** @return how long a worker's start hook may take, or null for no limit */
    Duration startHookTimeout();

    /** @return the tasks a worker runs before it is replaced, or 0 for no limit */
    long maxTasksPerWorker();

    /** @return the senders waiting for work: while any does, no worker gets a second chunk queued */
    IdleSlots idleSenders();

    /**
     * A chunk with a task timeout is being sent: a worker that freezes under it is to be killed.
     *
     * @param timeout the chunk's task timeout
     */
    void coverTimeout(Duration timeout);

    /**
     * A worker ended and everything it held was reported: its slot starts a replacement unless the pool stops.
     *
     * @param link the ended link
     * @param clean whether it ended because it was asked to
     */
    void linkEnded(WorkerLink link, boolean clean);

    /** A call ended early: every sender looks at its link for chunks of cancelled calls. */
    void wakeSenders();
}
