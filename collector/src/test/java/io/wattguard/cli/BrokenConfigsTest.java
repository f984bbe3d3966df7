package io.wattguard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Each file in {@code broken-configs/} is a config an operator could write; beside it, {@code .expected}
 * holds exactly what {@code check-config} must print ({@code {file}} stands for the path). Every one exits 2
 * without a stack trace.
 */
class BrokenConfigsTest {
    private static final Path DIR = Path.of("src/test/resources/broken-configs");

    @TestFactory
    Stream<DynamicTest> everyBrokenConfigGivesItsExactMessage() throws IOException {
        List<Path> configs;
        try (Stream<Path> s = Files.list(DIR)) {
            configs = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(configs.size() >= 20, "at least 20 broken configs, found " + configs.size());
        return configs.stream()
                .map(cfg -> DynamicTest.dynamicTest(cfg.getFileName().toString(), () -> {
                    Path expectedFile = Path.of(cfg.toString().replace(".yaml", ".expected"));
                    String expected = Files.readString(expectedFile).replace("{file}", cfg.toString());
                    Cli.Result r = Cli.run("check-config", "--config", cfg.toString());
                    assertEquals(2, r.code(), r.err());
                    assertEquals(expected, r.err());
                    assertFalse(r.err().contains("\tat "), "no stack trace");
                }));
    }

    @Test
    void aMissingFileIsNamed() {
        Cli.Result r = Cli.run("check-config", "--config", "/nonexistent/wattguard.yaml");
        assertEquals(2, r.code());
        assertEquals(
                "1 problem in the configuration:\n  /nonexistent/wattguard.yaml: cannot read the configuration file: "
                        + "no such file\n",
                r.err());
    }

    @Test
    void aMissingOptionIsBadInputToo() {
        Cli.Result r = Cli.run("check-config");
        assertEquals(2, r.code());
        assertEquals("Missing required option: '--config=FILE'\nTry 'wattguard check-config --help'.\n", r.err());
    }

    @Test
    void secretsNeverAppearInWhatCheckConfigPrints() throws IOException {
        Path dir = Files.createTempDirectory("wg-secret");
        Path secret = Files.writeString(dir.resolve("pass"), "s3cr3t-value\n");
        Path cfg = Files.writeString(dir.resolve("c.yaml"), """
                influxdb: {username: wg, password_file: %s}
                sources: [{name: s, type: synthetic, series: [{measurement: gpu, fields: {power_w: 1}}]}]
                """.formatted(secret));
        Cli.Result r = Cli.run("check-config", "--config", cfg.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(": OK"), r.out());
        assertFalse((r.out() + r.err()).contains("s3cr3t-value"));
    }

    @Test
    void theSummarySaysWhichNvmlSourcesGiveNoGpuLevelVerdict() throws IOException {
        Path dir = Files.createTempDirectory("wg-allow");
        Path cfg = Files.writeString(dir.resolve("c.yaml"), """
                sources:
                  - {name: listed, type: nvml, allowlist: [{user: svc-train}]}
                  - {name: unlisted, type: nvml}
                  - {name: blind, type: nvml, processes: false}
                """);
        Cli.Result r = Cli.run("check-config", "--config", cfg.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*listed +nvml .*; allowlist: GPU-level attribution.*"), r.out());
        assertTrue(r.out().matches("(?s).*unlisted +nvml .*; no allowlist: no GPU-level verdict.*"), r.out());
        assertTrue(r.out().matches("(?s).*blind +nvml .*; processes off: no GPU-level verdict.*"), r.out());
    }
}
