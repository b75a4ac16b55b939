package dev.ensemble.internal.wire;

import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The class loader of the application that uses the library, and the class path entries that loader reads
 * beyond {@code java.class.path}: what a worker JVM needs on its class path, and what this JVM resolves the
 * classes of results and exceptions with.
 *
 * <p>Launchers such as {@code mvn exec:java} or an application server's load the application (and often the
 * library) in a {@link URLClassLoader} of their own, set as the thread context class loader or not; the system
 * class loader then knows neither the application's classes nor their packages. The application's loader is the
 * most specific of the thread context class loader of the thread that builds the JVM's first process pool and the
 * library's own loader that still sees the library; it is chosen once, as one JVM runs one application.
 */
public final class ApplicationLoader {
    private static volatile ClassLoader chosen;
    private static volatile List<Path> extraEntries;

    private ApplicationLoader() {
    }

    /**
     * The application's class loader, chosen by the first caller (see the class comment).
     *
     * @return the loader; the system class loader for an application on the class path or module path
     */
    public static ClassLoader get() {
        ClassLoader loader = chosen;
        if (loader == null) {
            synchronized (ApplicationLoader.class) {
                loader = chosen;
                if (loader == null) {
                    loader = choose();
                    chosen = loader;
                }
            }
        }
        return loader;
    }

    private static ClassLoader choose() {
        ClassLoader library = ApplicationLoader.class.getClassLoader();
        if (library == null) {
            library = ClassLoader.getSystemClassLoader();
        }
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null && context != library && delegatesTo(context, library) && seesLibrary(context)) {
            return context; // a child of the library's loader, holding the application (exec:java)
        }
        return library;
    }

    private static boolean delegatesTo(ClassLoader child, ClassLoader ancestor) {
        for (ClassLoader l = child; l != null; l = l.getParent()) {
            if (l == ancestor) {
                return true;
            }
        }
        return false;
    }

    private static boolean seesLibrary(ClassLoader loader) {
        try {
            return Class.forName(ApplicationLoader.class.getName(), false, loader) == ApplicationLoader.class;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * The class path entries of the application's loader chain that the system class loader does not read: the
     * {@link URLClassLoader} URLs of each loader up to the system class loader (outermost first), and where the
     * library itself was loaded from; entries inside a jar (Spring Boot's) as extracted by {@link NestedJars}.
     * Entries already on {@code java.class.path} are included; callers skip them.
     *
     * @return the entries, in order, each once; empty for an application on the class path
     */
    public static List<Path> extraEntries() {
        List<Path> entries = extraEntries;
        if (entries == null) {
            synchronized (ApplicationLoader.class) { // once: collecting may extract nested jars
                entries = extraEntries;
                if (entries == null) {
                    entries = List.copyOf(collect(get()));
                    extraEntries = entries;
                }
            }
        }
        return entries;
    }

    private static Set<Path> collect(ClassLoader application) {
        Set<Path> entries = new LinkedHashSet<>();
        ClassLoader system = ClassLoader.getSystemClassLoader();
        if (application == system) {
            return entries;
        }
        Deque<ClassLoader> chain = new ArrayDeque<>();
        for (ClassLoader l = application; l != null && l != system && l != ClassLoader.getPlatformClassLoader();
                l = l.getParent()) {
            chain.push(l);
        }
        for (ClassLoader l : chain) {
            if (l instanceof URLClassLoader urls) {
                for (URL url : urls.getURLs()) {
                    add(url, entries);
                }
            }
        }
        CodeSource library = ApplicationLoader.class.getProtectionDomain().getCodeSource();
        if (library != null) {
            add(library.getLocation(), entries);
        }
        return entries;
    }

    private static void add(URL url, Set<Path> entries) {
        if (url == null) {
            return;
        }
        if (!"file".equals(url.getProtocol())) {
            Path nested = NestedJars.extracted(url); // a jar in a jar (Spring Boot): a worker reads only files
            if (nested != null) {
                entries.add(nested);
            }
            return;
        }
        try {
            entries.add(Path.of(url.toURI()).toAbsolutePath().normalize());
        } catch (URISyntaxException | IllegalArgumentException e) {
            // not a path: nothing a worker could put on its class path
        }
    }

    /**
     * Resolves a class by name as the application would: through its loader.
     *
     * @param name the binary name
     * @return the class, not initialized
     * @throws ClassNotFoundException if the application cannot see it
     */
    public static Class<?> load(String name) throws ClassNotFoundException {
        return Class.forName(name, false, get());
    }
}
