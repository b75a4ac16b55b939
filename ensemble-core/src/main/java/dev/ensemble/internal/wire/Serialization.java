package dev.ensemble.internal.wire;

import dev.ensemble.WorkerException;
import java.io.IOException;
import java.util.Collection;
import java.util.Set;
import org.apache.fory.Fory;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.config.Language;
import org.apache.fory.memory.MemoryBuffer;

/**
 * Payload serialization between a pool and its worker processes: Apache Fory in Java mode, behind an allow-list.
 *
 * <p><b>What is accepted.</b> Fory's strict checker, which admits its own list of safe JDK classes, plus every
 * package of the class path and module path the parent runs with ({@link ClassPathPackages}). A worker thus
 * refuses to build any object of a class that is neither the JDK's nor the application's, and the parent finds
 * a class that its workers could not load (one from a custom class loader) before sending anything.
 *
 * <p><b>Lambdas</b> travel through Fory's {@link java.lang.invoke.SerializedLambda} support, so the task
 * interfaces being {@link java.io.Serializable} is enough. <b>Exceptions</b> travel by JDK serialization, which
 * keeps their exact class, fields, stack trace, cause and suppressed exceptions; a field that cannot be serialized
 * arrives null; one whose class cannot be loaded here arrives as a {@link WorkerException} with the same message,
 * class name and stack trace.
 *
 * <p>The parts: {@link ForyAllowList} (what Fory admits), {@link SendFailures} (why a value cannot be sent),
 * {@link JdkStreams} (JDK serialization and its filter), {@link ThrowableCodec} (exceptions) and
 * {@link MultiReleaseCheck} (a repackaged jar that breaks Fory).
 *
 * <p>Thread-safe.
 */
public final class Serialization {
    static {
        // Fory's warnings speak of its own internals ("uses custom JDK serialization, which is inefficient"), to
        // people who chose Fory; the application chose Ensemble. Its errors still print, and its FORY_LOG_LEVEL
        // environment variable, if set, wins.
        if (System.getenv("FORY_LOG_LEVEL") == null) {
            org.apache.fory.logging.LoggerFactory.setLogLevel(org.apache.fory.logging.LogLevel.ERROR_LEVEL);
        }
    }

    private static final java.util.concurrent.CompletableFuture<Serialization> PARENT =
            new java.util.concurrent.CompletableFuture<>();
    private static final java.util.concurrent.atomic.AtomicBoolean PARENT_STARTED =
            new java.util.concurrent.atomic.AtomicBoolean();

    private final ThreadSafeFory fory;
    /** What this instance's Fory builds. */
    private final ForyAllowList allowList;
    /** The serialized form of each {@link Stateless} class's instances, computed once (submit of a fixed lambda). */
    private final ClassValue<java.util.concurrent.atomic.AtomicReference<byte[]>> statelessForms = formsByClass();

    /**
     * Fails if the serializer's classes come from a jar that merged a multi-release jar without keeping
     * {@code Multi-Release: true} in its manifest (maven-shade-plugin's and maven-assembly-plugin's default): the
     * JVM then loads the wrong version of some of them, and serialization fails later, in a worker or a sender
     * thread, with an error that says nothing of the cause. Checked once per JVM.
     *
     * @throws IllegalStateException naming the jar and the manifest line to add
     */
    public static void requireMultiReleaseJar() {
        String problem = MultiReleaseCheck.problem();
        if (!problem.isEmpty()) {
            throw new IllegalStateException(problem);
        }
    }

    private Serialization(boolean codegen) {
        requireMultiReleaseJar();
        this.allowList = new ForyAllowList();
        this.fory = Fory.builder()
                .withLanguage(Language.JAVA)
                .requireClassRegistration(false)
                .suppressClassRegistrationWarnings(true)
                .withRefTracking(true)
                // Both ends run the same classes: a reader picks each class's serializer by its class (so the
                // per-class fallback applies alike on both), not by compiling one from the writer's type definitions.
                .withCompatible(false)
                .withCodegen(codegen)
                .withClassLoader(ApplicationLoader.get())
                .withTypeChecker(allowList::checkType)
                .buildThreadSafeFory();
        fory.registerCallback(Serialization::registerOwnSerializers);
        fory.registerSerializerFactory(new FallbackSerializers());
        UserSerializers.applyTo(fory, ApplicationLoader.get());
    }

    /**
     * The class of the serializer Fory uses for a type (for tests of which types it compiles serializers for).
     *
     * @param type the type
     * @return its serializer's class
     */
    Class<?> serializerClassOf(Class<?> type) {
        return fory.execute(f -> f.getTypeResolver().getSerializer(type).getClass());
    }

