package io.wattguard.cli;

import io.wattguard.testing.Cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's main command, end to end: a private influxd, two days of the simulated site, counts read back. */
class DemoTest {
    @TempDir
    Path tmp;

    @Test
    void twoDaysOfTheSimulatedSiteAreStoredAndCountedFromInfluxdb() throws Exception {
        Cli.Result r = Cli.run("demo", "--days", "2", "--dir", tmp.toString());
        assertEquals(0, r.code(), r.err());
        // 2 days at 1-minute resolution: 16 GPUs, 12 hosts, 3 rack inlets, every field counted by InfluxDB itself.
        assertTrue(r.out().contains("gpu          energy_j=46,080  power_limit_w=46,080  power_w=46,080  temp_c=46,080  "
                + "util_pct=46,080"), r.out());
        assertTrue(r.out().contains("host         cpu_power_w=34,560  cpu_util_pct=34,560  mem_used_pct=34,560"), r.out());
        assertTrue(r.out().contains("meter        energy_kwh=8,640  power_w=8,640  voltage_v=8,640"), r.out());
        assertTrue(Files.isRegularFile(tmp.resolve("wattguard.yaml")), "the demo's config is left to read and reuse");
        assertEquals(0, Cli.run("check-config", "--config", tmp.resolve("wattguard.yaml").toString()).code());
    }

    @Test
    void badDaysIsBadInput() {
        Cli.Result r = Cli.run("demo", "--days", "-3");
        assertEquals(2, r.code());
        assertEquals("demo: --days must be from 0 to 366, found -3\n", r.err());
    }
}
