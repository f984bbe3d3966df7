package io.wattguard.source.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.core.Sample;
import io.wattguard.core.Source;
import io.wattguard.core.SourceSpec;
import io.wattguard.core.Topology;
import io.wattguard.testing.Configs;
import io.wattguard.testing.Polls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code host} measurement: exact values from a fake /proc and /sys, plausible ones from this machine. */
class HostMeasurementTest {
    @TempDir
    Path tmp;

    /** Time moves only when the test says so. */
    static final class StepClock extends Clock {
        long ms;

        StepClock(long ms) {
            this.ms = ms;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(ms);
        }
    }

    private Path write(Path root, String path, String content) throws IOException {
        Path p = root.resolve(path.substring(1));
        Files.createDirectories(p.getParent());
        return Files.writeString(p, content);
    }

    private Source source(Path root, Clock clock, String extra) {
        var settings = Configs.load(tmp, """
                sources:
                  - name: host
                    type: host
                    interval: 10s
                    root: %s
                %s
                """.formatted(root, extra));
        try {
            return settings.sources().get(0).create(new SourceSpec.Context(clock, Topology.empty(), "gpu-07"));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void valuesFromAFakeTreeAreExactAcrossARaplWrap() throws Exception {
        Path root = tmp.resolve("root");
        long max = 262_143_328_850L;
        write(root, "/proc/stat", "cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\nintr 12345\n");
        write(
                root,
                "/proc/meminfo",
                "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    4000000 kB\n");
        write(root, "/sys/class/powercap/intel-rapl:0/energy_uj", "1000000\n");
        write(root, "/sys/class/powercap/intel-rapl:0/max_energy_range_uj", max + "\n");
        write(root, "/sys/class/powercap/intel-rapl:1/energy_uj", "262143000000\n");
        write(root, "/sys/class/powercap/intel-rapl:1/max_energy_range_uj", max + "\n");
        // A part of package 0 (its cores): already in the package's counter, never added again.
        write(root, "/sys/class/powercap/intel-rapl:0:0/energy_uj", "5\n");
        StepClock clock = new StepClock(1_000_000);
        Source s = source(root, clock, "    evidence: false");

        Sample first = Polls.poll(s, 1_000_000).get(0);
        assertEquals("host", first.measurement());
        assertEquals("gpu-07", first.tag("host"));
        assertEquals(75.0, first.field("mem_used_pct"));
        assertNull(first.field("cpu_util_pct"), "a rate needs two readings");
        assertNull(first.field("cpu_power_w"), "a rate needs two readings");

        clock.ms += 10_000;
        write(root, "/proc/stat", "cpu  400 0 150 1300 150 0 0 0 0 0\n");
        write(root, "/proc/meminfo", "MemTotal:       16000000 kB\nMemAvailable:    12000000 kB\n");
        write(root, "/sys/class/powercap/intel-rapl:0/energy_uj", "601000000\n"); // +600 J
        write(
                root,
                "/sys/class/powercap/intel-rapl:1/energy_uj",
                "399671150\n"); // wrapped: 328,850 + 399,671,150 µJ = 400 J
        write(root, "/sys/class/powercap/intel-rapl:0:0/energy_uj", "999999999\n");
        Sample second = Polls.poll(s, 1_010_000).get(0);
        assertEquals(40.0, (Double) second.field("cpu_util_pct"), 1e-12); // busy 400 of 1,000 jiffies
        assertEquals(100.0, (Double) second.field("cpu_power_w"), 1e-12); // 1,000 J in 10 s
        assertEquals(25.0, second.field("mem_used_pct"));
        s.close();
        s.close();
    }

    @Test
    void noRaplMeansNoPowerFieldAndTheRestStillComes() throws Exception {
        Path root = tmp.resolve("bare");
        write(root, "/proc/stat", "cpu  1 0 1 8 0 0 0 0 0 0\n");
        write(root, "/proc/meminfo", "MemTotal: 1000 kB\nMemAvailable: 250 kB\n");
        StepClock clock = new StepClock(0);
        Source s = source(root, clock, "    evidence: false");
        Polls.poll(s, 0);
        clock.ms = 10_000;
        write(root, "/proc/stat", "cpu  2 0 2 16 0 0 0 0 0 0\n");
        Sample x = Polls.poll(s, 10_000).get(0);
        assertEquals(20.0, (Double) x.field("cpu_util_pct"), 1e-12);
        assertEquals(75.0, x.field("mem_used_pct"));
        assertNull(x.field("cpu_power_w"));
    }

    @Test
    void plausibleValuesFromThisMachine() throws Exception {
        Source s = source(Path.of("/"), Clock.systemUTC(), "    evidence: false");
        Polls.poll(s, 0);
        long until = System.nanoTime() + 300_000_000L;
        long spin = 0;
        while (System.nanoTime() < until) {
            spin++; // some CPU work between the readings, so the jiffy counters move
        }
        Sample x = Polls.poll(s, 1).get(0);
        double cpu = (Double) x.field("cpu_util_pct");
        double mem = (Double) x.field("mem_used_pct");
        assertTrue(cpu > 0 && cpu <= 100, "cpu_util_pct " + cpu + " after " + spin + " spins");
        assertTrue(mem > 0 && mem < 100, "mem_used_pct " + mem);
        Object power = x.field("cpu_power_w");
        assertTrue(power == null || ((Double) power > 0 && (Double) power < 5000), "cpu_power_w " + power);
    }
}
