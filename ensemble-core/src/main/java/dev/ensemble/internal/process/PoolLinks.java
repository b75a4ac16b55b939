package dev.ensemble.internal.process;

import dev.ensemble.internal.backend.ExitResults;
import dev.ensemble.internal.backend.IdleSlots;
import dev.ensemble.internal.backend.PoolConfig;
import dev.ensemble.internal.schedule.WorkSource;
import java.time.Duration;

/**
 * What a {@link ProcessBackend}'s worker links share and report to ({@link LinkHost}): the pool's settings, its
 * codec, launcher and INIT frame, the source of chunks, the count of idle senders, and the slots and watchdog that
 * the links' events reach. One per backend, made with it.
 */
final class PoolLinks implements LinkHost {
    private final PoolConfig config;
    private final WorkerLauncher launcher;
    private final InitFrame initFrame;
    private final ProcessSlot[] slots;
    private final FrozenWatchdog watchdog;
    /** How chunks are encoded for this pool's workers and their values read back. */
    private final ChunkCodec codec = new ChunkCodec();
    private final ExitResults exitResults = new ExitResults();
    /** Senders waiting in {@code take}: while any is, no worker gets a second chunk queued. */
    private final IdleSlots idleSenders = new IdleSlots();
    /** Where the senders take chunks and the links report them: the pool's scheduler, or a member's queue. */
    private volatile WorkSource source;

    PoolLinks(PoolConfig config, WorkerLauncher launcher, InitFrame initFrame, ProcessSlot[] slots,
            FrozenWatchdog watchdog) {
        this.config = config;
        this.launcher = launcher;
        this.initFrame = initFrame;
        this.slots = slots;
        this.watchdog = watchdog;
    }

    /** Sets where chunks come from, as the backend starts. */
    void source(WorkSource source) {
        this.source = source;
    }

    @Override
    public String poolName() {
        return config.name();
    }

    @Override
    public ChunkCodec codec() {
        return codec;
    }

    @Override
    public WorkerLauncher launcher() {
        return launcher;
    }

    @Override
    public WorkSource source() {
        return source;
    }

    @Override
    public ExitResults exitResults() {
        return exitResults;
    }

    @Override
    public byte[] initFrame() {
        return initFrame.get();
    }

    @Override
    public Duration keepWarm() {
        return config.keepWarm();
    }

    @Override
    public Duration exitGracePeriod() {
        return config.exitGracePeriod();
    }

    @Override
    public Duration startHookTimeout() {
        return config.startHookTimeout();
    }

    @Override
    public long maxTasksPerWorker() {
        return config.maxTasksPerWorker();
    }

    @Override
    public IdleSlots idleSenders() {
        return idleSenders;
    }

    @Override
    public void coverTimeout(Duration timeout) {
        watchdog.cover(timeout);
    }

    @Override
    public void linkEnded(WorkerLink link, boolean clean) {
        slots[link.slot].linkEnded(link); // its slot starts the replacement unless the pool is stopping
    }

    @Override
    public void wakeSenders() {
        for (ProcessSlot slot : slots) {
            WorkerLink link = slot.currentLink();
            if (link != null) {
                link.wake();
            }
        }
    }
}
