package dev.ensemble;

/**
 * Options of one call, such as {@code pool.map(inputs, task, CallOptions.defaults().chunkSize(100))}.
 * Immutable: every method returns a new instance, so one options value can be kept and reused.
 */
public final class CallOptions {
    private static final CallOptions DEFAULTS = new CallOptions(0, null, null, 0, 0, 0, null, false, null, 0);

    private final int chunkSize;
    private final String name;
    private final Boolean progressBar;
    private final int maxChunksInFlight;
    private final int batches;
    private final long maxBytesInFlight;
    private final java.time.Duration timeout;
    private final boolean orderTasks;
    private final java.time.Duration taskTimeout;
    private final long maxTasksPerWorker;

    /** The default bound of {@link #maxBytesInFlight}: large results of a slow reader stay within it. */
    public static final long DEFAULT_MAX_BYTES_IN_FLIGHT = 64L << 20;

    private CallOptions(int chunkSize, String name, Boolean progressBar, int maxChunksInFlight, int batches,
            long maxBytesInFlight, java.time.Duration timeout, boolean orderTasks, java.time.Duration taskTimeout,
            long maxTasksPerWorker) {
        this.chunkSize = chunkSize;
        this.name = name;
        this.progressBar = progressBar;
        this.maxChunksInFlight = maxChunksInFlight;
        this.batches = batches;
        this.maxBytesInFlight = maxBytesInFlight;
        this.timeout = timeout;
        this.orderTasks = orderTasks;
        this.taskTimeout = taskTimeout;
        this.maxTasksPerWorker = maxTasksPerWorker;
    }

