package io.wattguard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.testing.Cli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every configuration we hand to operators passes {@code check-config} as shipped: the files in
 * {@code examples/}, the install skeleton {@code deploy/wattguard.yaml} and each source's sample YAML.
 *
 * <p>An example that needs secrets says in its header comment how to give it demo ones, from the repository's
 * top folder, followed by {@code ./wattguard check-config --config examples/NAME}. The test does exactly
 * that: it runs the commented commands with bash in a copy of the repository's {@code examples/}, then
 * check-config through the command line with the environment those commands leave, and expects exit 0. So a
 * reader who follows the comment gets exit 0 too.
 *
 * <p>The other shipped configs name their secrets with {@code *_file} (relative to the config's folder) and
 * {@code *_env} keys; the test provides them the way an operator would.
 */
class ExamplesTest {
    /** Working directory during tests is the collector module. */
    private static final Path REPO = Path.of("..");

    private static final Path EXAMPLES = REPO.resolve("examples");
    private static final Path SAMPLES = Path.of("src", "main", "resources", "io", "wattguard", "source");
    private static final Pattern SECRET_FILE = Pattern.compile("^\\s*[a-z_]+_file:\\s*(\\S+)", Pattern.MULTILINE);
    private static final Pattern SECRET_ENV = Pattern.compile("^\\s*[a-z_]+_env:\\s*(\\S+)", Pattern.MULTILINE);
    /** A command shown in a header comment: {@code #} and three spaces. */
    private static final String COMMAND = "#   ";

    @TempDir
    Path tmp;

    static List<Path> examples() throws IOException {
        try (Stream<Path> s = Files.list(EXAMPLES)) {
            return s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        }
    }

    static List<Path> shippedConfigs() throws IOException {
        List<Path> out = new ArrayList<>(examples());
        out.addAll(otherShippedConfigs());
        return out;
    }

    /** The install skeleton and the sources' samples. */
    static List<Path> otherShippedConfigs() throws IOException {
        List<Path> out = new ArrayList<>();
        out.add(REPO.resolve("deploy").resolve("wattguard.yaml"));
        try (Stream<Path> s = Files.walk(SAMPLES)) {
            s.filter(p -> p.getFileName().toString().equals("sample.yaml"))
                    .sorted()
                    .forEach(out::add);
        }
        return out;
    }

    @Test
    void theShippedConfigsAreFound() throws IOException {
        List<String> names = shippedConfigs().stream()
                .map(p -> p.toString().replace('\\', '/'))
                .toList();
        assertTrue(
                names.stream().anyMatch(n -> n.endsWith("examples/synthetic.yaml")),
                "examples/synthetic.yaml not found from " + Path.of("").toAbsolutePath() + ": " + names);
        assertTrue(names.stream().anyMatch(n -> n.endsWith("examples/production.yaml")), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.endsWith("examples/central.yaml")), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.endsWith("source/synthetic/sample.yaml")), names.toString());
        // The sample travels in the jar, beside its source package.
        assertNotNull(ExamplesTest.class.getResource("/io/wattguard/source/synthetic/sample.yaml"));
    }

    @TestFactory
    Stream<DynamicTest> everyExamplePassesCheckConfigTheWayItsCommentSays() throws IOException {
        return examples().stream()
                .map(example -> DynamicTest.dynamicTest(example.toString(), () -> {
                    String name = example.getFileName().toString();
                    // A fresh checkout's examples/ (without any secrets a developer may have made in this one).
                    Path top = Files.createDirectories(tmp.resolve(name.replace(".yaml", "")));
                    Path examples = Files.createDirectories(top.resolve("examples"));
                    for (Path p : examples()) {
                        Files.copy(p, examples.resolve(p.getFileName()));
                    }
                    List<String> setup = setupCommands(example);
                    Map<String, String> env = runInBash(top, setup);
                    Path copy = examples.resolve(name);
                    String text = Files.readString(copy, StandardCharsets.UTF_8);
                    for (String f : matches(SECRET_FILE, text)) {
                        Path secret = examples.resolve(f).normalize();
                        assertTrue(
                                Files.isRegularFile(secret),
                                name + ": the commands in its header do not create " + f + " (a secret file it names)");
                        assertEquals(
                                "rw-------",
                                PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)),
                                name + ": the commands in its header leave " + f + " readable by others");
                    }
                    Cli.Result r = CliEnv.run(env, "check-config", "--config", copy.toString());
                    assertEquals(
                            0,
                            r.code(),
                            "after\n" + String.join("\n", setup) + "\ncheck-config " + name + " printed:\n" + r.out()
                                    + r.err());
                    assertTrue(r.out().contains(": OK"), r.out());
                }));
    }

    @TestFactory
    Stream<DynamicTest> everyOtherShippedConfigPassesCheckConfig() throws IOException {
        return otherShippedConfigs().stream()
                .map(config -> DynamicTest.dynamicTest(config.toString(), () -> {
                    Cli.Result r = checkWithSecrets(config);
                    assertEquals(0, r.code(), "check-config " + config + " printed:\n" + r.out() + r.err());
                    assertTrue(r.out().contains(": OK"), r.out());
                }));
    }

    /** Proves the production example really reads its secrets: without them it is refused, naming each key. */
    @Test
    void productionExampleIsRefusedWithoutItsSecrets() throws IOException {
        Path config = Files.copy(EXAMPLES.resolve("production.yaml"), tmp.resolve("production.yaml"));
        // An empty environment, whatever the machine running the tests has set.
        Cli.Result r = CliEnv.run(Map.of(), "check-config", "--config", config.toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("influxdb.password_file: cannot read secret file"), r.err());
        assertTrue(r.err().contains("http.token_env: environment variable WATTGUARD_HTTP_TOKEN is not set"), r.err());
    }

    /**
     * The commands the example's header shows right before {@code ./wattguard check-config --config
     * examples/NAME}: the lines of the same block of {@code #   } lines; none when the check comes first.
     */
    static List<String> setupCommands(Path example) throws IOException {
        List<String> header = Files.readAllLines(example, StandardCharsets.UTF_8).stream()
                .takeWhile(l -> l.startsWith("#"))
                .toList();
        String check = COMMAND + "./wattguard check-config --config examples/" + example.getFileName();
        int at = header.indexOf(check);
        assertTrue(
                at >= 0,
                example + ": its header comment must show how to check it from the repository's top "
                        + "folder, as the line '" + check + "' after any commands that give it demo secrets");
        int from = at;
        while (from > 0 && header.get(from - 1).startsWith(COMMAND)) {
            from--;
        }
        return header.subList(from, at).stream()
                .map(l -> l.substring(COMMAND.length()))
                .toList();
    }

    /** Runs the commands with bash in {@code dir}, as a reader would paste them; returns the environment they leave. */
    private static Map<String, String> runInBash(Path dir, List<String> commands) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(
                        "bash", "-euo", "pipefail", "-c", String.join("\n", commands) + "\nenv -0")
                .directory(dir.toFile());
        // Only what a login shell would surely have: nothing of this JVM's environment leaks into the check.
        String path = System.getenv("PATH");
        pb.environment().clear();
        pb.environment().put("PATH", path == null ? "/usr/bin:/bin" : path);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the commands did not finish: " + commands);
        assertEquals(0, p.exitValue(), "the commands failed: " + commands);
        Map<String, String> env = new LinkedHashMap<>();
        for (String entry : new String(out, StandardCharsets.UTF_8).split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return env;
    }

    /**
     * Runs check-config as an operator would after putting the secrets in place: relative {@code *_file}
     * secrets are created next to a copy of the config, {@code *_env} secrets are set in its environment.
     */
    private Cli.Result checkWithSecrets(Path config) throws Exception {
        String text = Files.readString(config, StandardCharsets.UTF_8);
        List<String> files = matches(SECRET_FILE, text);
        Map<String, String> env = new LinkedHashMap<>();
        matches(SECRET_ENV, text).forEach(n -> env.put(n, "example-secret-for-" + n));
        if (files.isEmpty()) {
            return CliEnv.run(env, "check-config", "--config", config.toString());
        }
        Path dir = Files.createDirectories(
                tmp.resolve(config.getFileName().toString().replace(".yaml", "")));
        Path copy = Files.copy(config, dir.resolve(config.getFileName()));
        for (String f : files) {
            Path secret = Path.of(f);
            assertFalse(
                    secret.isAbsolute(),
                    config + ": give example secret files as paths relative to the config "
                            + "(resolved against its folder), not " + f);
            Files.createDirectories(dir.resolve(secret).getParent());
            Files.writeString(dir.resolve(secret), "example-secret-for-" + secret.getFileName() + "\n");
        }
        return CliEnv.run(env, "check-config", "--config", copy.toString());
    }

    private static List<String> matches(Pattern p, String text) {
        List<String> out = new ArrayList<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
