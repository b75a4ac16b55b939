package dev.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promise that a wrong composition of reductions is a compile error, checked by compiling snippets against
 * the built classes with the JDK's compiler.
 */
class ReductionTypingTest {
    private static String classPath;

    @BeforeAll
    static void findClasses() throws Exception {
        classPath = Path.of(Reduction.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    @TempDir
    Path dir;

    /** Compiles the statements in a method that has a pool and two lists; returns the errors, empty if none. */
    private String compile(String statements) throws IOException {
        Path source = dir.resolve("Snippet.java");
        Files.writeString(source, """
                import dev.ensemble.*;
                import java.util.*;
                class Snippet {
                    void run(WorkerPool pool, List<Integer> ints, List<String> words) {
                        %s
                    }
                }
                """.formatted(statements));
        // java.util.spi.ToolProvider, not javax.tools: this test runs inside module dev.ensemble, which does not
        // read java.compiler.
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow();
        StringWriter errors = new StringWriter();
        PrintWriter writer = new PrintWriter(errors);
        int status = javac.run(writer, writer, "-classpath", classPath, "-proc:none", "-implicit:none",
                "-Xlint:none", "-d", dir.resolve("out").toString(), source.toString());
        writer.flush();
        return status == 0 ? "" : errors.toString();
    }

    @Test
    void rightCompositionsCompile() throws IOException {
        assertThat(compile("""
                double mean = pool.batched(ints, b -> b, Reductions.flatten().andThen(Reductions.average()));
                List<Integer> all = pool.batched(ints, b -> b, Reductions.flatten());
                long total = pool.batched(ints, b -> (long) b.size(), Reductions.sum());
                int most = pool.batched(ints, b -> Collections.max(b), Reductions.max());
                Set<String> distinct = pool.batched(words, b -> b, Reductions.setUnion());
                String text = pool.batched(words, b -> String.join(" ", b), Reductions.concat(" "));
                boolean any = pool.batched(ints, b -> b.contains(3), Reductions.or());
                double top = pool.batched(ints, b -> List.of(1.5), Reductions.flatten().andThen(Reductions.<Double>max()));
                long count = pool.batched(words, b -> b, Reductions.setUnion().andThen(Reductions.of(
                        java.util.stream.Collectors.counting())));
                """)).isEmpty();
    }

    @Test
    void averagingStringsDoesNotCompile() throws IOException {
        assertThat(compile("pool.batched(words, b -> b, Reductions.flatten().andThen(Reductions.average()));"))
                .contains("Snippet.java:5: error");
    }

    @Test
    void composingAfterANonCollectionDoesNotCompile() throws IOException {
        assertThat(compile("Reductions.sum().andThen(Reductions.average());"))
                .contains("Snippet.java:5: error").contains("cannot find symbol");
    }

    @Test
    void flatteningNonCollectionsDoesNotCompile() throws IOException {
        assertThat(compile("pool.batched(ints, b -> b.size(), Reductions.flatten());"))
                .contains("Snippet.java:5: error");
    }

    @Test
    void summingStringsDoesNotCompile() throws IOException {
        assertThat(compile("String s = pool.batched(words, b -> b.get(0), Reductions.sum());"))
                .contains("Snippet.java:5: error");
    }
}
