package dev.ensemble.internal.cluster;

import dev.ensemble.Task;
import dev.ensemble.internal.worker.FreezeClock;
import dev.ensemble.internal.worker.Lru;
import dev.ensemble.internal.worker.TaskCache;
import dev.ensemble.internal.worker.ThreadTimeout;
import dev.ensemble.internal.worker.Watchdog;
import java.util.Collections;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One pool's presence on one member: its setup (shared objects and hooks, rebuilt once here), the workers of
 * the slots homed here (threads, {@link MemberWorker}, or worker JVMs, {@link MemberProcess}), the tasks of
 * recent calls, and for threads a watchdog for the task timeout (worker JVMs time their own tasks).
 *
 * <p><b>Tasks once per member.</b> The pool sends a call's task with the first chunk of that call it sends
 * here; later chunks carry only the call id. The cache is bounded, so a task may have been dropped when a
 * chunk needs it: the member then answers NEED_TASK and the pool sends the chunk again with the task.
 *
 * <p><b>Timeouts</b> work as on threads: the watchdog interrupts an overdue task and marks it timed out; if the
 * task ignores the interrupt for a grace period, its worker is abandoned: the chunk is answered with the
 * results before the task (ABANDONED), the worker is forgotten, and the pool starts a new one for the slot.
 */
final class MemberPool {
    private static final int TASK_CACHE = 64;
    private static final int CANCELLED_CALLS = 256;

    final String id;
    final PoolSetup setup;
    final PayloadCodec codec;
    private final UUID owner;
    private final ConcurrentMap<Integer, SlotWorker> workers = new ConcurrentHashMap<>();
    private final TaskCache<Task<Object, Object>> tasks = new TaskCache<>(TASK_CACHE);
    private final Set<Long> cancelled = Collections.newSetFromMap(Lru.synchronizedOf(CANCELLED_CALLS));
    private final Watchdog watchdog;

    MemberPool(String id, UUID owner, PoolSetup setup, PayloadCodec codec) {
        this.id = id;
        this.owner = owner;
        this.setup = setup;
        this.codec = codec;
        // Worker JVMs time their tasks themselves (and are killed for it); threads need a watchdog.
        this.watchdog = new Watchdog(setup.name() + "-watchdog", new Overdue());
        if (setup.timeoutNanos() > 0 && !setup.processes()) {
            watchdog.cover(setup.timeoutNanos());
        }
    }

    UUID owner() {
        return owner;
    }

    boolean isCancelled(long callId) {
        return cancelled.contains(callId);
    }

    Reply handle(Request call) {
        return switch (call.op) {
            case Request.START_WORKER -> {
                SlotWorker worker;
                try {
                    worker = setup.processes() ? new MemberProcess(this, call.slot, call.generation)
                            : new MemberWorker(this, call.slot, call.generation);
                } catch (RuntimeException e) {
                    yield Reply.error(codec, e);
                }
                SlotWorker previous = workers.put(call.slot, worker);
                if (previous != null) {
                    previous.end(true);
                }
                Reply reply = worker.start();
                if (reply.status != Reply.OK) {
                    workers.remove(call.slot, worker);
                }
                yield reply;
            }
            case Request.RUN_CHUNK -> runChunk(call);
            case Request.CANCEL_CALL -> {
                cancelled.add(call.callId);
                boolean stopRunning = (call.flags & Request.FLAG_STOP_RUNNING) != 0;
                for (SlotWorker worker : workers.values()) {
                    worker.cancel(call.callId, stopRunning);
                }
                yield Reply.ok(0);
            }
            case Request.STOP_WORKER -> {
                SlotWorker worker = workers.get(call.slot);
                if (worker == null || worker.generation() != call.generation || !workers.remove(call.slot, worker)) {
                    yield Reply.ok(0);
                }
                yield worker.stop();
            }
            default -> throw new IllegalStateException("unknown request " + call);
        };
    }

    private Reply runChunk(Request call) {
        SlotWorker worker = workers.get(call.slot);
        if (worker == null || worker.generation() != call.generation) {
            return Reply.of(Reply.NO_WORKER);
        }
        Task<Object, Object> task;
        if (call.task != null) {
            task = decodeTask(call.task);
            tasks.put(call.callId, task);
        } else {
            task = tasks.get(call.callId);
            if (task == null) {
                return Reply.of(Reply.NEED_TASK);
            }
        }
        if ((call.flags & Request.FLAG_UNSENDABLE_INPUTS) != 0) {
            task = new FailingUnsendable(task);
        }
        Object[] inputs = (Object[]) codec.decode(call.payload);
        return worker.run(task, inputs, call);
    }

    /** The task of a chunk some of whose inputs could not be sent: each of those fails with its reason. */
    private record FailingUnsendable(Task<Object, Object> inner) implements Task<Object, Object> {
        @Override
        public Object apply(Object input) throws Exception {
            if (input instanceof Unsendable u) {
                throw new IllegalArgumentException(u.message());
            }
            return inner.apply(input);
        }
    }

    @SuppressWarnings("unchecked")
    private Task<Object, Object> decodeTask(byte[] bytes) {
        try {
            return (Task<Object, Object>) codec.decode(bytes);
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException("the task cannot be rebuilt on this cluster member: " + e
                    + "; every member needs the application's classes on its class path", e);
        }
    }

    void forget(MemberWorker worker) {
        workers.remove(worker.slot, worker);
    }

    /** Ends the pool here: workers still present (abandoned, or the owner is gone) are stopped. */
    void close(boolean terminate) {
        watchdog.stop();
        for (SlotWorker worker : workers.values()) {
            worker.end(terminate);
        }
        workers.clear();
    }

    /** The watchdog's round: {@link ThreadTimeout} judges the task of each thread worker. */
    private final class Overdue extends ThreadTimeout.Round {
        @Override
        public void look(long now, FreezeClock freezes) {
            for (SlotWorker worker : workers.values()) {
                if (worker instanceof MemberWorker thread) {
                    thread.checkOverdue(now, setup.timeoutNanos(), freezes);
                }
            }
        }
    }
}
