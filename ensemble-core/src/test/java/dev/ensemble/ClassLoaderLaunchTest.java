package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application loaded, with the library, in a class loader of its own ({@code mvn exec:java}, launchers with a
 * {@code URLClassLoader}), in a JVM whose class path holds neither: its process pools and instance pools run its
 * tasks, and results and exceptions come back as its own classes.
 */
@ExtendWith(LeakCheck.class)
class ClassLoaderLaunchTest {
    @TempDir
    Path dir;

    static final String MAIN = """
            package app;

            import dev.ensemble.Ensemble;
            import dev.ensemble.TaskFailedException;
            import dev.ensemble.WorkerPool;
            import java.util.List;

            public class Main {
                public record Point(int x, int y) {
                }

                public record Label(String text) implements java.io.Serializable {
                }

                public static class AppFailure extends RuntimeException {
                    public AppFailure(String message) {
                        super(message);
                    }
                }

                public static void main(String[] args) {
                    try (WorkerPool pool = WorkerPool.processes(2)) {
                        List<Point> points = pool.map(List.of(1, 2, 3), x -> new Point(x, x * x));
                        System.out.println("map: " + points + " own class: " + (points.get(0).getClass() == Point.class));
                        List<Label> labels = pool.map(List.of("a", "b"), s -> new Label(s));
                        System.out.println("labels: " + labels + " own class: " + (labels.get(1).getClass() == Label.class));
                        try {
                            pool.map(List.of(1), x -> {
                                throw new AppFailure("bad " + x);
                            });
                        } catch (TaskFailedException e) {
                            System.out.println("failure own class: " + (e.getCause().getClass() == AppFailure.class));
                        }
                    }
                    try (Ensemble<StringBuilder> builders = Ensemble.processes(2, StringBuilder::new)) {
                        List<Label> labels = builders.broadcast(b -> new Label(b.append("ok").toString()));
                        System.out.println("ensemble: " + labels + " own class: " + (labels.get(0).getClass() == Label.class));
                    }
                }
            }
            """;

    private static final String LAUNCHER = """
            import java.io.File;
            import java.net.URL;
            import java.net.URLClassLoader;
            import java.nio.file.Path;
            import java.util.ArrayList;
            import java.util.List;

            public class Launcher {
                public static void main(String[] args) throws Exception {
                    List<URL> urls = new ArrayList<>();
                    for (String entry : args[0].split(File.pathSeparator)) {
                        urls.add(Path.of(entry).toUri().toURL());
                    }
                    ClassLoader loader = new URLClassLoader("app", urls.toArray(URL[]::new),
                            ClassLoader.getSystemClassLoader());
                    if (args[1].equals("context")) {
                        Thread.currentThread().setContextClassLoader(loader);
                    }
                    loader.loadClass("app.Main").getMethod("main", String[].class).invoke(null, (Object) new String[0]);
                }
            }
            """;

    @Test
    void anApplicationInAUrlClassLoader_getsItsOwnClassesBack() throws Exception {
        assertThat(launch("plain").lines()).contains("map: [Point[x=1, y=1], Point[x=2, y=4], Point[x=3, y=9]] "
                + "own class: true", "labels: [Label[text=a], Label[text=b]] own class: true",
                "failure own class: true", "ensemble: [Label[text=ok], Label[text=ok]] own class: true");
    }

    @Test
    void anApplicationInTheContextClassLoader_asExecJavaRunsIt_getsItsOwnClassesBack() throws Exception {
        assertThat(launch("context").lines()).contains("map: [Point[x=1, y=1], Point[x=2, y=4], Point[x=3, y=9]] "
                + "own class: true", "labels: [Label[text=a], Label[text=b]] own class: true",
                "failure own class: true", "ensemble: [Label[text=ok], Label[text=ok]] own class: true");
    }

    /** Runs the application through the launcher, whose JVM's class path holds only the launcher. */
    private String launch(String contextLoader) throws Exception {
        Path app = ChildApplications.compileMain(dir, MAIN);
        Path launcherSource = dir.resolve("launcher-src/Launcher.java");
        Files.createDirectories(launcherSource.getParent());
        Files.writeString(launcherSource, LAUNCHER);
        Path launcher = dir.resolve("launcher-classes");
        int compiled = ToolProvider.findFirst("javac").orElseThrow().run(System.out, System.err, "-d",
                launcher.toString(), launcherSource.toString());
        assertThat(compiled).as("the launcher compiles").isZero();
        List<String> appClassPath = new ArrayList<>(ChildApplications.libraryEntries());
        appClassPath.add(app.toString());
        String output = JavaApplication.run("-cp", launcher.toString(), "Launcher",
                String.join(File.pathSeparator, appClassPath), contextLoader);
        return output;
    }
}
