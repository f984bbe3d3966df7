package io.wattguard.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.testing.Cli;
import io.wattguard.testing.InfluxdTest;
import io.wattguard.testing.TinySite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wattguard analyze --explain} as an operator runs it, over {@link TinySite}'s history in a real influxd:
 * why a burst on the outlet alone paged nobody, why a small excess paged nobody, and why a miner did page.
 */
class AnalyzeExplainTest extends InfluxdTest {
    private static final String DB = "why";
    private static final long T0 = Instant.parse("2026-10-04T00:00:00Z").toEpochMilli();
    private static final long HOUR = 3_600_000;
    /** Day 4 of the history: a model fitted on day 3, the hosts' own noise measured by day 4. */
    private static final long DAY4 = T0 + 3 * 24 * HOUR;
    /** 600 W that nothing explains on h1, GPU busy beyond its business load, day 4 from 20:00 to 22:00. */
    private static final long MINER_FROM = DAY4 + 20 * HOUR;

    private static final long MINER_TO = MINER_FROM + 2 * HOUR;
    /** 500 W on h2's outlet alone, day 4 from 14:00 for 15 minutes: a PSU, fans, a second device. */
    private static final long BURST_FROM = DAY4 + 14 * HOUR;

    private static final long BURST_TO = BURST_FROM + 15 * 60_000;
    /** 25 W on h3's outlet alone, day 4 from 08:00 to 14:00: below the 40 W floor. */
    private static final long SMALL_FROM = DAY4 + 8 * HOUR;

    private static final long SMALL_TO = DAY4 + 14 * HOUR;
    /** h0's outlet silent, day 4 from 16:00 for 10 minutes. */
    private static final long SILENT_FROM = DAY4 + 16 * HOUR;

    private static final long SILENT_TO = SILENT_FROM + 10 * 60_000;
    /** The allowlist's business feed silent for every host, day 4 from 17:00 for 10 minutes. */
    private static final long FEED_SILENT_FROM = DAY4 + 17 * HOUR;

    private static final long FEED_SILENT_TO = FEED_SILENT_FROM + 10 * 60_000;

    @TempDir
    static Path dir;

    @BeforeAll
    static void history() throws Exception {
        TinySite site = new TinySite(5);
        TinySite.createDatabase(influxd.url(), DB);
        StringBuilder sb = new StringBuilder();
        for (long t = T0; t < T0 + 4 * 24 * HOUR; t += 60_000) {
            boolean miner = t >= MINER_FROM && t < MINER_TO;
            String outletHost = t >= BURST_FROM && t < BURST_TO ? "h2" : t >= SMALL_FROM && t < SMALL_TO ? "h3" : null;
            double outletW = "h2".equals(outletHost) ? 500 : "h3".equals(outletHost) ? 25 : 0;
            String lines = site.at(t, "h1", miner ? 600 : 0, outletHost, outletW);
            if (t >= SILENT_FROM && t < SILENT_TO) {
                lines = lines.replaceAll("meter,device=pdu-r1,channel=1,[^\n]*\n", "");
            }
            if (t >= FEED_SILENT_FROM && t < FEED_SILENT_TO) {
                lines = lines.replaceAll("business_load,[^\\n]*\\n", "");
            }
            sb.append(lines);
            if (sb.length() > 1 << 20) {
                TinySite.write(influxd.url(), DB, sb.toString());
                sb.setLength(0);
            }
        }
        TinySite.write(influxd.url(), DB, sb.toString());
    }

    private static Path config() throws Exception {
        return Files.writeString(dir.resolve("explain.yaml"), """
                influxdb: {url: %s, database: %s}
                analysis: {warmup: 3d}
                """.formatted(influxd.url(), DB));
    }

    private static Cli.Result explain(String... args) throws Exception {
        return explain(config(), args);
    }

    private static Cli.Result explain(Path config, String... args) throws Exception {
        String[] all = new String[args.length + 3];
        all[0] = "analyze";
        all[1] = "--config";
        all[2] = config.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        Cli.Result r = Cli.run(all);
        assertEquals(0, r.code(), r.out() + r.err());
        System.out.println(r.out());
        for (String line : r.out().split("\n")) {
            assertTrue(line.length() <= 100, "at most 100 columns: " + line);
        }
        return r;
    }

    /** The block of the step explained in full (the one of --at), its lines joined, runs of spaces as one. */
    private static String block(String out, String time) {
        int at = out.indexOf("== ");
        while (at >= 0 && !out.startsWith(time, out.indexOf(" at ", at) + 4)) {
            at = out.indexOf("== ", at + 3);
        }
        assertTrue(at >= 0, "a block at " + time + ":\n" + out);
        int end = out.indexOf("\n\n", at);
        return out.substring(at, end < 0 ? out.length() : end).replaceAll("\\s+", " ");
    }

