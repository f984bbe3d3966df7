package io.wattguard.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.alert.Alerts;
import io.wattguard.daemon.Settings;
import io.wattguard.testing.InfluxdTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The daemon's monthly report over the simulated March 2026 in a real influxd, with a clock the test moves: the
 * report of March is written at 06:00 Berlin on 1 April and not a second earlier, with one report event in a real
 * JSON-lines alert output whose min_severity (high) would drop any low episode; a month whose marker is missing is made up at start; a failing store leaves no marker and
 * the next attempt an hour later succeeds.
 */
class MonthlyReportsTest extends InfluxdTest {
    static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path site;

    static SimulatedMonth month;

    @TempDir
    Path dir;

    @BeforeAll
    static void simulate() throws Exception {
        month = SimulatedMonth.write(influxd.url(), site);
    }

    /** A clock the test sets. */
    static final class FakeClock extends Clock {
        volatile long ms;

        FakeClock(LocalDateTime local) {
            set(local);
        }

        void set(LocalDateTime local) {
            ms = local.atZone(ZONE).toInstant().toEpochMilli();
        }

        @Override
        public ZoneId getZone() {
            return ZONE;
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

    /** The simulated site's config with a report section and a JSON-lines alert output in {@link #dir}. */
    private Settings settings(String langs, String formats) throws IOException {
        String yaml = Files.readString(month.config)
                + "report: {dir: \"" + dir.resolve("reports") + "\", langs: " + langs + ", formats: " + formats
                + "}\n"
                // min_severity high: the report is not an episode, and goes to every output whatever its minimum.
                + "alerts: {jsonl: {path: \"" + dir.resolve("alerts.jsonl") + "\", min_severity: high}}\n";
        return Settings.load(Files.writeString(dir.resolve("site.yaml"), yaml), k -> null);
    }

    private static MonthlyReports service(Settings s, Clock clock, Alerts alerts) {
        return new MonthlyReports(
                s.report(),
                s.influx(),
                s.analysis().settings().tariff(),
                s.topology().site(),
                s.schedule().zone(),
                clock,
                k -> null,
                alerts::publish);
    }

    private List<JsonNode> events() throws IOException {
        Path f = dir.resolve("alerts.jsonl");
        List<JsonNode> out = new ArrayList<>();
        if (Files.exists(f)) {
            for (String line : Files.readAllLines(f)) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    private static Set<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void writesLastMonthAtSixOnTheFirstAndSendsOneEvent() throws Exception {
        Settings s = settings("[en, zh-CN]", "[html, pdf, csv]");
        Path reports = s.report().dir();
        // February was done on 1 March: its marker is there, so it is not made up again.
        Files.createDirectories(reports.resolve("2026-02"));
        Files.writeString(reports.resolve("2026-02").resolve(MonthlyReports.MARKER), "");
        FakeClock clock = new FakeClock(LocalDateTime.parse("2026-04-01T05:59:59"));
        Alerts alerts = Alerts.create(s.alerts(), clock, s.instance());
        alerts.start();
        MonthlyReports service = service(s, clock, alerts);
        assertFalse(service.runDue(), "nothing before 06:00 on the 1st");
        assertFalse(Files.exists(reports.resolve("2026-03")));
        assertEquals(Set.of("2026-02"), names(reports), "February's marker was honoured");

        clock.set(LocalDateTime.parse("2026-04-01T06:00:00"));
        assertTrue(service.runDue(), "06:00 on the 1st: March is due");
        Path march = reports.resolve("2026-03");
        assertEquals(
                new TreeSet<>(List.of(
                        ".done",
                        "energy-2026-03.csv",
                        "episodes-2026-03.csv",
                        "report-2026-03.en.html",
                        "report-2026-03.en.pdf",
                        "report-2026-03.zh-CN.html",
                        "report-2026-03.zh-CN.pdf")),
                names(march));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(march)));
        for (String f : names(march)) {
            assertEquals(
                    "rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(march.resolve(f))), f);
        }

        clock.set(LocalDateTime.parse("2026-04-01T07:00:00"));
        assertFalse(service.runDue(), "the marker says done: no second run");
        clock.set(LocalDateTime.parse("2026-04-20T12:00:00"));
        assertFalse(service.runDue());
        service.close();
        service.close(); // idempotent
        alerts.close();

        List<JsonNode> events = events();
        assertEquals(1, events.size(), "exactly one event: " + events);
        JsonNode r = events.get(0);
        assertEquals("report", r.path("event").asText(), "its own event, not an episode's: " + r);
        assertEquals("report-2026-03", r.path("id").asText());
        for (String episodeField : List.of("kind", "state", "severity", "level", "entity", "evidence", "score")) {
            assertFalse(r.has(episodeField), "no episode field " + episodeField + ": " + r);
        }
        assertEquals("2026-03", r.path("month").asText());
        assertEquals(
                LocalDateTime.parse("2026-03-01T00:00:00")
                        .atZone(ZONE)
                        .toInstant()
                        .toEpochMilli(),
                r.path("from_ms").asLong());
        assertEquals(
                "2026-04-01T00:00",
                LocalDateTime.ofInstant(Instant.parse(r.path("to").asText()), ZONE)
                        .toString());
        assertEquals(s.instance(), r.path("instance").asText());
        assertTrue(
                r.path("title").asText().startsWith("Monthly report 2026-03 for "),
                r.path("title").asText());
        assertEquals(march.toString(), r.path("dir").asText());
        List<String> files = new ArrayList<>();
        r.path("files").forEach(f -> files.add(Path.of(f.asText()).getFileName().toString()));
        Set<String> expected = new TreeSet<>(names(march));
        expected.remove(".done");
        assertEquals(expected, new TreeSet<>(files), "every file written");
        assertEquals(expected.size(), files.size(), "each named once: " + files);
        r.path("files").forEach(f -> assertTrue(Files.isRegularFile(Path.of(f.asText())), f.asText()));

        // The figures are those of the report in the same store, read independently of the service.
        MonthlyReport.Summary want;
        try (ReportReader reader = new ReportReader(
                s.influx(),
                s.analysis().settings().tariff(),
                clock::millis,
                s.topology().site())) {
            want = reader.read(ReportMonth.parse("2026-03", ZONE), (a, b, c) -> {})
                    .summary();
        }
        assertTrue(want.energyKwh() > 100, "the simulated site used energy: " + want.energyKwh());
        assertEquals(want.energyKwh(), r.path("energy_kwh").asDouble(), 1e-9);
        assertEquals(want.cost(), r.path("cost").asDouble(), 1e-9);
        assertTrue(want.unexplainedKwh() > 0, "the simulated mining is unexplained energy");
        assertEquals(want.unexplainedKwh(), r.path("unexplained_kwh").asDouble(), 1e-9);
        assertEquals(want.unexplainedCost(), r.path("unexplained_cost").asDouble(), 1e-9);
        assertEquals("EUR", r.path("currency").asText());
        assertEquals(
                List.of("low", "medium", "high", "critical"),
                iterable(r.path("episodes_by_severity").fieldNames()));
        int total = 0;
        for (var sev : want.episodesBySeverity().entrySet()) {
            assertEquals(
                    (int) sev.getValue(),
                    r.path("episodes_by_severity").path(sev.getKey()).asInt(),
                    sev.getKey());
            total += sev.getValue();
        }
        assertTrue(total > 0, "the simulated mining gave episodes");
        // ...and the episodes CSV, written by the service, has one row per episode the event counts.
        long rows = Files.readAllLines(march.resolve("episodes-2026-03.csv")).stream()
                        .filter(l -> !l.isBlank())
                        .count()
                - 1;
        assertEquals(r.path("episodes").asInt(), rows);
        assertEquals(total, rows);
        assertEquals("ok", service.state());
        assertEquals(1, service.written());
    }

    @Test
    void aMonthWithoutItsMarkerIsMadeUpAtStartAndAHalfWrittenOneIsRedone() throws Exception {
        Settings s = settings("[en]", "[csv]");
        Path march = s.report().dir().resolve("2026-03");
        // A crash mid-report left a file and no marker.
        Files.createDirectories(march);
        Files.writeString(march.resolve("energy-2026-03.csv"), "half");
        FakeClock clock = new FakeClock(LocalDateTime.parse("2026-04-15T12:00:00"));
        Alerts alerts = Alerts.create(s.alerts(), clock, s.instance());
        alerts.start();
        MonthlyReports service = service(s, clock, alerts);
        service.start(); // its own thread, as in the daemon
        long end = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!Files.exists(march.resolve(MonthlyReports.MARKER)) && System.nanoTime() < end) {
            Thread.onSpinWait();
            Thread.yield();
        }
        service.close();
        service.close();
        alerts.close();
        assertTrue(Files.exists(march.resolve(MonthlyReports.MARKER)), "made up at start");
        assertTrue(Files.readString(march.resolve("energy-2026-03.csv")).length() > 100, "the half file was redone");
        assertEquals(1, events().size());
        assertFalse(Files.exists(s.report().dir().resolve("2026-02")), "only the latest month due is made up");
    }

    @Test
    void aFailingStoreLeavesNoMarkerAndTheNextHourSucceeds() throws Exception {
        Settings s = settings("[en]", "[csv]");
        Path march = s.report().dir().resolve("2026-03");
        FakeClock clock = new FakeClock(LocalDateTime.parse("2026-04-01T06:00:00"));
        Alerts alerts = Alerts.create(s.alerts(), clock, s.instance());
        alerts.start();
        MonthlyReports service = service(s, clock, alerts);
        Logger logger = (Logger) LoggerFactory.getLogger(MonthlyReports.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        influxd.stop();
        try {
            assertFalse(service.runDue());
        } finally {
            influxd.start();
            logger.detachAppender(logged);
        }
        assertFalse(Files.exists(march.resolve(MonthlyReports.MARKER)), "no marker after a failure");
        assertEquals(1, logged.list.size(), "one warning");
        String line = logged.list.get(0).getFormattedMessage();
        assertTrue(line.contains("monthly report 2026-03") && line.contains("failed"), line);
        assertTrue(line.contains("will retry at 2026-04-01T05:00:00Z"), "an hour later: " + line);
        assertEquals("failing", service.state());
        assertEquals(1, service.failures());
        assertTrue(
                service.health().lastError().contains("report 2026-03: "),
                service.health().lastError());

        clock.set(LocalDateTime.parse("2026-04-01T06:30:00"));
        assertFalse(service.runDue(), "not before the hour is up");
        clock.set(LocalDateTime.parse("2026-04-01T07:00:00"));
        assertTrue(service.runDue(), "the next hour, InfluxDB back: written");
        assertTrue(Files.exists(march.resolve(MonthlyReports.MARKER)));
        service.close();
        alerts.close();
        assertEquals(1, events().size(), "one event, for the attempt that succeeded");
        assertEquals("ok", service.state());
    }
}
