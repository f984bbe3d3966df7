package io.wattguard.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.store.write.InfluxWriter;
import io.wattguard.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    /**
     * The whole product on its real protocols: history, then three live minutes in which the daemon collects PDUs
     * over Modbus, the room meter over OPC UA (Basic256Sha256, trusted the documented way), the GPUs through NVML
     * and the scheduler's pushes, analyses at 10-second steps, finds the miner the demo starts, alerts, and the
     * month's report names the episode. Afterwards nothing of it runs any more.
     */
    @Test
    void theSiteIsStoredAnalysedScoredThenCollectedLiveAndTheLiveMinerIsFound() throws Exception {
        Cli.Result r = Cli.run("demo", "--days", "3", "--live", "3", "--dir", tmp.toString());
        assertEquals(0, r.code(), r.err());
        String out = r.out();
        System.out.println(out); // the run as a user sees it, in the test's report
        // History: 12 hosts at 1-minute resolution; points as InfluxDB counts them.
        for (String m :
                new String[] {"gpu", "gpu process", "host", "meter", "business load", "evidence", "baseline", "anomaly"
                }) {
            Matcher c = Pattern.compile("[ ,]" + m + " ([0-9,]+)[, ]").matcher(out);
            assertTrue(c.find(), m + " counted: " + out);
            assertTrue(Long.parseLong(c.group(1).replace(",", "")) > 0, m + ": " + c.group());
        }
        // One zone for every time shown: the site's; the history runs up to the live part.
        assertTrue(
                Pattern.compile(
                                "history +\\d{4}-\\d\\d-\\d\\d 00:00 to \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d Europe/Berlin")
                        .matcher(out)
                        .find(),
                out);
        assertTrue(out.contains("times in Europe/Berlin"), out);
        Matcher overall =
                Pattern.compile("overall +mining +(\\d+) +(\\d+) +([0-9.]+)").matcher(out);
        assertTrue(overall.find(), out);
        // The site ends today, so what it holds changes from day to day: allow one miss, never a false episode.
        assertTrue(
                Integer.parseInt(overall.group(2)) >= Integer.parseInt(overall.group(1)) - 1,
                "the demo's miners found: " + overall.group());
        Matcher falses = Pattern.compile("false (\\d+) \\(on benign").matcher(out);
        assertTrue(falses.find() && falses.group(1).equals("0"), "no false episodes: " + out);

        // Live: the meter's certificate trusted by moving it, as the docs say; a line per 10-second step.
        assertTrue(out.contains("mv pki/rejected/"), out);
        assertTrue(Files.list(tmp.resolve("pki/trusted/certs")).count() == 1, "the meter's certificate is trusted");
        Matcher lines = Pattern.compile("\\n  \\d\\d:\\d\\d:\\d0 +[0-9.]+ kW +[0-9.]+ kW +[0-9.]+ kW")
                .matcher(out);
        int live = 0;
        while (lines.find()) {
            live++;
        }
        assertTrue(live >= 12, live + " live lines with room, PDU and GPU power collected: " + out);

        // The miner, found from what the daemon collected, within two minutes, with its evidence named.
        Matcher started = Pattern.compile("a miner starts on every GPU of (\\S+): process lolMiner")
                .matcher(out);
        assertTrue(started.find(), out);
        String host = started.group(1);
        List<JsonNode> alerts = new ArrayList<>();
        for (String l : Files.readAllLines(tmp.resolve("alerts.jsonl"))) {
            alerts.add(JSON.readTree(l));
        }
        List<JsonNode> opened = alerts.stream()
                .filter(a -> a.path("event").asText().equals("opened"))
                .filter(a -> a.path("entity").asText().startsWith(host))
                .filter(a -> a.path("detected_ms").asLong() >= liveStartMs(out))
                .toList();
        assertFalse(opened.isEmpty(), "an alert line for the live miner: " + alerts);
        JsonNode first = opened.get(0);
        JsonNode evidence = first.path("evidence");
        assertTrue(evidence.path("processes").toString().contains("lolMiner"), evidence.toString());
        assertTrue(evidence.path("connections").toString().contains("203.0.113.50:4444"), evidence.toString());
        assertTrue(
                evidence.path("outlets").toString().contains("pdu-r01"), "the outlet, read over Modbus: " + evidence);
        assertTrue(evidence.path("gpus").size() >= 4, "the GPUs, read through NVML: " + evidence);
        Matcher delay =
                Pattern.compile(">> found (\\d+) s after the miner started").matcher(out);
        assertTrue(delay.find(), out);
        assertTrue(Integer.parseInt(delay.group(1)) <= 120, "found within two minutes: " + delay.group());
        // The power itself, not only the pool connection: a GPU or power episode on the miner's host.
        assertTrue(
                opened.stream().anyMatch(a -> a.path("kind").asText().startsWith("unexplained_")),
                "an unexplained_gpu or unexplained_power episode from the power and GPU readings: " + opened);

        // The month's report names the live episode, in every format.
        Path report = tmp.resolve("report");
        String month =
                java.time.YearMonth.now(java.time.ZoneId.of("Europe/Berlin")).toString();
        String html = Files.readString(report.resolve("report-" + month + ".en.html"));
        String csv = Files.readString(report.resolve("episodes-" + month + ".csv"));
        assertTrue(Files.size(report.resolve("report-" + month + ".en.pdf")) > 10_000);
        assertTrue(csv.contains(first.path("id").asText()), "episodes CSV names " + first.path("id"));
        assertTrue(html.contains(first.path("title").asText().replace("&", "&amp;")), "HTML names the episode");
        assertTrue(out.contains(report.resolve("report-" + month + ".en.html").toString()), out);
        assertTrue(out.contains("/health") && out.contains("/metrics") && out.contains("grafana/provisioning"), out);

        // Modbus and OPC UA points in InfluxDB, with their places.
        try (PrivateInfluxd influxd = PrivateInfluxd.startIn(tmp.resolve("influxdb"));
                InfluxWriter w =
                        new InfluxWriter(io.wattguard.store.InfluxSettings.local(influxd.url(), "wattguard"))) {
            String since = "time >= " + liveStartMs(out) + "ms AND time <= now()";
            assertTrue(
                    count(
                                    w,
                                    "SELECT count(power_w) FROM meter WHERE device = 'pdu-r01' AND kind = 'outlet'"
                                            + " AND host = '" + host + "' AND rack = 'r01' AND room = 'hall-a' AND "
                                            + since)
                            >= 10,
                    "the miner's outlet, polled over Modbus, with its host, rack and room");
            // The meter publishes a value when it changes (a subscription), and the site's room reading moves once a
            // minute; the history wrote the same series on the minute, the OPC UA source between minutes.
            var rows = w.query("SELECT power_w FROM meter WHERE device = 'meter-hall-a' AND channel = 'total'"
                            + " AND room = 'hall-a' AND " + since)
                    .getResults()
                    .get(0)
                    .getSeries();
            assertTrue(rows != null, "room meter points after the history");
            long offMinute = rows.get(0).getValues().stream()
                    .map(v -> java.time.Instant.parse(v.get(0).toString()).toEpochMilli())
                    .filter(ms -> ms % 60_000 != 0)
                    .count();
            assertTrue(offMinute >= 2, offMinute + " room meter points read over OPC UA, with their room: " + rows);
            assertTrue(
                    count(w, "SELECT count(power_w) FROM gpu WHERE host = '" + host + "' AND rack = 'r01' AND " + since)
                            >= 40,
                    "the GPUs, read through NVML");
            assertTrue(
                    count(w, "SELECT count(value) FROM business_load WHERE source = 'scheduler' AND " + since) >= 1,
                    "the scheduler's pushes");
        }

        // Nothing left running: no thread of the daemon, the servers or the live site, no listener on its ports.
        List<String> left = Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("wattguard-") && !n.startsWith("wattguard-demo-cleanup"))
                .toList();
        assertEquals(List.of(), left, "threads left behind");
        Matcher ports = Pattern.compile("(?:port: |127\\.0\\.0\\.1:)(\\d{4,5})")
                .matcher(Files.readString(tmp.resolve("wattguard.yaml")));
        int checked = 0;
        while (ports.find()) {
            int port = Integer.parseInt(ports.group(1));
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
                org.junit.jupiter.api.Assertions.fail("port " + port + " still answers after the demo ended");
            } catch (java.io.IOException expected) {
                checked++;
            }
        }
        assertTrue(checked >= 4, checked + " ports checked (InfluxDB, HTTP, two PDUs, OPC UA)");
        assertEquals(
                0,
                Cli.run(
                                "check-config",
                                "--config",
                                tmp.resolve("wattguard.yaml").toString())
                        .code(),
                "the demo's config is left to read and reuse");
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    /** The first live line's time, from the history line's end: the live part starts after it. */
    private static long liveStartMs(String out) {
        Matcher m = Pattern.compile("history +.* to (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d) Europe/Berlin")
                .matcher(out);
        assertTrue(m.find(), out);
        return java.time.LocalDateTime.parse(m.group(1).replace(' ', 'T'))
                .atZone(java.time.ZoneId.of("Europe/Berlin"))
                .toInstant()
                .toEpochMilli();
    }

    private static long count(InfluxWriter w, String q) {
        var r = w.query(q);
        assertFalse(r.hasError(), q + ": " + r.getError());
        var series = r.getResults().get(0).getSeries();
        if (series == null) {
            return 0;
        }
        return ((Number) series.get(0).getValues().get(0).get(1)).longValue();
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
