package io.wattguard.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.testing.Cli;
import io.wattguard.testing.InfluxdTest;
import io.wattguard.testing.TinySite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wattguard analyze} as an operator runs it: over history in a real influxd, and with bad input. */
class AnalyzeCommandTest extends InfluxdTest {
    private static final String DB = "history";
    private static final long T0 = Instant.parse("2026-10-05T00:00:00Z").toEpochMilli();
    private static final long HOUR = 3_600_000;
    /** 600 W that nothing explains on h1, day 3 from 20:00 to 22:00. */
    private static final long MINER_FROM = T0 + 2 * 24 * HOUR + 20 * HOUR;

    private static final long MINER_TO = MINER_FROM + 2 * HOUR;

    @TempDir
    static Path dir;

    @BeforeAll
    static void history() throws Exception {
        TinySite site = new TinySite(3);
        TinySite.createDatabase(influxd.url(), DB);
        StringBuilder sb = new StringBuilder();
        for (long t = T0; t < T0 + 3 * 24 * HOUR; t += 60_000) {
            sb.append(site.at(t, "h1", t >= MINER_FROM && t < MINER_TO ? 600 : 0));
            if (sb.length() > 1 << 20) {
                TinySite.write(influxd.url(), DB, sb.toString());
                sb.setLength(0);
            }
        }
        TinySite.write(influxd.url(), DB, sb.toString());
    }

    private static Path config(String url) throws Exception {
        return Files.writeString(dir.resolve("analyze-" + Math.abs(url.hashCode()) + ".yaml"), """
                influxdb: {url: %s, database: %s}
                analysis: {warmup: 1d, tariff: {currency: EUR, price_per_kwh: 0.25}}
                """.formatted(url, DB));
    }

    @Test
    void findsTheMinerPrintsItAndWritesItsEpisodeAndBaselines() throws Exception {
        Path cfg = config(influxd.url().toString());
        String from = "2026-10-06";
        String to = "2026-10-08";
        Cli.Result r = Cli.run("analyze", "--config", cfg.toString(), "--from", from, "--to", to);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("unexplained_power") && r.out().contains(" h1 "), r.out());
        assertTrue(r.out().contains("1 episodes"), "exactly one episode: " + r.out());
        assertTrue(r.err().contains("rows read"), "progress on stderr: " + r.err());

        String range = " WHERE time >= '2026-10-06T00:00:00Z' AND time < '2026-10-08T00:00:00Z'";
        List<Map<String, Object>> points = query(DB, "SELECT * FROM anomaly" + range);
        assertFalse(points.isEmpty(), "anomaly points written");
        Map<String, Object> first = points.get(0);
        Map<String, Object> last = points.get(points.size() - 1);
        assertEquals("h1", first.get("entity"));
        assertEquals("h1", first.get("host"), "tagged with its host, as a GPU episode is with its GPU's");
        assertEquals("open", first.get("state"));
        assertEquals(
                ((Number) first.get("detected_ms")).longValue(),
                ((Number) first.get("time")).longValue(),
                "the first point is stamped when it was detected");
        long started = ((Number) first.get("started_ms")).longValue();
        assertTrue(
                Math.abs(started - MINER_FROM) <= 3 * 60_000, "dated to the change: " + Instant.ofEpochMilli(started));
        assertEquals("closed", last.get("state"));
        long ended = ((Number) last.get("ended_ms")).longValue();
        assertTrue(Math.abs(ended - MINER_TO) <= 15 * 60_000, "ended when it stopped: " + Instant.ofEpochMilli(ended));
        double kwh = ((Number) last.get("energy_kwh")).doubleValue();
        assertEquals(600 / 0.95 * 2 / 1000, kwh, 0.25, "2 h of ~630 W at the outlet");
        assertEquals(kwh * 0.25, ((Number) last.get("cost")).doubleValue(), 0.02, "priced at the tariff");
        assertTrue(((String) last.get("evidence")).contains("\"channel\":\"2\""), "names h1's outlet: " + last);

        long baselines = ((Number) query(DB, "SELECT count(actual_w) FROM baseline" + range)
                        .get(0)
                        .get("count"))
                .longValue();
        assertTrue(baselines > 4 * 1440, "a baseline row per host and step: " + baselines);
        // The rack's GPUs, rolled up per step for the wall: the four one-GPU hosts of r1.
        List<Map<String, Object>> rollup =
                query(DB, "SELECT gpus, util_pct, power_w FROM gpu_rollup" + range + " AND rack = 'r1'");
        assertTrue(rollup.size() > 1440, "a gpu_rollup row per step: " + rollup.size());
        Map<String, Object> row = rollup.get(rollup.size() / 2);
        assertEquals(4, ((Number) row.get("gpus")).intValue(), row.toString());
        double util = ((Number) row.get("util_pct")).doubleValue();
        assertTrue(util > 0 && util <= 100, row.toString());
        assertTrue(((Number) row.get("power_w")).doubleValue() > 4 * 40, "four GPUs above idle: " + row);

        // Again over the same range: the same points, overwritten, not doubled.
        assertEquals(
                0,
                Cli.run("analyze", "--config", cfg.toString(), "--from", from, "--to", to)
                        .code());
        assertEquals(points.size(), query(DB, "SELECT * FROM anomaly" + range).size());
    }

    @Test
    void badTimesAreBadInputNamingTheOption() throws Exception {
        Path cfg = config(influxd.url().toString());
        Cli.Result r = Cli.run("analyze", "--config", cfg.toString(), "--from", "yesterday", "--to", "now");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--from") && r.err().contains("2026-11-01"), r.err());
        r = Cli.run("analyze", "--config", cfg.toString(), "--from", "2026-10-07", "--to", "2026-10-06");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("must be after"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void anUnreachableInfluxdIsNamedWithoutAStackTrace() throws Exception {
        Path cfg = config("http://127.0.0.1:" + PrivateInfluxd.freePort());
        Cli.Result r = Cli.run(
                "analyze", "--config", cfg.toString(), "--from", "2026-10-06", "--to", "2026-10-07", "--warmup", "0s");
        assertEquals(1, r.code(), r.out() + r.err()); // a failure at run time, not bad input
        assertTrue(r.err().contains("127.0.0.1"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }
}
