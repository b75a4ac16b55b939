package dev.ensemble.internal.backend;

import dev.ensemble.WorkerHook;
import java.util.Map;

/**
 * A worker hook the library composed from what the user gave (an instance pool's start hook runs the user's hook,
 * then the instance factory): a part that cannot be sent to a worker process is blamed by the name the user knows
 * it by, not as the hook the user never set.
 */
public interface ComposedHook extends WorkerHook {
    /**
     * The user's objects this hook carries.
     *
     * @return each part by what the user calls it ("the instance factory of ensemble e-1"), in order; no nulls
     */
    Map<String, Object> parts();

    /**
     * What goes to worker processes and members in this hook's place: the same behaviour in a form that is cheap to
     * rebuild there (a lambda, which a worker rebuilds without generating a serializer for a class of ours: that
     * costs a cold worker JVM hundreds of milliseconds, on every pool's start).
     *
     * @return the hook to send
     */
    default WorkerHook sent() {
        return this;
    }

    /**
     * What to send in a hook's place: {@link #sent()} for a composed hook, the hook itself otherwise.
     *
     * @param hook a pool's hook, or null
     * @return the hook to send, or null
     */
    static WorkerHook toSend(WorkerHook hook) {
        return hook instanceof ComposedHook composed ? composed.sent() : hook;
    }
}
