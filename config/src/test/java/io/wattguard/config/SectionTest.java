package io.wattguard.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SectionTest {
    private final Problems problems = new Problems();

    private Section parse(String yaml, Map<String, String> env) {
        ConfigNode root = ConfigNode.parse("t.yaml", new StringReader(yaml), problems);
        return new Section(root, "", new Section.Context(problems, env::get, Path.of("/etc/wattguard")));
    }

    private List<String> messages() {
        return problems.all().stream().map(Problem::toString).toList();
    }

    @Test
    void everyProblemIsReportedWithFileLineColumnAndKeyPath() {
        Section root = parse("""
                influxdb:
                  urll: http://x
                  timeout: 10 seconds
                  batch: 5000
                """, Map.of());
        Section influx = root.section("influxdb");
        influx.url("url", null, "http", "https");
        influx.duration("timeout", Duration.ofSeconds(5), Duration.ofMillis(1), Duration.ofMinutes(5));
        influx.requiredString("database", "the database name");
        influx.finish();
        root.finish();
        assertEquals(
                List.of(
                        "t.yaml:3:12: influxdb.timeout: expected a duration such as 500ms, 10s, 5m, 1h or 1h30m, found '10 seconds'",
                        "t.yaml:2:3: influxdb.database: missing required key 'database' (the database name)",
                        "t.yaml:2:9: influxdb.urll: unknown key (did you mean 'url'?); known keys here: url, timeout, database",
                        "t.yaml:4:10: influxdb.batch: unknown key; known keys here: url, timeout, database"),
                messages());
    }

    @Test
    void durationsSizesAndNumbersParseAsOperatorsWriteThem() {
        Section s = parse("a: 1h30m\nb: 250ms\nc: 64MiB\nd: 100MB\ne: 1_000\nf: 2.5\n", Map.of());
        assertEquals(Duration.ofMinutes(90), s.duration("a", null, Duration.ZERO, Duration.ofDays(1)));
        assertEquals(Duration.ofMillis(250), s.duration("b", null, Duration.ZERO, Duration.ofDays(1)));
        assertEquals(64L << 20, s.bytes("c", 0, 0, Long.MAX_VALUE));
        assertEquals(100_000_000L, s.bytes("d", 0, 0, Long.MAX_VALUE));
        assertEquals(1000, s.integer("e", 0, 0, 10_000));
        assertEquals(2.5, s.number("f", 0, 0, 10));
        assertTrue(problems.isEmpty(), problems.toString());
    }

    @Test
    void outOfRangeAndWrongShapesAreNamed() {
        Section s = parse("n: 70000\nl: [1, 2]\nu: ftp://h/\nm: {x: 1}\n", Map.of());
        s.integer("n", 1, 1, 65535);
        s.string("l", null);
        s.url("u", null, "http", "https");
        s.strings("m");
        assertEquals(
                List.of(
                        "t.yaml:1:4: n: expected an integer from 1 to 65535, found 70000",
                        "t.yaml:2:4: l: expected a string, found a list",
                        "t.yaml:3:4: u: expected a URL such as http://127.0.0.1:8086 (scheme http or https), found 'ftp://h/'",
                        "t.yaml:4:4: m: expected a list of strings, found a map"),
                messages());
    }

    @Test
    void secretsComeFromEnvironmentOrFileNeverTheConfig() {
        Section s =
                parse("password: hunter2\ntoken_env: WG_TOKEN\nkey_file: /nonexistent/k\n", Map.of("WG_TOKEN", "abc"));
        assertNull(s.secret("password"));
        assertEquals("abc", s.secret("token").reveal());
        assertNull(s.secret("key"));
        assertEquals(
                List.of(
                        "t.yaml:1:11: password: secrets are not written in the file: use password_env (an environment variable) "
                                + "or password_file (a file readable only by the service user)",
                        "t.yaml:3:11: key_file: cannot read secret file /nonexistent/k: no such file"),
                messages());
        assertEquals("****", new Secret("abc").toString());
    }

    @Test
    void duplicateKeysAndBadYamlAreProblemsNotExceptions() {
        parse("a: 1\na: 2\n", Map.of());
        parse("a: [1, 2\n", Map.of());
        List<String> m = messages();
        assertEquals("t.yaml:2:1: a: duplicate key (first set on line 1)", m.get(0));
        assertTrue(m.get(1).startsWith("t.yaml:") && m.get(1).contains("not valid YAML"), m.get(1));
    }

    @Test
    void choicesSuggestTheClosestWord() {
        Section s = parse("fsync: bach\n", Map.of());
        assertEquals(Policy.BATCH, s.choice("fsync", Policy.BATCH, Policy.class));
        assertEquals(
                List.of(
                        "t.yaml:1:8: fsync: expected one of batch, interval, never, found 'bach' (did you mean 'batch'?)"),
                messages());
    }

    enum Policy {
        BATCH,
        INTERVAL,
        NEVER
    }
}
