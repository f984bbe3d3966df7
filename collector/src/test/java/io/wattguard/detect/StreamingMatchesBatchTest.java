package io.wattguard.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.daemon.Daemon;
import io.wattguard.daemon.Settings;
import io.wattguard.testing.Cli;
import io.wattguard.testing.Configs;
import io.wattguard.testing.InfluxdTest;
import io.wattguard.testing.TinySite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live analysis inside the daemon and {@code wattguard analyze} over the same stored data find the same
 * episodes: same ids, same start, same detection time, same end. Two days of history at one-minute steps,
 * then about 45 s of live data at one-second steps written as agents would, with 900 W that nothing
 * explains on one host for 15 s of it.
 */
class StreamingMatchesBatchTest extends InfluxdTest {
    private static final String DB = "stream";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theDaemonAndAnalyzeFindTheSameEpisodes(@TempDir Path dir) throws Exception {
        TinySite site = new TinySite(7);
        TinySite.createDatabase(influxd.url(), DB);
        long now = System.currentTimeMillis() / 1000 * 1000;
        StringBuilder history = new StringBuilder();
        for (long t = now - 2 * 86_400_000L; t < now - 60_000; t += 60_000) {
            history.append(site.at(t, null, 0));
            if (history.length() > 1 << 20) {
                TinySite.write(influxd.url(), DB, history.toString());
                history.setLength(0);
            }
        }
        TinySite.write(influxd.url(), DB, history.toString());

        String yaml = """
                influxdb: {url: %s, database: %s}
                spool: {dir: %s}
                http: {enabled: false}
                analysis: {step: 1s, warmup: 3d, grace: 3s, min_peers: 3, read_window: 10m}
                alerts: {jsonl: {path: %s}}
                """.formatted(influxd.url(), DB, dir.resolve("spool"), dir.resolve("alerts.jsonl"));
        Settings settings = Configs.load(dir, yaml);
        long liveFrom;
        long until;
        try (Daemon daemon = new Daemon(settings, Clock.systemUTC())) {
            daemon.start();
            long start = System.currentTimeMillis() / 1000 * 1000;
            long last = start;
            for (int s = 0; s < 45; s++) {
                long t = start + s * 1000L;
                Thread.sleep(Math.max(0, t - System.currentTimeMillis()));
                TinySite.write(influxd.url(), DB, site.at(t, "h2", s >= 15 && s < 30 ? 900 : 0));
                last = t;
            }
            long end = last + 1000;
            awaitAnalysed(daemon, end, 30_000);
            JsonNode a = daemon.health().path("analysis");
            liveFrom = Instant.parse(a.path("live_from").asText()).toEpochMilli();
            until = Instant.parse(a.path("analysed_until").asText()).toEpochMilli();
            assertTrue(liveFrom <= start, "live before the miner: " + a);
            // The agents' business feed: one report per host and second live, so a cadence of one second.
            JsonNode allowlist = a.path("business_sources").path("allowlist");
            assertEquals("fresh", allowlist.path("state").asText(), "/health shows the feed: " + a);
            assertEquals(1, allowlist.path("cadence_s").asLong(), "its cadence: " + a);
            assertEquals(120, allowlist.path("hold_s").asLong(), "held for 3 intervals, at least hold: " + a);
            assertTrue(allowlist.path("last_report_age_s").asLong() <= 5, "its age: " + a);
        }
        Map<String, String> live = finalStates(query(
                DB,
                "SELECT * FROM anomaly WHERE time >= " + (liveFrom - 60_000) + "ms AND time < " + (until + 60_000)
                        + "ms"));
        assertEquals(1, live.size(), "the daemon found the miner once: " + live);
        assertTrue(live.keySet().iterator().next().contains("-h2-"), "on h2: " + live);
        List<String> events = Files.readAllLines(dir.resolve("alerts.jsonl")).stream()
                .map(l -> l.replaceAll(".*\"event\":\"([a-z]+)\".*\"id\":\"([^\"]+)\".*", "$1 $2"))
                .toList();
        String id = live.keySet().iterator().next();
        assertEquals(List.of("opened " + id, "closed " + id), events, "one alert when it opened, one when it closed");

        Path config = Files.writeString(dir.resolve("wattguard.yaml"), yaml);
        Cli.Result r = Cli.run(
                "analyze",
                "--config",
                config.toString(),
                "--from",
                Instant.ofEpochMilli(liveFrom).toString(),
                "--to",
                Instant.ofEpochMilli(until).toString(),
                "--dry-run",
                "--json");
        assertEquals(0, r.code(), r.err());
        Map<String, String> batch = new TreeMap<>();
        for (JsonNode e : JSON.readTree(r.out())) {
            batch.put(
                    e.path("id").asText(),
                    e.path("state").asText() + " started "
                            + e.path("started_ms").asLong() + " detected "
                            + e.path("detected_ms").asLong() + " ended "
                            + e.path("ended_ms").asLong());
        }
        assertEquals(live, batch, "analyze over the same range finds what the daemon found");
    }

    /** The last state of each episode id the daemon wrote, as "state started detected ended". */
    private static Map<String, String> finalStates(List<Map<String, Object>> rows) {
        Map<String, String> out = new TreeMap<>();
        TreeSet<Long> times = new TreeSet<>();
        for (Map<String, Object> row : rows) {
            times.add(((Number) row.get("time")).longValue());
            Object ended = row.get("ended_ms");
            out.put(
                    (String) row.get("id"),
                    row.get("state") + " started " + ((Number) row.get("started_ms")).longValue()
                            + " detected " + ((Number) row.get("detected_ms")).longValue()
                            + " ended " + (ended == null ? 0 : ((Number) ended).longValue()));
        }
        return out;
    }

    private static void awaitAnalysed(Daemon daemon, long untilMs, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            String at = daemon.health().path("analysis").path("analysed_until").asText("");
            if (!at.isEmpty() && !at.equals("null") && Instant.parse(at).toEpochMilli() >= untilMs) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the daemon's analysis did not reach " + Instant.ofEpochMilli(untilMs) + ": "
                + daemon.health().path("analysis"));
    }
}
