package io.wattguard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where InfluxDB is: {@code --influx-url}, else {@code WATTGUARD_INFLUX_URL}, else the file's {@code influxdb.url},
 * for {@code check-config}, {@code run} and {@code analyze}.
 */
class InfluxUrlTest {
    private static final String EXPECTED =
            "expected a URL such as http://127.0.0.1:8086 (scheme http or https, " + "with a host), found ";

    @TempDir
    Path tmp;

    private Path config(String url) throws IOException {
        return Files.writeString(
                tmp.resolve("wattguard.yaml"), """
                influxdb: {%sdatabase: site}
                analysis: {}
                sources: [{name: s, type: synthetic, series: [{measurement: gpu, fields: {power_w: 1}}]}]
                """.formatted(url == null ? "" : "url: '" + url + "', "));
    }

    /** The influxdb line of check-config's summary. */
    private static String influxLine(Cli.Result r) {
        assertEquals(0, r.code(), r.err());
        return r.out()
                .lines()
                .filter(l -> l.startsWith("  influxdb  "))
                .findFirst()
                .orElseThrow()
                .substring(12);
    }

    @Test
    void checkConfigShowsTheUrlInEffectAndWhereItCameFrom() throws IOException {
        String plain = config(null).toString();
        assertEquals(
                "http://127.0.0.1:8086 (default) database 'site'",
                influxLine(CliEnv.run(Map.of(), "check-config", "--config", plain)));
        String file = config("http://file.example:8086").toString();
        assertEquals(
                "http://file.example:8086 (influxdb.url) database 'site'",
                influxLine(CliEnv.run(Map.of(), "check-config", "--config", file)));
        Map<String, String> env = Map.of("WATTGUARD_INFLUX_URL", "https://env.example:8443");
        assertEquals(
                "https://env.example:8443 (WATTGUARD_INFLUX_URL) database 'site'",
                influxLine(CliEnv.run(env, "check-config", "--config", file)));
        assertEquals(
                "http://option.example:8086 (--influx-url) database 'site'",
                influxLine(CliEnv.run(
                        env, "check-config", "--config", file, "--influx-url", "http://option.example:8086")));
        assertEquals(
                "http://file.example:8086 (influxdb.url) database 'site'",
                influxLine(CliEnv.run(Map.of("WATTGUARD_INFLUX_URL", " "), "check-config", "--config", file)),
                "an empty variable is unset");
    }

    @Test
    void aBadUrlIsBadInputNamingWhereItCameFrom() throws IOException {
        String file = config("http://file.example:8086").toString();
        Cli.Result option = CliEnv.run(Map.of(), "check-config", "--config", file, "--influx-url", "ftp://x");
        assertEquals(2, option.code());
        assertEquals("--influx-url: " + EXPECTED + "'ftp://x'\n", option.err());
        Cli.Result env = CliEnv.run(Map.of("WATTGUARD_INFLUX_URL", "localhost:8086"), "check-config", "--config", file);
        assertEquals(2, env.code());
        assertEquals("WATTGUARD_INFLUX_URL: " + EXPECTED + "'localhost:8086'\n", env.err());
        Cli.Result port = CliEnv.run(Map.of(), "check-config", "--config", file, "--influx-url", "http://h:70000");
        assertEquals(2, port.code());
        assertEquals("--influx-url: expected a port from 1 to 65535, found 70000 in 'http://h:70000'\n", port.err());
        // run checks it before anything starts
        Cli.Result run = CliEnv.run(Map.of(), "run", "--config", file, "--influx-url", "http:///nohost");
        assertEquals(2, run.code());
        assertEquals("--influx-url: " + EXPECTED + "'http:///nohost'\n", run.err());
    }

    @Test
    void theFilesPortIsCheckedToo() throws IOException {
        Path file = config("http://file.example:99999");
        Cli.Result r = CliEnv.run(Map.of(), "check-config", "--config", file.toString());
        assertEquals(2, r.code());
        assertEquals(
                "1 problem in the configuration:\n  " + file + ":1:17: influxdb.url: expected a port from 1 to "
                        + "65535, found 99999 in 'http://file.example:99999'\n",
                r.err());
    }

    @Test
    void analyzeAgainstAnUnreachableInfluxIsARunTimeFailureInPlainWords() throws IOException {
        int port = PrivateInfluxd.freePort();
        String url = "http://127.0.0.1:" + port;
        Cli.Result r = CliEnv.run(
                Map.of(),
                "analyze",
                "--config",
                config("http://file.example:8086").toString(),
                "--influx-url",
                url,
                "--from",
                "2026-10-06",
                "--to",
                "2026-10-07",
                "--warmup",
                "0s");
        assertEquals(1, r.code(), r.err());
        assertTrue(
                r.err().endsWith("cannot reach InfluxDB at " + url + " (URL from --influx-url): connection refused\n"),
                r.err());
        assertFalse(
                r.err().contains("java.")
                        || r.err().contains("Exception")
                        || r.err().contains("\tat "),
                r.err());
    }
}
