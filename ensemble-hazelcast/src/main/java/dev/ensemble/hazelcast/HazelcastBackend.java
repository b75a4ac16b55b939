package dev.ensemble.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import dev.ensemble.ClusterBackend;
import dev.ensemble.hazelcast.internal.ClusterOptions;
import java.util.List;

/**
 * Runs a pool's workers on the members of a Hazelcast cluster:
 *
 * <pre>{@code
 * HazelcastInstance hz = HazelcastClient.newHazelcastClient(clientConfig);   // or a member
 * try (WorkerPool pool = WorkerPool.builder().cluster(HazelcastBackend.of(hz).workersPerMember(4)).build()) {
 *     List<Integer> squares = pool.map(inputs, x -> x * x);
 * }
 * }</pre>
 *
 * <p><b>Where workers run.</b> On every data (non-lite) member that is in the cluster when the pool is built:
 * {@link #workersPerMember(int)} on each, or each member's processor count, or {@code workers(n)} of the
 * builder spread round-robin over the members. The workers are threads of the member's JVM, or, with
 * {@link #memberWorkers(MemberWorkers) memberWorkers(MemberWorkers.processes(k))}, worker JVMs that each member
 * starts with its own JDK and class path, as a pool of worker processes does on one machine. Either way they are
 * fed by the pool's one scheduler through Hazelcast's executor service (named {@value ClusterOptions#EXECUTOR});
 * the caller may be a member itself or a client. Every member needs {@code ensemble-core},
 * {@code ensemble-hazelcast}, {@code fory-core} and the application's classes on its class path; nothing
 * else is configured on the members.
 *
 * <p><b>What travels.</b> A call's task once per member, chunks of inputs, results, and the shared objects and
 * hooks once per member per pool, serialized as for worker processes.
 *
 * <p><b>Faults.</b> A worker JVM on a member that dies (or is killed for {@code taskTimeout}) is a dead worker
 * process, as on one machine: its member starts a replacement, and the task it ran is retried or fails with
 * {@code WorkerDiedException} (its exit status and last lines of standard error) or
 * {@code TaskTimeoutException}. A thread on a member that overruns {@code taskTimeout} is interrupted, and
 * abandoned and replaced if it ignores the interrupt.
 *
 * <p><b>Membership.</b> A member that leaves or dies while it runs a chunk is handled as a dead worker process:
 * its chunks run again elsewhere if {@code retries} allows, or fail with {@code WorkerDiedException} whose
 * {@code exitStatus()} is {@code "member left the cluster"}; its workers move to the remaining members. A
 * member that joins is used by pools built afterwards, and by workers that move.
 *
 * <p><b>Safety.</b> Members run whatever code a pool sends them, so the cluster must be closed to others by
 * Hazelcast's own means (TLS, member authentication, a private network). The backend refuses to start when a
 * member is not on a loopback interface unless {@link #allowNonLoopback()} says that this has been done.
 *
 * <p>Immutable and thread-safe: each option returns a new backend; each may be set once.
 */
public final class HazelcastBackend implements ClusterBackend {
    private final ClusterOptions options;

    private HazelcastBackend(ClusterOptions options) {
        this.options = options;
        ClusterOptions.attach(this, options); // the module's provider reads them there; they stay out of the API
    }

    /**
     * The cluster of a Hazelcast member or client of this JVM. The instance stays the caller's: pools neither
     * configure nor shut it down.
     *
     * @param hazelcast a running member or client; not null
     * @return the backend, with default options
     * @throws IllegalArgumentException if {@code hazelcast} is null or not running
     */
    public static HazelcastBackend of(HazelcastInstance hazelcast) {
        if (hazelcast == null) {
            throw new IllegalArgumentException("hazelcast must not be null: pass a running member "
                    + "(Hazelcast.newHazelcastInstance) or client (HazelcastClient.newHazelcastClient)");
        }
        if (!hazelcast.getLifecycleService().isRunning()) {
            throw new IllegalArgumentException("Hazelcast instance " + hazelcast.getName()
                    + " is not running; pass a running member or client");
        }
        return new HazelcastBackend(ClusterOptions.of(hazelcast));
    }

    /**
     * The number of worker threads on each member (default: the member's own processor count); the same as
     * {@code memberWorkers(MemberWorkers.threads(count))}. Not together with the builder's {@code workers(n)},
     * which sets the pool's total instead.
     *
     * @param count at least 1
     * @return a backend with this option
     * @throws IllegalArgumentException if {@code count} is less than 1
     * @throws IllegalStateException if this or {@link #memberWorkers} was already set
     */
    public HazelcastBackend workersPerMember(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("workersPerMember must be at least 1, got " + count);
        }
        requireNoMemberWorkers("workersPerMember(" + count + ")");
        return new HazelcastBackend(options.withMemberWorkers(count, false, List.of(),
                "workersPerMember(" + count + ")"));
    }

    /**
     * What the workers on each member are, and how many: {@link MemberWorkers#threads(int)} (threads of the
     * member's JVM, as {@link #workersPerMember(int)} makes) or {@link MemberWorkers#processes(int)} (worker JVMs
     * that each member starts, so that a task can be killed on timeout and a crash takes down one worker, not the
     * member). The pool's one scheduler feeds them all, as it feeds threads.
     *
     * @param workers the choice; not null
     * @return a backend with this option
     * @throws IllegalArgumentException if {@code workers} is null
     * @throws IllegalStateException if this or {@link #workersPerMember(int)} was already set
     */
    public HazelcastBackend memberWorkers(MemberWorkers workers) {
        if (workers == null) {
            throw new IllegalArgumentException("memberWorkers must not be null; pass MemberWorkers.threads(k) or "
                    + "MemberWorkers.processes(k)");
        }
        requireNoMemberWorkers("memberWorkers(" + workers + ")");
        return new HazelcastBackend(options.withMemberWorkers(workers.perMember(), workers.isProcesses(),
                workers.jvmArgsOrEmpty(), "memberWorkers(" + workers + ")"));
    }

    private void requireNoMemberWorkers(String wanted) {
        String set = options.perMemberOption();
        if (set == null) {
            return;
        }
        if (set.startsWith(wanted.substring(0, wanted.indexOf('(')))) {
            throw new IllegalStateException(set.substring(0, set.indexOf('(')) + " was already set to "
                    + set.substring(set.indexOf('(') + 1, set.length() - 1));
        }
        throw new IllegalStateException(set + " and " + wanted + " both say what runs on each member; keep one "
                + "(workersPerMember(k) is memberWorkers(MemberWorkers.threads(k)))");
    }

    /**
     * Allows members on interfaces other than loopback. Do this only for a cluster secured by Hazelcast's own
     * means (TLS, member authentication, a network only trusted machines reach): any member or client of the
     * cluster can run code on every member.
     *
     * @return a backend with this option
     * @throws IllegalStateException if already set
     */
    public HazelcastBackend allowNonLoopback() {
        if (options.allowNonLoopback()) {
            throw new IllegalStateException("allowNonLoopback was already set");
        }
        return new HazelcastBackend(options.withNonLoopbackAllowed());
    }

    @Override
    public String description() {
        return "Hazelcast cluster of " + options.hazelcast().getName();
    }

    @Override
    public String toString() {
        return "HazelcastBackend[" + description() + (options.perMemberOption() != null
                ? ", " + options.perMemberOption() : "") + "]";
    }
}
