package io.wattguard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * <p>Examples name their secrets with {@code *_file} (relative to the config's folder) and {@code *_env} keys,
 * as production configs must. The test provides them the way an operator would: a copy of the config next to
 * the secret files, and, when an environment variable is needed, {@code check-config} in a child JVM with that
 * variable set (the environment of this JVM cannot be changed).
 */
class ExamplesTest {
    /** Working directory during tests is the collector module. */
    private static final Path REPO = Path.of("..");
    private static final Path EXAMPLES = REPO.resolve("examples");
    private static final Path SAMPLES = Path.of("src", "main", "resources", "io", "wattguard", "source");
    private static final Pattern SECRET_FILE = Pattern.compile("^\\s*[a-z_]+_file:\\s*(\\S+)", Pattern.MULTILINE);
    private static final Pattern SECRET_ENV = Pattern.compile("^\\s*[a-z_]+_env:\\s*(\\S+)", Pattern.MULTILINE);

    @TempDir
    Path tmp;

    private record Result(int code, String output) {}

    static List<Path> shippedConfigs() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(EXAMPLES)) {
            s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().forEach(out::add);
        }
        out.add(REPO.resolve("deploy").resolve("wattguard.yaml"));
        try (Stream<Path> s = Files.walk(SAMPLES)) {
            s.filter(p -> p.getFileName().toString().equals("sample.yaml")).sorted().forEach(out::add);
        }
        return out;
    }

    @Test
    void theShippedConfigsAreFound() throws IOException {
        List<String> names = shippedConfigs().stream().map(p -> p.toString().replace('\\', '/')).toList();
        assertTrue(names.stream().anyMatch(n -> n.endsWith("examples/synthetic.yaml")),
                "examples/synthetic.yaml not found from " + Path.of("").toAbsolutePath() + ": " + names);
        assertTrue(names.stream().anyMatch(n -> n.endsWith("examples/production.yaml")), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.endsWith("source/synthetic/sample.yaml")), names.toString());
        // The sample travels in the jar, beside its source package.
        assertNotNull(ExamplesTest.class.getResource("/io/wattguard/source/synthetic/sample.yaml"));
    }

    @TestFactory
    Stream<DynamicTest> everyShippedConfigPassesCheckConfig() throws IOException {
        return shippedConfigs().stream().map(config -> DynamicTest.dynamicTest(config.toString(), () -> {
            Result r = checkWithSecrets(config);
            assertEquals(0, r.code(), "check-config " + config + " printed:\n" + r.output());
            assertTrue(r.output().contains(": OK"), r.output());
        }));
    }

    /** Proves the production example really reads its secrets: without them it is refused, naming each key. */
    @Test
    void productionExampleIsRefusedWithoutItsSecrets() {
        Path config = EXAMPLES.resolve("production.yaml");
        // An empty environment, whatever the machine running the tests has set.
        io.wattguard.config.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                io.wattguard.config.ConfigException.class, () -> io.wattguard.daemon.Settings.load(config, name -> null));
        assertTrue(e.getMessage().contains("influxdb.password_file: cannot read secret file"), e.getMessage());
        assertTrue(e.getMessage().contains("http.token_env: environment variable WATTGUARD_HTTP_TOKEN is not set"),
                e.getMessage());
    }

    /**
     * Runs check-config as an operator would after putting the secrets in place: relative {@code *_file}
     * secrets are created next to a copy of the config, {@code *_env} secrets are set for a child JVM.
     */
    private Result checkWithSecrets(Path config) throws Exception {
        String text = Files.readString(config, StandardCharsets.UTF_8);
        List<String> files = matches(SECRET_FILE, text);
        List<String> envNames = matches(SECRET_ENV, text);
        if (files.isEmpty() && envNames.isEmpty()) {
            return inProcess(config);
        }
        Path dir = Files.createDirectories(tmp.resolve(config.getFileName().toString().replace(".yaml", "")));
        Path copy = Files.copy(config, dir.resolve(config.getFileName()));
        for (String f : files) {
            Path secret = Path.of(f);
            assertFalse(secret.isAbsolute(), config + ": give example secret files as paths relative to the config "
                    + "(resolved against its folder), not " + f);
            Files.createDirectories(dir.resolve(secret).getParent());
            Files.writeString(dir.resolve(secret), "example-secret-for-" + secret.getFileName() + "\n");
        }
        if (envNames.isEmpty()) {
            return inProcess(copy);
        }
        Map<String, String> env = new LinkedHashMap<>();
        envNames.forEach(n -> env.put(n, "example-secret-for-" + n));
        return childJvm(copy, env);
    }

    private static List<String> matches(Pattern p, String text) {
        List<String> out = new ArrayList<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static synchronized Result inProcess(Path config) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        System.setErr(capture);
        try {
            int code = Main.execute("check-config", "--config", config.toString());
            return new Result(code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private static Result childJvm(Path config, Map<String, String> env) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "check-config", "--config", config.toString());
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] output = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "check-config did not finish");
        return new Result(p.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
