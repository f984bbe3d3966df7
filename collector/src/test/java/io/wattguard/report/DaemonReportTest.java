package io.wattguard.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.config.ConfigException;
import io.wattguard.daemon.Daemon;
import io.wattguard.daemon.Settings;
import io.wattguard.testing.Configs;
import io.wattguard.testing.InfluxdTest;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wiring: a daemon with a {@code report:} section starts the monthly report on its own thread, which makes up
 * last month (this store holds nothing for it: an empty month, said plainly) at start, shows it in /health and
 * the {@code collector} measurement, and sends its event to the alert outputs though there is no analysis.
 */
class DaemonReportTest extends InfluxdTest {
    @TempDir
    Path tmp;

    @Test
    void aFixedOffsetZoneIsGivenToInfluxdbAsAName() {
        assertEquals("UTC", ReportReader.tzName(ZoneOffset.UTC), "business.zone unset: InfluxDB knows no zone 'Z'");
        assertEquals("Etc/GMT-8", ReportReader.tzName(ZoneOffset.ofHours(8)));
        assertEquals("Etc/GMT+5", ReportReader.tzName(ZoneOffset.ofHours(-5)));
        assertEquals("Europe/Berlin", ReportReader.tzName(java.time.ZoneId.of("Europe/Berlin")));
    }

    @Test
    void aDaemonWithAReportSectionWritesLastMonthAtStart() throws Exception {
        // The database first, so the report's first read finds it (the daemon's first write would create it).
        HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(influxd.url()
                                        .resolve("/query?q="
                                                + URLEncoder.encode("CREATE DATABASE self", StandardCharsets.UTF_8)))
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        Settings settings = Configs.load(tmp, """
                instance: reporter
                influxdb: {url: %s, database: self}
                spool: {dir: spool}
                http: {enabled: false}
                self_interval: 1s
                sources:
                  - name: steady
                    type: synthetic
                    interval: 1s
                    series: [{measurement: gpu, tags: {host: h1}, fields: {power_w: 300}}]
                report: {dir: reports, formats: [csv]}
                alerts: {jsonl: {path: alerts.jsonl, min_severity: high}}
                """.formatted(influxd.url()));
        Clock clock = Clock.systemUTC();
        YearMonth last = YearMonth.now(clock.withZone(ZoneOffset.UTC)).minusMonths(1);
        // Before 06:00 UTC on the 1st the month due is the one before.
        if (clock.instant().atZone(ZoneOffset.UTC).getDayOfMonth() == 1
                && clock.instant().atZone(ZoneOffset.UTC).getHour() < 6) {
            last = last.minusMonths(1);
        }
        Path folder = tmp.resolve("reports").resolve(last.toString());
        try (Daemon daemon = new Daemon(settings, clock)) {
            daemon.start();
            // The marker is the report's last file; the count follows it on the report's thread.
            await(
                    Duration.ofSeconds(120),
                    "last month's marker, and the report counted",
                    () -> Files.exists(folder.resolve(".done"))
                            && daemon.health().path("report").path("written").asInt() == 1);
            assertTrue(Files.exists(folder.resolve("energy-" + last + ".csv")));
            assertEquals(
                    "ok",
                    daemon.health().path("report").path("state").asText(),
                    daemon.health().toString());
            assertEquals(1, daemon.health().path("report").path("written").asInt());
            String q = "SELECT last(reports) AS reports, last(errors) AS errors FROM collector WHERE source = 'report' "
                    + "AND instance = 'reporter' AND time >= now() - 1h AND time <= now()";
            await(Duration.ofSeconds(30), "the report's row in the collector measurement", () -> {
                List<Map<String, Object>> rows = query("self", q);
                return !rows.isEmpty() && ((Number) rows.get(0).get("reports")).longValue() == 1;
            });
            assertEquals(0L, ((Number) query("self", q).get(0).get("errors")).longValue());
            daemon.close();
        }
        // No analysis section: the alert outputs still carry the report's event, whatever their min_severity.
        List<String> lines = Files.readAllLines(tmp.resolve("alerts.jsonl"));
        assertEquals(1, lines.size(), "one event: " + lines);
        JsonNode e = new ObjectMapper().readTree(lines.get(0));
        assertEquals("report", e.path("event").asText(), e.toString());
        assertEquals("report-" + last, e.path("id").asText());
        assertEquals(last.toString(), e.path("month").asText());
        assertEquals("reporter", e.path("instance").asText());
        assertEquals(folder.toString(), e.path("dir").asText());
        assertEquals(
                List.of(
                        folder.resolve("energy-" + last + ".csv").toString(),
                        folder.resolve("episodes-" + last + ".csv").toString()),
                List.of(e.path("files").get(0).asText(), e.path("files").get(1).asText()));
        assertEquals(2, e.path("files").size());
        assertEquals(0, e.path("episodes").asInt(), "an empty month");
        assertEquals(0.0, e.path("energy_kwh").asDouble());
        assertTrue(e.path("currency").isNull(), "no tariff, no currency: " + e);
    }

    @Test
    void alertsWithoutAnalysisNeedAReport() throws Exception {
        String base = """
                influxdb: {url: http://127.0.0.1:1, database: self}
                sources: [{name: s, type: synthetic, series: [{measurement: gpu, fields: {power_w: 1}}]}]
                alerts: {jsonl: {path: alerts.jsonl}}
                """;
        ConfigException x = assertThrows(ConfigException.class, () -> Configs.load(tmp, base));
        assertTrue(
                x.getMessage().contains("alerts: alerts are sent by the analysis and the monthly report"),
                x.getMessage());
        Settings s = Configs.load(tmp, base + "report: {dir: reports, formats: [csv]}\n");
        assertFalse(s.alerts().isEmpty());
        assertFalse(s.analysis().enabled());
    }
}
