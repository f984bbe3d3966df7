package io.wattguard.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main command, end to end: a private influxd, four days of the simulated site written through
 * the real pipeline, the detection over it, counts read back from InfluxDB, and the episodes scored against
 * the simulator's ground truth.
 */
class DemoTest {
    @TempDir
    Path tmp;

    @Test
    void theSimulatedSiteIsStoredAnalysedAndScored() throws Exception {
        Cli.Result r = Cli.run("demo", "--days", "4", "--dir", tmp.toString());
        assertEquals(0, r.code(), r.err());
        // 12 hosts at 1-minute resolution for 4 days: 5,760 steps; points as InfluxDB counts them.
        for (String m :
                new String[] {"gpu", "gpu process", "host", "meter", "business load", "evidence", "baseline", "anomaly"
                }) {
            Matcher c = Pattern.compile("[ ,]" + m + " ([0-9,]+)[, ]").matcher(r.out());
            assertTrue(c.find(), m + " counted: " + r.out());
            assertTrue(Long.parseLong(c.group(1).replace(",", "")) > 0, m + ": " + c.group());
        }
        // One zone for every time shown: the site's.
        assertTrue(
                Pattern.compile("history +\\d{4}-\\d\\d-\\d\\d 00:00 to \\d{4}-\\d\\d-\\d\\d 00:00 Europe/Berlin")
                        .matcher(r.out())
                        .find(),
                r.out());
        assertTrue(r.out().contains("times in Europe/Berlin"), r.out());
        assertTrue(r.out().contains("Episodes found by the detection"), r.out());
        Matcher overall =
                Pattern.compile("overall +mining +(\\d+) +(\\d+) +([0-9.]+)").matcher(r.out());
        assertTrue(overall.find(), r.out());
        // The site ends today, so what it holds changes from day to day: allow one miss, never a false episode.
        assertTrue(
                Integer.parseInt(overall.group(2)) >= Integer.parseInt(overall.group(1)) - 1,
                "the demo's miners found: " + overall.group());
        Matcher falses = Pattern.compile("false (\\d+) \\(on benign").matcher(r.out());
        assertTrue(falses.find() && falses.group(1).equals("0"), "no false episodes: " + r.out());
        assertTrue(Files.isRegularFile(tmp.resolve("wattguard.yaml")), "the demo's config is left to read and reuse");
        assertEquals(
                0,
                Cli.run(
                                "check-config",
                                "--config",
                                tmp.resolve("wattguard.yaml").toString())
                        .code());
    }

    @Test
    void oneOrTwoDaysMakeASiteWithoutMiningRatherThanFail() {
        // --days 1 and 2 once failed with "cleanDays must be in [0, days)": too short to hide mining in.
        for (int days : new int[] {1, 2}) {
            var spec = DemoSite.spec(days, java.time.LocalDate.of(2026, 12, 4));
            assertEquals(days, spec.days());
            assertEquals(
                    0,
                    new io.wattguard.simulator.site.SyntheticSite(spec)
                            .miningLabels()
                            .size());
        }
    }

    @Test
    void badDaysIsBadInput() {
        Cli.Result r = Cli.run("demo", "--days", "-3");
        assertEquals(2, r.code());
        assertEquals("demo: --days must be from 1 to 366, found -3\n", r.err());
    }
}
