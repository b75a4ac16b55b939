package dev.ensemble.internal.cluster;

/**
 * How tasks, inputs, results, shared objects and hooks become bytes inside the cluster's messages. The transport
 * only carries the bytes; this codec is the one the process backend uses for its worker JVMs, so that what can be
 * sent to a worker process can be sent to a member and fails the same way when it cannot.
 *
 * <p>Thread-safe.
 */
interface PayloadCodec {

    /**
     * The codec of this JVM (the caller's or a member's: each admits what its own class path holds).
     *
     * @return the codec
     */
    static PayloadCodec get() {
        return SharedPayloads.INSTANCE;
    }

    /**
     * Serializes a value.
     *
     * @param value any value of an admitted class, or null
     * @return its bytes
     * @throws RuntimeException if it cannot be serialized
     */
    byte[] encode(Object value);

    /**
     * Rebuilds a value.
     *
     * @param bytes what {@link #encode} made
     * @return the value
     * @throws RuntimeException if the bytes hold a class that is not admitted or cannot be loaded here
     */
    Object decode(byte[] bytes);

    /**
     * Serializes a user's task, job or hook, or says precisely why it cannot be sent.
     *
     * @param function the function object
     * @param role what it is, for the message, such as {@code "the task"}
     * @return its bytes
     * @throws IllegalArgumentException naming the class or captured value that cannot be sent
     */
    byte[] encodeFunction(Object function, String role);

    /**
     * Describes why a value cannot be serialized, naming the captured value of a lambda that fails.
     *
     * @param value the value
     * @param error what serializing it threw
     * @return a short description
     */
    String culprit(Object value, Throwable error);

    /**
     * Serializes an exception thrown by a task, keeping its class, message, cause and stack trace.
     *
     * @param error the exception
     * @return its bytes; never fails (an exception that cannot be copied is sent as a look-alike)
     */
    byte[] encodeError(Throwable error);

    /**
     * Rebuilds an exception.
     *
     * @param bytes what {@link #encodeError} made
     * @return the exception, or a look-alike saying why it could not be rebuilt
     */
    Throwable decodeError(byte[] bytes);
}
