package dev.ensemble;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * How some classes travel to and from worker processes and cluster members, when the default does not suit them.
 *
 * <p>By default inputs, results, tasks and shared objects travel by a fast serializer that needs no setup; a class
 * it cannot handle falls back by itself to JDK serialization. Implement this interface to choose for a class:
 * JDK serialization (a class whose {@code writeObject}/{@code readObject} must run), or a codec of your own.
 * Register the implementation as a service, and every JVM of the application finds it, worker JVMs included
 * (they run the same class path):
 * <pre>{@code
 * public final class MySerializers implements Serializers {
 *     public void register(Registry registry) {
 *         registry.jdk(LegacyMatrix.class)
 *                 .codec(Money.class, new Codec<>() {
 *                     public void write(Money m, DataOutput out) throws IOException {
 *                         out.writeUTF(m.currency());
 *                         out.writeLong(m.cents());
 *                     }
 *
 *                     public Money read(DataInput in) throws IOException {
 *                         return new Money(in.readUTF(), in.readLong());
 *                     }
 *                 });
 *     }
 * }
 * }</pre>
 * with a file {@code META-INF/services/dev.ensemble.Serializers} holding the class's name, or, in a named module,
 * {@code provides dev.ensemble.Serializers with MySerializers;}. The implementation needs a public constructor
 * without arguments. If it throws, building a pool of processes fails with its exception as the cause.
 */
public interface Serializers {
    /**
     * Says how the classes this application cares about travel. Called once per JVM, before the first pool of
     * processes or cluster members sends anything.
     *
     * @param registry where to say it
     */
    void register(Registry registry);

    /** The choices {@link #register} can make, one class at a time. */
    interface Registry {
        /**
         * Sends instances of exactly this class (not its subclasses) by JDK serialization, its
         * {@code writeObject}, {@code readObject}, {@code writeReplace} and {@code readResolve} included.
         *
         * @param type a class that implements {@link java.io.Serializable}
         * @return this registry
         * @throws IllegalArgumentException if the class is not serializable
         */
        Registry jdk(Class<?> type);

        /**
         * Sends instances of exactly this class (not its subclasses) by the given codec.
         *
         * @param <T> the class
         * @param type the class
         * @param codec writes an instance's state and reads it back as a new instance
         * @return this registry
         */
        <T> Registry codec(Class<T> type, Codec<T> codec);
    }

    /**
     * Writes an object's state and reads it back. Used from many threads at once: keep no state between calls.
     *
     * @param <T> the class it handles
     */
    interface Codec<T> {
        /**
         * Writes the state of one instance.
         *
         * @param value the instance, never null
         * @param out where to write
         * @throws IOException if it cannot be written
         */
        void write(T value, DataOutput out) throws IOException;

        /**
         * Reads what {@link #write} wrote, as a new instance.
         *
         * @param in where to read
         * @return the instance
         * @throws IOException if it cannot be read
         */
        T read(DataInput in) throws IOException;
    }
}