    /** The library's hand-written serializers, registered with each Fory of the thread-safe pool. */
    private static void registerOwnSerializers(Fory fory) {
        BulkArraySerializers.registerWith(fory);
        SharedArraySerializers.registerWith(fory);
    }

    /**
     * The parent's instance, admitting this JVM's class path. Built once per JVM (about 200 ms of CPU the first
     * time, most of it loading Fory): by the first caller, which others wait for, or in the background after
     * {@link #buildParentInBackground}.
     *
     * @return the instance
     */
    public static Serialization forParent() {
        if (PARENT_STARTED.compareAndSet(false, true)) {
            buildParent();
        }
        try {
            return PARENT.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /**
     * The parent's instance if it is built already, without waiting or starting to build it.
     *
     * @return the instance, or null
     */
    public static Serialization parentIfBuilt() {
        return PARENT.isDone() && !PARENT.isCompletedExceptionally() ? PARENT.join() : null;
    }

    /** Starts building the parent's instance on a thread of its own, unless it is built or being built. */
    public static void buildParentInBackground() {
        if (PARENT_STARTED.compareAndSet(false, true)) {
            Thread.ofPlatform().daemon().name("ensemble-fory-init").start(Serialization::buildParent);
        }
    }

    private static void buildParent() {
        try {
            Serialization s = new Serialization(true);
            s.allow(ClassPathPackages.ofThisJvm());
            PARENT.complete(s);
        } catch (RuntimeException | Error e) {
            PARENT.completeExceptionally(e);
        }
    }

    /**
     * A worker's instance, admitting only the JDK until {@link #allow} adds the application's packages.
     *
     * @param codegen whether Fory generates serializers (faster later, slower first use)
     * @return a new instance
     */
    public static Serialization forWorker(boolean codegen) {
        return new Serialization(codegen);
    }

    /**
     * Admits packages: {@code "a.b"} admits {@code a.b.*}; {@code "=Name"} admits one class of the unnamed
     * package.
     *
     * @param packages as listed by {@link ClassPathPackages}
     */
    public void allow(Collection<String> packages) {
        allowList.allow(packages);
    }

    /**
     * Appends {@code value} to {@code buffer}.
     *
     * @param buffer the frame being written
     * @param value any admitted value, or null
     */
    public void write(MemoryBuffer buffer, Object value) {
        fory.serialize(buffer, value);
    }

    /**
     * Reads the next value of {@code buffer}.
     *
     * @param buffer the frame being read
     * @return the value
     */
    public Object read(MemoryBuffer buffer) {
        return fory.deserialize(buffer);
    }

    /**
     * Serializes a value on its own.
     *
     * @param value the value
     * @return its bytes
     */
    public byte[] toBytes(Object value) {
        return fory.serialize(value);
    }

    /**
     * Checks that a task, job or hook can be sent to a worker process, before anything is sent.
     *
     * @param function the user's function object
     * @param role what it is, for the message ("the task", "onWorkerStart")
     * @return its serialized bytes; for a {@link Stateless#fieldless} function the same array every time (do not
     *     modify)
     * @throws IllegalArgumentException naming the class or captured value that cannot be sent
     */
    public byte[] requireSendable(Object function, String role) {
        try {
            if (Stateless.fieldless(function)) {
                var form = statelessForms.get(function.getClass());
                byte[] bytes = form.get();
                if (bytes == null) {
                    bytes = fory.serialize(function);
                    form.set(bytes);
                }
                return bytes;
            }
            return fory.serialize(function);
        } catch (RuntimeException | StackOverflowError e) {
            throw SendFailures.unsendable(role, function, e, fory);
        }
    }

    /**
     * Describes why {@code value} cannot be serialized: for a lambda, which captured value fails.
     *
     * @param value the value that failed
     * @param error what serializing it threw
     * @return a short description naming the class or captured value
     */
    public String culprit(Object value, Throwable error) {
        return SendFailures.culprit(value, error, fory);
    }

    // ---- exceptions ----

    /**
     * Encodes an exception thrown by a task, keeping its class and stack trace. An exception that the pool's
     * filter would refuse ({@link #decodeThrowable}) is sent as a {@link WorkerException} copy instead, so its
     * class name, message and stack trace still arrive.
     *
     * @param error the exception
     * @return bytes for {@link #decodeThrowable}
     */
    public static byte[] encodeThrowable(Throwable error) {
        return ThrowableCodec.encode(error);
    }

    /**
     * Decodes an exception encoded by {@link #encodeThrowable}, admitting only exception classes of the JDK's
     * {@code java.*} packages and the class path, and the data classes {@link #jdkRead} admits.
     *
     * @param bytes the encoding
     * @return the exception, or a {@link WorkerException} saying why it could not be rebuilt
     */
    public static Throwable decodeThrowable(byte[] bytes) {
        return ThrowableCodec.decode(bytes);
    }

    // ---- JDK serialization, for a worker's first chunks while its Fory is still being built ----

    /**
     * Serializes with JDK serialization.
     *
     * @param value a {@link java.io.Serializable} value
     * @return its bytes
     * @throws IOException if some part of it is not serializable
     */
    public static byte[] jdkBytes(Object value) throws IOException {
        return JdkStreams.javaSerialize(value);
    }

    /**
     * Serializes with JDK serialization if a worker's {@link #jdkRead} would admit every class written, checked
     * as they are written: the check of a first call, without the cost of reading the value back (a cold
     * {@code ObjectInputStream} and lambda bootstrap take tens of ms in a JVM's first pool).
     *
     * @param value any value
     * @param packages the packages a worker admits besides the JDK's data classes
     * @return the bytes, or null if the value is not JDK-serializable or names a class a worker would refuse
     */
    public static byte[] jdkBytesIfAdmitted(Object value, Set<String> packages) {
        return JdkStreams.jdkBytesIfAdmitted(value, packages);
    }

    /** The JDK-serialized form of each {@link Stateless#fieldless} function class, once admitted (see below). */
    private static final ClassValue<java.util.concurrent.atomic.AtomicReference<byte[]>> JDK_STATELESS_FORMS =
            formsByClass();

    /** A holder per class for the one serialized form its instances share (Fory's, or the JDK's). */
    private static ClassValue<java.util.concurrent.atomic.AtomicReference<byte[]>> formsByClass() {
        return new ClassValue<>() {
            @Override
            protected java.util.concurrent.atomic.AtomicReference<byte[]> computeValue(Class<?> type) {
                return new java.util.concurrent.atomic.AtomicReference<>();
            }
        };
    }

    /**
     * As {@link #jdkBytesIfAdmitted} for a task, job or hook: a {@link Stateless#fieldless} one (a non-capturing
     * lambda, a static method reference) is serialized once per class, as Fory's form is in
     * {@link #requireSendable}, so that a loop of calls of the same lambda does not write it again each time.
     *
     * @param function the function object
     * @param packages the packages a worker admits besides the JDK's data classes; the same set on every call of a
     *     JVM ({@code ClassPathPackages.ofThisJvm()})
     * @return the bytes (for a fieldless function the same array every time: do not modify), or null as
     *     {@link #jdkBytesIfAdmitted} says
     */
    public static byte[] jdkFunctionBytesIfAdmitted(Object function, Set<String> packages) {
        if (!Stateless.fieldless(function)) {
            return JdkStreams.jdkBytesIfAdmitted(function, packages);
        }
        var form = JDK_STATELESS_FORMS.get(function.getClass());
        byte[] bytes = form.get();
        if (bytes == null) {
            bytes = JdkStreams.jdkBytesIfAdmitted(function, packages);
            form.set(bytes); // null (refused) is computed again next time: it is rare and then goes by Fory
        }
        return bytes;
    }

    /**
     * Runs the JDK-serialization paths of a first call once: a lambda and boxed values written through the
     * admission check of {@link #jdkBytesIfAdmitted} and read back through the filter of {@link #jdkRead}. In a
     * cold JVM those classes take tens of ms to load and initialize; a pool's JVM runs this while its workers boot,
     * so that its first call does not pay for it. Failures are ignored: it is only a warm-up.
     *
     * @param packages the packages a worker admits besides the JDK's data classes
     */
    public static void warmUpJdk(Set<String> packages) {
        JdkStreams.warmUpJdk(packages);
    }

    /**
     * Reads JDK-serialized bytes, admitting only what a pool sends: the JDK's data classes and the classes of
     * {@code packages} (as listed by {@link ClassPathPackages}).
     *
     * @param bytes the bytes
     * @param packages the admitted packages
     * @return the value
     * @throws IllegalStateException if the bytes cannot be read or name a class that is not admitted
     */
    public static Object jdkRead(byte[] bytes, Set<String> packages) {
        return JdkStreams.jdkRead(bytes, packages);
    }

    /**
     * Sent in place of an input that could not be serialized, so that its task fails with this message at the
     * input's own index.
     *
     * @param message why the input could not be sent
     */
    public record Unsendable(String message) {
    }

    /**
     * The set of packages admitted, for tests and diagnostics.
     *
     * @return this JVM's class path packages
     */
    public static Set<String> admittedPackages() {
        return ClassPathPackages.ofThisJvm();
    }
}