    @Test
    void anOutletOnlyBurstWasNotCorroboratedAndDidNotLastConfirmUncorroborated() throws Exception {
        Cli.Result r = explain("--explain", "h2", "--at", "2026-10-07T14:13:30Z");
        String b = block(r.out(), "2026-10-07 14:13");
        assertTrue(b.contains("no episode, uncorroborated, waiting"), b);
        assertTrue(b.contains("not corroborated") && b.contains("confirm_uncorroborated"), b);
        assertTrue(b.contains("has lasted 14 of the 30 steps"), b);
        assertTrue(b.contains("pdu-r1/3"), "names h2's outlet: " + b);
        assertTrue(b.contains("no non-business process"), b);
        assertTrue(b.contains("corroborated no this step"), b);
        assertTrue(b.contains("host/h2 allowlist"), "business by source: " + b);
        assertTrue(b.contains("1x L4: ") && b.contains("x gpu_util"), "the hardware group's model: " + b);
        assertTrue(r.out().contains("no episode of h2 in this range"), r.out());
        // The rows of the window before: the burst's first steps were not sustained yet.
        assertTrue(r.out().contains("not sustained"), r.out());
        assertTrue(r.out().contains("13:43 "), "the 30 steps before: " + r.out());
    }

    @Test
    void aSmallExcessWasBelowTheFloorAndSaysWhichFloor() throws Exception {
        Cli.Result r = explain("--explain", "h3", "--at", "2026-10-07T12:00:00Z");
        String b = block(r.out(), "2026-10-07 12:00");
        assertTrue(b.contains("no episode, below the floor"), b);
        assertTrue(b.contains("below the floor: median excess") && b.contains("floor 40 W"), b);
        assertTrue(r.out().contains("no episode of h3 in this range"), r.out());
    }

    @Test
    void aMinerOpenedAnEpisodeCorroboratedByItsComponents() throws Exception {
        Cli.Result r = explain("--explain", "h1", "--from", "2026-10-07T19:50:00Z", "--to", "2026-10-07T20:30:00Z");
        assertTrue(r.out().contains("episode opened"), r.out());
        int opened = r.out().indexOf(": episode opened");
        assertTrue(opened > 0, r.out());
        String b = r.out().substring(r.out().lastIndexOf("== ", opened)).replaceAll("\\s+", " ");
        assertTrue(
                b.contains("corroborated in") && b.contains("component watts") && b.contains("above their model"), b);
        assertTrue(b.contains("corroborated yes this step"), b);
        assertTrue(b.contains("episode unexplained_power: open") && b.contains("h1 draws"), "the episode: " + b);
        assertTrue(r.out().contains("not sustained"), "the steps before it opened: " + r.out());
        String last = block(r.out(), "2026-10-07 20:29");
        assertTrue(last.contains("episode ongoing"), "the range's last step in full: " + last);
    }

    @Test
    void aSilentOutletIsStaleInputNamingTheOutletAndItsAge() throws Exception {
        Cli.Result r = explain("--explain", "h0", "--at", "2026-10-07T16:05:00Z");
        String b = block(r.out(), "2026-10-07 16:05");
        assertTrue(b.contains("no episode, stale input"), b);
        assertTrue(b.contains("outlet pdu-r1/1 last read 6 min ago"), b);
        assertTrue(r.out().contains("16:01 ") && r.out().contains("15:59 "), r.out());
    }

    @Test
    void aGpuOfAHostWithoutAllowlistDataSaysSo() throws Exception {
        Cli.Result r = explain("--explain", "h1:0", "--at", "2026-10-07T16:05:00Z");
        assertTrue(r.out().startsWith("h1:0 (gpu)"), r.out());
        String b = block(r.out(), "2026-10-07 16:05");
        assertTrue(b.contains("no episode, no data"), b);
        assertTrue(
                b.contains("no allowlist data: the agent on h1 has not reported a process judged against an "
                        + "allowlist"),
                b);
    }

    @Test
    void aSilentBusinessFeedIsStaleInputNamingTheSource() throws Exception {
        Cli.Result r = explain("--explain", "h3", "--at", "2026-10-07T17:06:00Z");
        String b = block(r.out(), "2026-10-07 17:06");
        assertTrue(b.contains("no episode, stale input"), b);
        assertTrue(b.contains("business source allowlist (host/h3) silent, last reported 7 min ago"), b);
        assertTrue(b.contains("source silent"), "the business line says so too: " + b);
    }

    @Test
    void aMaintenanceWindowExplainsTheMinerAndTheOpenEpisodeWaits() throws Exception {
        Path cfg = Files.writeString(dir.resolve("maintenance.yaml"), """
                influxdb: {url: %s, database: %s}
                analysis: {warmup: 3d}
                business:
                  zone: UTC
                  maintenance:
                    - {name: firmware, from: 2026-10-07T20:30, to: 2026-10-07T21:00, entities: [h1]}
                """.formatted(influxd.url(), DB));
        Cli.Result r = explain(cfg, "--explain", "h1", "--at", "2026-10-07T20:40:00Z");
        String b = block(r.out(), "2026-10-07 20:40");
        assertTrue(b.contains("episode open, no verdict this step: maintenance window"), b);
        assertTrue(b.contains("the open episode waits"), b);
        assertTrue(b.contains("1.00 used (maintenance window)"), b);
        assertTrue(r.out().contains("episode ongoing"), "before the window: " + r.out());
    }

    @Test
    void atWithoutExplainIsBadInput() throws Exception {
        Cli.Result r = Cli.run("analyze", "--config", config().toString(), "--at", "2026-10-07T12:00:00Z");
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("--at needs --explain"), r.err());
        r = Cli.run("analyze", "--config", config().toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("--from and --to are required"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }
}
