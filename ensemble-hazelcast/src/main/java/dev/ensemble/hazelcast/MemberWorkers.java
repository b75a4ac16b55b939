package dev.ensemble.hazelcast;

import dev.ensemble.spi.cluster.MemberLayout;
import java.util.List;

/**
 * What the workers on each member of a cluster pool are, and how many there are per member; given to
 * {@link HazelcastBackend#memberWorkers(MemberWorkers)}:
 *
 * <pre>{@code
 * HazelcastBackend.of(hz).memberWorkers(MemberWorkers.threads(4))     // 4 threads in each member's JVM
 * HazelcastBackend.of(hz).memberWorkers(MemberWorkers.processes(4))   // 4 worker JVMs started by each member
 * HazelcastBackend.of(hz).memberWorkers(MemberWorkers.processes().jvmArgs("-Xmx2g"))  // as many as it has cores
 * }</pre>
 *
 * <p><b>Threads</b> (the default) are the cheapest: a task runs inside the member's JVM. <b>Processes</b> give
 * what worker processes give on one machine, on every member: a task that overruns {@code taskTimeout} is killed
 * with its JVM and the worker replaced, a crash or {@code OutOfMemoryError} takes down one worker JVM (a dead
 * worker: {@code retries} or {@code WorkerDiedException} with its exit status and last lines of standard error)
 * and never the member, and static state is not shared between workers. Each member starts its worker JVMs
 * with its own JDK and class path, in a private directory of its temporary directory, and stops them and
 * removes their files when the pool closes; a worker JVM also exits by itself if its member dies.
 *
 * <p>Without a count ({@link #threads()}, {@link #processes()}), the pool's size comes from the builder's
 * {@code workers(n)}, spread round-robin over the members, or else is each member's processor count. With a
 * count, {@code workers(n)} is refused: the count per member already settles the size.
 *
 * <p>Immutable and thread-safe.
 */
public final class MemberWorkers {
    private final boolean processes;
    private final int perMember;
    private final List<String> jvmArgs;

    private MemberWorkers(boolean processes, int perMember, List<String> jvmArgs) {
        this.processes = processes;
        this.perMember = perMember;
        this.jvmArgs = jvmArgs;
    }

    /**
     * Threads in each member's JVM, as many per member as {@code workers(n)} or its processor count give: the
     * default.
     *
     * @return the choice
     */
    public static MemberWorkers threads() {
        return new MemberWorkers(false, 0, null);
    }

    /**
     * {@code perMember} threads in each member's JVM; the same as {@link HazelcastBackend#workersPerMember(int)}.
     *
     * @param perMember workers on each member, at least 1
     * @return the choice
     * @throws IllegalArgumentException if {@code perMember} is less than 1
     */
    public static MemberWorkers threads(int perMember) {
        return new MemberWorkers(false, requirePositive(perMember, "threads"), null);
    }

    /**
     * Worker JVMs started by each member, as many per member as {@code workers(n)} or its processor count give.
     *
     * @return the choice
     */
    public static MemberWorkers processes() {
        return new MemberWorkers(true, 0, null);
    }

    /**
     * {@code perMember} worker JVMs started by each member.
     *
     * @param perMember worker JVMs on each member, at least 1
     * @return the choice
     * @throws IllegalArgumentException if {@code perMember} is less than 1
     */
    public static MemberWorkers processes(int perMember) {
        return new MemberWorkers(true, requirePositive(perMember, "processes"), null);
    }

    private static int requirePositive(int perMember, String kind) {
        if (perMember < 1) {
            throw new IllegalArgumentException("MemberWorkers." + kind + "(perMember): perMember must be at least 1, "
                    + "got " + perMember + "; leave the count out (MemberWorkers." + kind + "()) for the members' "
                    + "processor counts");
        }
        return perMember;
    }

    /**
     * Options of the worker JVMs (after the library's own, so that they win), as the builder's {@code jvmArgs}
     * gives them to worker processes on one machine. Each member starts its workers with these options and its
     * own JDK; an option that a member's JDK refuses fails the pool's build with that worker's error output.
     *
     * @param args JVM options such as {@code "-Xmx2g"}; none null or blank
     * @return a choice with these options
     * @throws IllegalArgumentException if {@code args} is null or holds a null or blank option
     * @throws IllegalStateException if these are threads, which have no JVM of their own, or if already set
     */
    public MemberWorkers jvmArgs(String... args) {
        if (args == null) {
            throw new IllegalArgumentException("jvmArgs must not be null; pass JVM options such as \"-Xmx2g\"");
        }
        if (!processes) {
            throw new IllegalStateException("jvmArgs apply only to worker processes, but this is " + this
                    + "; use MemberWorkers.processes(...).jvmArgs(...)");
        }
        if (jvmArgs != null) {
            throw new IllegalStateException("jvmArgs was already set to " + jvmArgs);
        }
        // The layout's check is the pool builder's: the same options are refused with the same message.
        List<String> checked = new MemberLayout(perMember, true, java.util.Arrays.asList(args), null).jvmArgs();
        return new MemberWorkers(true, perMember, checked);
    }

    boolean isProcesses() {
        return processes;
    }

    /** @return workers per member, or 0 if the pool's size settles it */
    int perMember() {
        return perMember;
    }

    List<String> jvmArgsOrEmpty() {
        return jvmArgs == null ? List.of() : jvmArgs;
    }

    /**
     * The choice as it is written, such as {@code processes(2)}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return (processes ? "processes" : "threads") + "(" + (perMember > 0 ? perMember : "") + ")"
                + (jvmArgs != null ? ".jvmArgs(" + String.join(", ", jvmArgs) + ")" : "");
    }
}
