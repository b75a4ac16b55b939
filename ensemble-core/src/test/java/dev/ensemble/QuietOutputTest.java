package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application started as the guide says prints nothing of ours but what it prints itself: no warning from the
 * serializer, in its JVM or its workers', when it sends a JDK class with custom serialization ({@code URI}) or a
 * failure; and a JDK class that is refused ({@code URL}, which can reach the network as it is rebuilt) fails its
 * input alone, with a message saying what to send instead; and worker options that rule out the start-up cache
 * (an agent's) print nothing either.
 */
@ExtendWith(LeakCheck.class)
class QuietOutputTest {
    @TempDir
    Path dir;

    private static final String MAIN = """
            package app;

            import dev.ensemble.Outcome;
            import dev.ensemble.TaskFailedException;
            import dev.ensemble.WorkerPool;
            import java.net.URI;
            import java.net.URL;
            import java.util.List;

            public class Main {
                /** A system class loader of the application's own. */
                public static class Loader extends ClassLoader {
                    public Loader(ClassLoader parent) {
                        super(parent);
                    }
                }

                public static void main(String[] args) throws Exception {
                    try (WorkerPool pool = WorkerPool.processes(2)) {
                        List<URI> uris = List.of(URI.create("https://example.com/a"), URI.create("https://example.com/b"));
                        List<URI> back = pool.map(uris, u -> URI.create(u + "?seen"));
                        System.out.println("uris: " + back);
                        List<Outcome<String>> urls = pool.mapOutcomes(List.of(URI.create("https://example.com/c").toURL()),
                                URL::getHost);
                        System.out.println("url: " + urls.getFirst().isSuccess());
                        System.out.println(((Outcome.Failure<String>) urls.getFirst()).error().getCause().getMessage());
                        try {
                            pool.map(List.of(1), x -> { throw new IllegalStateException("bad " + x); });
                        } catch (TaskFailedException e) {
                            System.out.println("failure: " + e.getCause().getMessage());
                        }
                    }
                    // Options an APM agent brings (an agent, another module graph) make workers refuse the start-up
                    // cache the pool above used or made; that must cost nothing but speed, and print nothing.
                    try (WorkerPool agents = WorkerPool.builder().processes().workers(1)
                            .jvmArgs("--add-modules=java.instrument").build()) {
                        System.out.println("with agents: " + agents.apply(() -> 6 * 7));
                    }
                    // An application's own system class loader: the JVM then ignores the cache's application classes.
                    try (WorkerPool loaders = WorkerPool.builder().processes().workers(1)
                            .jvmArgs("-Djava.system.class.loader=app.Main$Loader").build()) {
                        System.out.println("with a class loader: " + loaders.apply(() -> 6 * 7));
                    }
                }
            }
            """;

    @Test
    void anApplicationsOutputHoldsOnlyWhatItPrinted() throws Exception {
        Path app = ChildApplications.compileMain(dir, MAIN);
        List<String> classPath = new ArrayList<>(ChildApplications.libraryEntries());
        classPath.add(app.toString());
        String output = JavaApplication.run("-cp", String.join(File.pathSeparator, classPath), "app.Main");
        assertThat(output.lines()).as(output).containsExactly(
                "uris: [https://example.com/a?seen, https://example.com/b?seen]", "url: false",
                "the input cannot be sent to a worker process: an object of class java.net.URL cannot be serialized: "
                        + "class java.net.URL is a JDK class that worker processes do not rebuild (only JDK data "
                        + "classes are accepted): send its data instead, such as its toString() or fields",
                "failure: bad 1", "with agents: 42", "with a class loader: 42");
    }
}
