package dev.ensemble.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java example in the README and the user guide ({@code docs/}) compiles against the library as built, so
 * that no example shows an API that does not exist.
 *
 * <p>An example is a fenced {@code java} block. It is compiled as the body of a method (or, if it declares a
 * type at its first column, as members of a class) with the imports below. What it leaves undeclared (the
 * reader's own {@code pool}, {@code Model}, {@code inputs}) is declared in an HTML comment just above the block,
 * which a Markdown viewer does not show:
 * <pre>
 * &lt;!-- example context:
 * import com.hazelcast.core.HazelcastInstance;
 * WorkerPool pool;
 * record Result(boolean interesting) {}
 * --&gt;
 * </pre>
 * Its {@code import} lines go to the top of the file, the rest are members of the class around the example.
 */
class GuideExamplesTest {
    private static final List<String> IMPORTS = List.of("dev.ensemble.*", "java.util.*", "java.util.concurrent.*",
            "java.util.function.*", "java.util.stream.*", "java.time.Duration", "java.io.*", "java.nio.file.*");
    private static final String CONTEXT = "<!-- example context:";

    /** One example: where it is, what it needs, what it says. */
    record Example(String file, int line, List<String> context, List<String> code) {
        String className() {
            return "Example_" + file.replaceAll("\\W", "_") + "_" + line;
        }

        String source() {
            StringBuilder s = new StringBuilder();
            IMPORTS.forEach(i -> s.append("import ").append(i).append(";\n"));
            Stream.concat(context.stream(), code.stream()).filter(l -> l.startsWith("import "))
                    .forEach(l -> s.append(l).append('\n'));
            s.append("@SuppressWarnings(\"all\")\nclass ").append(className()).append(" {\n");
            context.stream().filter(l -> !l.startsWith("import ")).forEach(l -> s.append(l).append('\n'));
            List<String> body = code.stream().filter(l -> !l.startsWith("import ")).toList();
            boolean declaresTypes = body.stream()
                    .anyMatch(l -> l.matches("(public |final |abstract |static )*(class|record|interface|enum) .*"));
            if (declaresTypes) {
                body.forEach(l -> s.append(l).append('\n'));
            } else {
                s.append("void example() throws Exception {\n");
                body.forEach(l -> s.append(l).append('\n'));
                s.append("}\n");
            }
            return s.append("}\n").toString();
        }
    }

    @Test
    void everyExampleCompiles(@TempDir Path out) throws IOException {
        List<Example> examples = new ArrayList<>();
        Path root = Path.of("..").toAbsolutePath().normalize();
        examples.addAll(examples(root, root.resolve("README.md")));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            for (Path doc : docs.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
                examples.addAll(examples(root, doc));
            }
        }
        assertThat(examples).as("examples found").hasSizeGreaterThan(15);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<JavaFileObject> sources = new ArrayList<>();
        for (Example e : examples) {
            sources.add(new SimpleJavaFileObject(URI.create("string:///" + e.className() + ".java"),
                    JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return e.source();
                }
            });
        }
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        javac.getTask(null, null, diagnostics, List.of("-proc:none", "-d", out.toString(), "-cp", classPath),
                null, sources).call();

        List<String> errors = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() != Diagnostic.Kind.ERROR) {
                continue;
            }
            String name = d.getSource() == null ? "" : d.getSource().getName();
            Example where = examples.stream().filter(e -> name.contains(e.className())).findFirst().orElse(null);
            errors.add((where == null ? name : where.file() + ", example at line " + where.line()) + ": "
                    + d.getMessage(Locale.ROOT) + (where == null ? "" : "\n    in: "
                    + sourceLine(where, d.getLineNumber())));
        }
        assertThat(errors).as("examples that do not compile (declare what they need in an '%s ... -->' comment "
                + "above the block)", CONTEXT).isEmpty();
    }

    private static String sourceLine(Example e, long line) {
        List<String> lines = e.source().lines().toList();
        return line >= 1 && line <= lines.size() ? lines.get((int) line - 1).strip() : "?";
    }

    /** The fenced java blocks of one Markdown file, each with the context comment right above it, if any. */
    static List<Example> examples(Path root, Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<Example> found = new ArrayList<>();
        List<String> context = List.of();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith(CONTEXT)) {
                List<String> declared = new ArrayList<>();
                for (i++; i < lines.size() && !lines.get(i).strip().equals("-->"); i++) {
                    declared.add(lines.get(i));
                }
                context = declared;
            } else if (line.strip().equals("```java")) {
                int start = i + 1;
                List<String> code = new ArrayList<>();
                for (i++; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
                    code.add(lines.get(i));
                }
                found.add(new Example(root.relativize(file).toString(), start, context, code));
                context = List.of();
            } else if (!line.isBlank()) {
                context = List.of(); // a context belongs to the block right below it
            }
        }
        return found;
    }
}
