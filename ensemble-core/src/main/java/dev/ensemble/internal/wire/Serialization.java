package dev.ensemble.internal.wire;

import dev.ensemble.WorkerException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serial;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.Set;
import org.apache.fory.Fory;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.config.Language;
import org.apache.fory.memory.MemoryBuffer;
import org.apache.fory.resolver.AllowListChecker;

/**
 * Payload serialization between a pool and its worker processes: Apache Fory in Java mode, behind an allow-list.
 *
 * <p><b>What is accepted.</b> Fory's strict checker, which admits its own list of safe JDK classes, plus every
 * package of the class path and module path the parent runs with ({@link ClassPathPackages}). A worker thus
 * refuses to build any object of a class that is neither the JDK's nor the application's, and the parent finds
 * a class that its workers could not load (one from a custom class loader) before sending anything.
 *
 * <p><b>Lambdas</b> travel through Fory's {@link SerializedLambda} support, so the task interfaces being
 * {@link java.io.Serializable} is enough. <b>Exceptions</b> travel by JDK serialization, which keeps their
 * exact class, fields, stack trace, cause and suppressed exceptions; a field that cannot be serialized arrives
 * null; one whose class cannot be loaded here arrives as a {@link WorkerException} with the same message, class
 * name and stack trace.
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
    private final AllowListChecker checker;
    /** The serialized form of each {@link Stateless} class's instances, computed once (submit of a fixed lambda). */
    private final ClassValue<java.util.concurrent.atomic.AtomicReference<byte[]>> statelessForms = new ClassValue<>() {
        @Override
        protected java.util.concurrent.atomic.AtomicReference<byte[]> computeValue(Class<?> type) {
            return new java.util.concurrent.atomic.AtomicReference<>();
        }
    };

    /** Fory's jar has classes for newer JDKs under this prefix; without them Fory fails later, in odd places. */
    private static final String VERSIONED_ENTRIES = "META-INF/versions/";
    /** Fory's own jar, which declares itself multi-release: not opened again (several ms of a first pool). */
    private static final String FORY_JAR_PREFIX = "fory-core-";

    /** Why Fory cannot work in this JVM (see {@link #requireMultiReleaseJar}), or "": found once, on first use. */
    private static final class JarProblem {
        static final String PROBLEM = jarProblem();
    }

    private static String jarProblem() {
        java.security.CodeSource source = Fory.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null || !"file".equals(source.getLocation().getProtocol())) {
            return "";
        }
        java.nio.file.Path jar;
        try {
            jar = java.nio.file.Path.of(source.getLocation().toURI());
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            return "";
        }
        if (!java.nio.file.Files.isRegularFile(jar) || jar.getFileName().toString().startsWith(FORY_JAR_PREFIX)) {
            return ""; // a directory of classes, or Fory's own jar: no manifest to get wrong
        }
        try (java.util.jar.JarFile file = new java.util.jar.JarFile(jar.toFile(), false,
                java.util.zip.ZipFile.OPEN_READ, Runtime.version())) {
            if (file.isMultiRelease() || file.stream().noneMatch(e -> e.getName().startsWith(VERSIONED_ENTRIES))) {
                return "";
            }
        } catch (IOException e) {
            return ""; // the JVM reads it anyway; nothing to say about it
        }
        return "the jar " + jar + " holds classes for newer Java versions (" + VERSIONED_ENTRIES + ") that the JVM "
                + "ignores because its manifest lacks the line \"Multi-Release: true\", so worker processes cannot "
                + "work: add that line to the jar's manifest (with maven-shade-plugin, a ManifestResourceTransformer "
                + "with <Multi-Release>true</Multi-Release> in its manifestEntries; with maven-assembly-plugin, the "
                + "same entry in <archive><manifestEntries>)";
    }

    /**
     * Fails if the serializer's classes come from a jar that merged a multi-release jar without keeping
     * {@code Multi-Release: true} in its manifest (maven-shade-plugin's and maven-assembly-plugin's default): the
     * JVM then loads the wrong version of some of them, and serialization fails later, in a worker or a sender
     * thread, with an error that says nothing of the cause. Checked once per JVM.
     *
     * @throws IllegalStateException naming the jar and the manifest line to add
     */
    public static void requireMultiReleaseJar() {
        String problem = JarProblem.PROBLEM;
        if (!problem.isEmpty()) {
            throw new IllegalStateException(problem);
        }
    }

    private Serialization(boolean codegen) {
        requireMultiReleaseJar();
        this.checker = new AllowListChecker(AllowListChecker.CheckLevel.STRICT);
        JDK_DATA_CLASSES.forEach(checker::allowClass);
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
                .withTypeChecker(Serialization.this::checkType)
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
        for (String p : packages) {
            if (p.startsWith("=")) {
                checker.allowClass(p.substring(1));
                checker.allowClass(p.substring(1) + "$*"); // its nested classes and lambdas
            } else {
                checker.allowClass(p + ".*");
            }
        }
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
            // The serializer's refusal says no more than the message does, and in its own terms: not kept.
            throw new IllegalArgumentException(role + " cannot be sent to a worker process: "
                    + culprit(function, e) + ". Workers are separate JVMs: what a task captures is copied to them, "
                    + "so it must be data (not threads, streams, connections or locks) of classes on the class path",
                    rootCause(e) instanceof org.apache.fory.exception.InsecureException ? null : e);
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
        SerializedLambda lambda = serializedForm(value);
        if (lambda != null) {
            for (int i = 0; i < lambda.getCapturedArgCount(); i++) {
                Object captured = lambda.getCapturedArg(i);
                if (captured instanceof dev.ensemble.WorkerPool || captured instanceof dev.ensemble.Ensemble<?>) {
                    return "the lambda captures a pool (" + captured + "), and a pool cannot be sent to a worker "
                            + "process. To parallelise inside a task, build a pool in the task (for example "
                            + "WorkerPool.threads(n) in a try-with-resources), or return the work to the caller";
                }
                try {
                    fory.serialize(captured);
                } catch (RuntimeException | StackOverflowError e) {
                    if (serializedForm(captured) != null) {
                        return culprit(captured, e); // the user's lambda inside one of the library's: name its part
                    }
                    String capturing = lambda.getCapturingClass().replace('/', '.');
                    boolean enclosing = i == 0 && captured != null
                            && captured.getClass().getName().equals(capturing)
                            && lambda.getImplMethodKind() != java.lang.invoke.MethodHandleInfo.REF_invokeStatic;
                    String what = enclosing
                            ? "the lambda captures its enclosing instance of " + capturing
                                    + " (it uses a field or method of it), which"
                            : "the value captured by the lambda (argument " + i + " of "
                                    + lambda.getImplMethodName() + " in " + capturing + "), of "
                                    + describeClass(captured) + ",";
                    return what + " cannot be serialized: " + rootMessage(e);
                }
            }
        }
        return (value == null ? "null" : "an object of " + describeClass(value)) + " cannot be serialized: "
                + rootMessage(error);
    }

    private static String describeClass(Object value) {
        return value == null ? "null" : "class " + value.getClass().getName();
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * The allow-list's answer, widened to the JDK's enums ({@code TimeUnit}, {@code DayOfWeek}, ...): rebuilding an
     * enum only looks a constant up by name, so no enum is a gadget, and applications send them as data (keys of
     * an {@code EnumMap}, fields of their records).
     */
    private boolean checkType(org.apache.fory.resolver.TypeResolver resolver, String className) {
        try {
            return checker.checkType(resolver, className);
        } catch (org.apache.fory.exception.InsecureException refused) {
            if (isJdkEnum(className)) {
                return true;
            }
            throw refused;
        }
    }

    private static final java.util.concurrent.ConcurrentMap<String, Boolean> JDK_ENUMS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static boolean isJdkEnum(String className) {
        if (!className.startsWith("java.")) {
            return false;
        }
        return JDK_ENUMS.computeIfAbsent(className, name -> {
            try {
                Class<?> type = Class.forName(name, false, ClassLoader.getPlatformClassLoader());
                return type.isEnum() && type.getClassLoader() == null;
            } catch (ClassNotFoundException | LinkageError e) {
                return false;
            }
        });
    }

    /**
     * JDK value classes outside the packages Fory knows by itself that applications send as data (a crawler's
     * URIs, a parser's patterns, time zones), admitted by both ends (as the JDK-serialization filter admits
     * {@code java.time} whole). Not {@code URL} or {@code InetAddress}: rebuilding them
     * can reach the network (the URLDNS gadget), so they stay refused, with a message saying to send their text.
     */
    private static final java.util.List<String> JDK_DATA_CLASSES = java.util.List.of("java.net.URI",
            "java.util.regex.Pattern", "java.time.*");

    /** Fory's allow-list refusals: "Class X isn't in the allow list ..." and "X hit disallowed list". */
    private static final java.util.regex.Pattern NOT_ALLOWED =
            java.util.regex.Pattern.compile("Class (\\S+) isn't in the allow list.*", java.util.regex.Pattern.DOTALL);
    private static final java.util.regex.Pattern DISALLOWED = java.util.regex.Pattern.compile("(\\S+) hit disallowed list.*",
            java.util.regex.Pattern.DOTALL);

    private static String rootMessage(Throwable e) {
        Throwable t = rootCause(e);
        String text = t.getMessage() != null ? t.getMessage() : t.getClass().getName();
        if (text.contains("needs to implement java.io.Serializable")) {
            text += " (a lambda can be sent only if its interface is Serializable, such as dev.ensemble.Task)";
        } else if (t instanceof org.apache.fory.exception.InsecureException) {
            java.util.regex.Matcher notAllowed = NOT_ALLOWED.matcher(text);
            java.util.regex.Matcher disallowed = DISALLOWED.matcher(text);
            if (notAllowed.matches() && notAllowed.group(1).matches("(java|javax|jdk|sun|com\\.sun)\\..*")) {
                text = "class " + notAllowed.group(1) + " is a JDK class that worker processes do not rebuild (only "
                        + "JDK data classes are accepted): send its data instead, such as its toString() or fields";
            } else if (notAllowed.matches()) {
                text = "class " + notAllowed.group(1) + " is not on the class path or module path of this JVM, so "
                        + "worker processes could not load it (a class of another class loader, or made at run time)";
            } else if (disallowed.matches()) {
                text = disallowed.group(1) + " is never copied to another JVM: it is not data";
            } else {
                text += " (workers accept only JDK classes that are safe to deserialize and classes on the class "
                        + "path)";
            }
        }
        return text;
    }

    /** The serialized form of a lambda (its captured values, its implementation), or null if it is none. */
    static SerializedLambda serializedForm(Object value) {
        if (value == null || !value.getClass().isSynthetic() && !value.getClass().isHidden()) {
            return null;
        }
        try {
            Method writeReplace = value.getClass().getDeclaredMethod("writeReplace");
            writeReplace.setAccessible(true);
            return writeReplace.invoke(value) instanceof SerializedLambda s ? s : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
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
        try {
            byte[] bytes;
            try {
                bytes = javaSerialize(error);
            } catch (java.io.NotSerializableException e) {
                // A field holds what cannot travel (a thread, a connection): the exception still goes as its own
                // class, with that field null, so that catch and instanceof work on it.
                bytes = javaSerializeDroppingUnserializable(error);
            }
            readThrowable(bytes, ClassPathPackages.ofThisJvm());
            return bytes;
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            try {
                return javaSerialize(copyOf(error));
            } catch (IOException | RuntimeException again) {
                WorkerException bare = new WorkerException(error.getClass().getName(),
                        String.valueOf(error.getMessage()));
                bare.setStackTrace(error.getStackTrace());
                try {
                    return javaSerialize(bare);
                } catch (IOException impossible) {
                    throw new IllegalStateException(impossible);
                }
            }
        }
    }

    /** JDK serialization with every object that is not {@link java.io.Serializable} written as null. */
    private static byte[] javaSerializeDroppingUnserializable(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes) {
            {
                enableReplaceObject(true);
            }

            @Override
            protected Object replaceObject(Object obj) {
                return obj instanceof java.io.Serializable ? obj : null;
            }
        }) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    private static byte[] javaSerialize(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    /**
     * Decodes an exception encoded by {@link #encodeThrowable}, admitting only exception classes of the JDK's
     * {@code java.*} packages and the class path, and the data classes {@link #jdkRead} admits.
     *
     * @param bytes the encoding
     * @return the exception, or a {@link WorkerException} saying why it could not be rebuilt
     */
    public static Throwable decodeThrowable(byte[] bytes) {
        try {
            return readThrowable(bytes, ClassPathPackages.ofThisJvm());
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            String why = e instanceof InvalidClassException ? e.getMessage() : e.toString();
            return new WorkerException("?", "an exception thrown in a worker could not be rebuilt here: " + why);
        }
    }

    private static Throwable readThrowable(byte[] bytes, Set<String> packages) throws IOException,
            ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
                return ApplicationLoader.load(desc.getName());
            }
        }) {
            in.setObjectInputFilter(filter(bytes.length, packages, true));
            return (Throwable) in.readObject();
        }
    }

    /**
     * The class filter of JDK deserialization: the JDK's data classes, the classes of {@code packages}, and with
     * {@code throwables} the exceptions of the JDK's {@code java.*} packages. Arrays are budgeted by the stream's
     * size: every element takes at least one byte of the stream, so a stream cannot claim more elements, in all
     * its arrays together, than it has bytes. Without that budget a few bytes claiming a {@code long[1 << 28]}
     * make the reader allocate 2 GiB before reading any element.
     */
    private static ObjectInputFilter filter(int streamBytes, Set<String> packages, boolean throwables) {
        long[] elementsLeft = {streamBytes + 1024L};
        return info -> {
            if (info.depth() > 500) {
                return ObjectInputFilter.Status.REJECTED;
            }
            if (info.arrayLength() >= 0) {
                elementsLeft[0] -= info.arrayLength();
                if (elementsLeft[0] < 0) {
                    return ObjectInputFilter.Status.REJECTED;
                }
            }
            Class<?> type = info.serialClass();
            while (type != null && type.isArray()) {
                type = type.getComponentType();
            }
            if (type == null || type.isPrimitive()) {
                return ObjectInputFilter.Status.UNDECIDED;
            }
            if (admitted(type.getName(), packages)
                    || throwables && Throwable.class.isAssignableFrom(type) && type.getName().startsWith("java.")) {
                return ObjectInputFilter.Status.ALLOWED;
            }
            return ObjectInputFilter.Status.REJECTED;
        };
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
        return javaSerialize(value);
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
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        boolean[] refused = {false};
        try (ObjectOutputStream out = new ObjectOutputStream(bytes) {
            @Override
            protected void annotateClass(Class<?> type) {
                check(type);
            }

            @Override
            protected void annotateProxyClass(Class<?> type) {
                refused[0] = true; // a proxy's handler is rarely a data class: Fory decides
            }

            private void check(Class<?> type) {
                Class<?> element = type;
                while (element.isArray()) {
                    element = element.getComponentType();
                }
                if (!element.isPrimitive() && !admitted(element.getName(), packages)) {
                    refused[0] = true;
                }
            }
        }) {
            out.writeObject(value);
        } catch (IOException | RuntimeException | StackOverflowError e) {
            return null;
        }
        return refused[0] ? null : bytes.toByteArray();
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
        try {
            java.util.function.Function<Object, Object> probe =
                    (java.util.function.Function<Object, Object> & java.io.Serializable) value -> value;
            byte[] bytes = jdkBytesIfAdmitted(new Object[] {probe, 1, 2L, 3.0, "four", new double[] {5}}, packages);
            if (bytes != null) {
                jdkRead(bytes, packages);
            }
        } catch (RuntimeException | LinkageError e) {
            // nothing was at stake
        }
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
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
                return ApplicationLoader.load(desc.getName());
            }
        }) {
            in.setObjectInputFilter(filter(bytes.length, packages, false));
            return in.readObject();
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("could not read a value sent by the pool: " + e, e);
        }
    }

    private static boolean admitted(String className, Set<String> packages) {
        int dot = className.lastIndexOf('.');
        String pkg = dot < 0 ? "" : className.substring(0, dot);
        if (pkg.equals("java.lang") || pkg.equals("java.util") || pkg.equals("java.math") || pkg.equals("java.time")
                || className.equals("java.lang.invoke.SerializedLambda")) {
            return !className.startsWith("java.lang.Thread") && !className.startsWith("java.lang.Process")
                    && !className.startsWith("java.lang.ClassLoader");
        }
        if (dot < 0) {
            int dollar = className.indexOf('$');
            return packages.contains("=" + (dollar < 0 ? className : className.substring(0, dollar)));
        }
        return packages.contains(pkg);
    }

    /** A copy of an exception and its causes and suppressed ones, as exceptions that always travel. */
    static WorkerException copyOf(Throwable t) {
        WorkerException copy = new WorkerException(t.getClass().getName(), t.getMessage());
        copy.setStackTrace(t.getStackTrace());
        if (t.getCause() != null && t.getCause() != t) {
            copy.initCause(copyOf(t.getCause()));
        }
        for (Throwable s : t.getSuppressed()) {
            copy.addSuppressed(copyOf(s));
        }
        return copy;
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