    /**
     * The options every call has unless told otherwise: automatic chunk size, the pool's progress bar setting,
     * no name.
     *
     * @return the default options
     */
    public static CallOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Sends inputs to workers in chunks of exactly this many (the last may be smaller) instead of the automatic
     * size. Larger chunks cost less per task; smaller ones balance uneven tasks better.
     *
     * @param size the number of inputs per chunk, at least 1
     * @return options with that chunk size
     * @throws IllegalArgumentException if {@code size} is less than 1
     */
    public CallOptions chunkSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException(
                    "chunkSize must be at least 1, got " + size + "; leave it unset for the automatic size");
        }
        return new CallOptions(size, name, progressBar, maxChunksInFlight, batches,
                maxBytesInFlight, timeout, orderTasks, taskTimeout, maxTasksPerWorker);
    }

    /**
     * Names the call in progress bars, insights and the dashboard.
     *
     * @param callName a short, human-readable name
     * @return options with that name
     * @throws IllegalArgumentException if {@code callName} is null or blank
     */
    public CallOptions name(String callName) {
        if (callName == null || callName.isBlank()) {
            throw new IllegalArgumentException("a call name must be a non-blank string, got " + quote(callName));
        }
        return new CallOptions(chunkSize, callName.strip(), progressBar, maxChunksInFlight, batches,
                maxBytesInFlight, timeout, orderTasks, taskTimeout, maxTasksPerWorker);
    }

    /**
     * Shows or hides a progress bar for this call, whatever the pool's setting (see
     * {@link WorkerPool.Builder#progressBar}). Calls of placed inputs ({@code submit}, {@code broadcast}) have none.
     *
     * @param show whether to draw it
     * @return options with that setting
     */
    public CallOptions progressBar(boolean show) {
        return new CallOptions(chunkSize, name, show, maxChunksInFlight, batches,
                maxBytesInFlight, timeout, orderTasks, taskTimeout, maxTasksPerWorker);
    }

    /**
     * Bounds how many chunks of a {@code stream} call may be running or waiting to be consumed at once
     * (default: four per worker). A lower bound uses less memory when the consumer is slow.
     *
     * @param chunks the bound, at least 1
     * @return options with that bound
     * @throws IllegalArgumentException if {@code chunks} is less than 1
     */
    public CallOptions maxChunksInFlight(int chunks) {
        if (chunks < 1) {
            throw new IllegalArgumentException("maxChunksInFlight must be at least 1, got " + chunks);
        }
        return new CallOptions(chunkSize, name, progressBar, chunks, batches, maxBytesInFlight, timeout, orderTasks,
                taskTimeout, maxTasksPerWorker);
    }

    /**
     * Bounds the size of the results of a {@code stream} call that have arrived from worker processes or cluster
     * members and wait to be consumed (default: {@value #DEFAULT_MAX_BYTES_IN_FLIGHT} bytes, as serialized). Over
     * it, no new chunk is started until the reader catches up: with large results and a slow reader, the caller's
     * memory stays bounded in bytes, not only in chunks ({@link #maxChunksInFlight}). At least one chunk always
     * runs, so a single result larger than the bound still arrives. Threads hand results over without copying
     * them, so the bound counts nothing for thread pools.
     *
     * @param bytes the bound, at least 1
     * @return options with that bound
     * @throws IllegalArgumentException if {@code bytes} is less than 1
     */
    public CallOptions maxBytesInFlight(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("maxBytesInFlight must be at least 1, got " + bytes);
        }
        return new CallOptions(chunkSize, name, progressBar, maxChunksInFlight, batches, bytes, timeout, orderTasks,
                taskTimeout, maxTasksPerWorker);
    }

    /**
     * A deadline for the whole call, from its start: past it, the call ends with {@link CallTimeoutException}
     * (saying how many inputs had finished), its unfinished inputs are cancelled, and the workers still running
     * them are stopped (worker processes killed and replaced, threads interrupted), as with the pool's
     * {@code taskTimeout}. For a stream, reading past the deadline throws. Default: none.
     *
     * @param deadline positive
     * @return options with that deadline
     * @throws IllegalArgumentException if {@code deadline} is null, zero or negative
     */
    public CallOptions timeout(java.time.Duration deadline) {
        if (deadline == null || deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("a call's timeout must be positive, got " + deadline);
        }
        return new CallOptions(chunkSize, name, progressBar, maxChunksInFlight, batches,
                maxBytesInFlight, deadline, orderTasks, taskTimeout, maxTasksPerWorker);
    }

    /**
     * The longest one task of this call may run, instead of the pool's {@code taskTimeout} (MPIRE's per-call
     * {@code task_timeout}): over it, the task fails with {@link TaskTimeoutException}; a worker process running
     * it is killed and replaced, a thread is interrupted (and replaced if it goes on). Threads, virtual threads and
     * processes; a cluster pool refuses it. Default: the pool's.
     *
     * @param timeout positive
     * @return options with that task timeout
     * @throws IllegalArgumentException if {@code timeout} is null, zero or negative
     */
    public CallOptions taskTimeout(java.time.Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("a call's taskTimeout must be positive, got " + timeout);
        }
        return new CallOptions(chunkSize, name, progressBar, maxChunksInFlight, batches, maxBytesInFlight,
                this.timeout, orderTasks, timeout, maxTasksPerWorker);
    }

    /**
     * The task timeout of this call ({@link #taskTimeout(java.time.Duration)}).
     *
     * @return the timeout, or null for the pool's
     */
    public java.time.Duration taskTimeout() {
        return taskTimeout;
    }

    /**
     * Replaces a worker after it has run this many of this call's tasks (MPIRE's per-call {@code worker_lifespan}):
     * each worker that runs the call runs at most this many of its tasks, then exits (its exit hook runs) and a
     * fresh worker takes its place, so state a task leaks into its worker (static caches, native memory) lasts at
     * most that long. Counted per worker from the call's first task on it; a worker replaced for any reason starts
     * again from zero. The pool's {@code maxTasksPerWorker} still applies: whichever a worker reaches first replaces
     * it. Threads, virtual threads and processes; a cluster pool, an {@link Ensemble} (whose instances live as long
     * as their workers) and {@link #orderTasks()} refuse it. Default: none.
     *
     * @param tasks at least 1
     * @return options with that lifespan
     * @throws IllegalArgumentException if {@code tasks} is less than 1
     */
    public CallOptions maxTasksPerWorker(long tasks) {
        if (tasks < 1) {
            throw new IllegalArgumentException("a call's maxTasksPerWorker must be at least 1, got " + tasks);
        }
        return new CallOptions(chunkSize, name, progressBar, maxChunksInFlight, batches, maxBytesInFlight, timeout,
                orderTasks, taskTimeout, tasks);
    }

    /**
     * The worker lifespan of this call ({@link #maxTasksPerWorker(long)}).
     *
     * @return tasks per worker, or 0 for none
     */
    public long maxTasksPerWorker() {
        return maxTasksPerWorker;
    }

    /**
     * Assigns the inputs of a {@code map} to workers in order, for runs that must be reproducible (MPIRE's
     * {@code order_tasks}): input {@code i} runs on worker {@code i % workers}, one input at a time, whatever the
     * workers' speed. Costs the load balancing and the chunking; {@code map} only (other calls refuse it).
     *
     * @return options with the fixed assignment
     */
    public CallOptions orderTasks() {
        return new CallOptions(chunkSize, name, progressBar, maxChunksInFlight, batches, maxBytesInFlight, timeout,
                true, taskTimeout, maxTasksPerWorker);
    }

    /**
     * Whether inputs are assigned to workers in order ({@link #orderTasks()}).
     *
     * @return true if they are
     */
    public boolean isOrderTasks() {
        return orderTasks;
    }

    /**
     * The call's deadline.
     *
     * @return the deadline, or null for none
     */
    public java.time.Duration timeout() {
        return timeout;
    }

    /**
     * The bound of serialized results waiting to be read by a stream's reader.
     *
     * @return the bound in bytes, or 0 for the default ({@value #DEFAULT_MAX_BYTES_IN_FLIGHT})
     */
    public long maxBytesInFlight() {
        return maxBytesInFlight;
    }

    /**
     * Cuts the inputs of a {@code batched} call into this many batches instead of one per worker. More batches
     * than workers balance uneven batches better; each batch is still one task. Calls other than
     * {@code batched} ignore it, and {@code batched} ignores {@link #chunkSize}.
     *
     * @param count the number of batches, at least 1 (fewer are made when there are fewer inputs)
     * @return options with that batch count
     * @throws IllegalArgumentException if {@code count} is less than 1
     */
    public CallOptions batches(int count) {
        if (count < 1) {
            throw new IllegalArgumentException(
                    "batches must be at least 1, got " + count + "; leave it unset for one batch per worker");
        }
        return new CallOptions(chunkSize, name, progressBar, maxChunksInFlight, count,
                maxBytesInFlight, timeout, orderTasks, taskTimeout, maxTasksPerWorker);
    }

    /**
     * The fixed chunk size.
     *
     * @return the chunk size, or 0 for automatic
     */
    public int chunkSize() {
        return chunkSize;
    }

    /**
     * The call's name.
     *
     * @return the name, or {@code null} if none was given
     */
    public String name() {
        return name;
    }

    /**
     * The call's progress bar setting.
     *
     * @return {@code TRUE} or {@code FALSE}, or {@code null} to follow the pool's setting
     */
    public Boolean progressBar() {
        return progressBar;
    }

    /**
     * The bound on chunks in flight for streams.
     *
     * @return the bound, or 0 for the default
     */
    public int maxChunksInFlight() {
        return maxChunksInFlight;
    }

    /**
     * The batch count of {@code batched} calls.
     *
     * @return the count, or 0 for one batch per worker
     */
    public int batches() {
        return batches;
    }

    private static String quote(String s) {
        return s == null ? "null" : '"' + s + '"';
    }

    @Override
    public String toString() {
        return "CallOptions[chunkSize=" + (chunkSize == 0 ? "auto" : chunkSize) + ", name=" + quote(name)
                + ", progressBar=" + (progressBar == null ? "pool default" : progressBar)
                + ", maxChunksInFlight=" + (maxChunksInFlight == 0 ? "auto" : maxChunksInFlight)
                + ", batches=" + (batches == 0 ? "one per worker" : batches)
                + ", maxBytesInFlight=" + (maxBytesInFlight == 0 ? "default" : maxBytesInFlight)
                + ", timeout=" + (timeout == null ? "none" : timeout)
                + (taskTimeout == null ? "" : ", taskTimeout=" + taskTimeout)
                + (maxTasksPerWorker == 0 ? "" : ", maxTasksPerWorker=" + maxTasksPerWorker)
                + (orderTasks ? ", orderTasks" : "") + "]";
    }
}
