package io.wattguard.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.analytics.Episode;
import io.wattguard.analytics.Episode.Severity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our RFC 5424 + CEF messages as a real rsyslogd parses them, over UDP and over octet-counted TCP. */
class SyslogRsyslogTest {
    @TempDir
    static Path dir;

    static PrivateRsyslog rsyslog;

    /** Every character that needs escaping somewhere: SD ('"', '\', ']'), CEF header ('|'), extension ('='). */
    static final String ENTITY = "gpu-07 \"a]b\\c\" x=y|z";

    static final String TITLE = "Miner | on gpu-07 \\ pool=1";
    static final String EVIDENCE =
            "{\"processes\":[{\"cmdline\":\"xmrig -o pool.example:3333 --algo=rx/0\",\n\"user\":\"bob\"}]}";

    @BeforeAll
    static void startRsyslog() throws Exception {
        rsyslog = PrivateRsyslog.start(dir.resolve("rsyslog"));
    }

    @AfterAll
    static void stopRsyslog() {
        if (rsyslog != null) {
            rsyslog.close();
        }
    }

    private Alerts alerts(String protocol, int port, String extra) {
        AlertSettings s = AlertConfigs.ok(dir, """
                alerts:
                  currency: EUR
                  syslog:
                    - { name: siem, host: 127.0.0.1, port: %d, protocol: %s, facility: local4, retry_backoff: 100ms, max_attempts: 50 %s }
                """.formatted(port, protocol, extra), Map.of());
        Alerts a = Alerts.create(s, Clock.systemUTC(), "collector-1");
        a.start();
        return a;
    }

    private static List<Map<String, String>> await(String id, int count) throws Exception {
        AtomicReference<List<Map<String, String>>> got = new AtomicReference<>(List.of());
        Eventually.await(
                Duration.ofSeconds(15),
                () -> {
                    try {
                        got.set(rsyslog.messages().stream()
                                .filter(m -> m.get("structured-data").contains("id=\"" + id + "\""))
                                .toList());
                        return got.get().size() >= count;
                    } catch (java.io.IOException e) {
                        return false;
                    }
                },
                () -> {
                    try {
                        return rsyslog.messages() + "\n" + rsyslog.log();
                    } catch (java.io.IOException e) {
                        return e.toString();
                    }
                });
        return got.get();
    }

    private static Episode tricky(Episode e) {
        return Episodes.with(e, ENTITY, "host", "miner_process", TITLE, EVIDENCE);
    }

    @Test
    void udpMessagesAreParsedPartByPartAndTheCefRoundTrips() throws Exception {
        try (Alerts a = alerts("udp", rsyslog.udpPort, "")) {
            for (int step = 0; step < 5; step++) {
                a.publish(tricky(Episodes.open("udp-1", step < 3 ? Severity.HIGH : Severity.CRITICAL, step)));
            }
            a.publish(tricky(Episodes.closed("udp-1", Severity.CRITICAL, 5)));
            List<Map<String, String>> got = await("udp-1", 3);
            assertEquals(3, got.size(), "opened, escalated, closed: " + got);
            Map<String, String> m = got.get(0);
            assertEquals(Integer.toString(20 * 8 + 3), m.get("pri"), "local4.err for high");
            assertEquals(Integer.toString(20 * 8 + 2), got.get(1).get("pri"), "local4.crit for critical");
            assertEquals("collector-1", m.get("hostname"));
            assertEquals("wattguard", m.get("app-name"));
            assertEquals(Long.toString(ProcessHandle.current().pid()), m.get("procid"));
            assertEquals("miner_process", m.get("msgid"));
            Map<String, String> sd = CefParser.sdParams(m.get("structured-data"), "wattguard@32473");
            assertEquals("udp-1", sd.get("id"));
            assertEquals(ENTITY, sd.get("entity"));
            assertEquals("host", sd.get("level"));
            assertEquals("open", sd.get("state"));
            assertEquals("opened", sd.get("event"));
            assertEquals("high", sd.get("severity"));
            assertEquals(
                    List.of("opened", "escalated", "closed"),
                    got.stream()
                            .map(g -> CefParser.sdParams(g.get("structured-data"), "wattguard@32473")
                                    .get("event"))
                            .toList());

            CefParser.Record cef = CefParser.parse(m.get("msg"));
            assertEquals(
                    List.of("0", "wattguard", "wattguard", Alerts.version(), "miner_process", TITLE, "8"),
                    cef.header(),
                    "version, vendor, product, product version, signature id, name, severity");
            assertEquals(ENTITY, cef.ext().get("cs1"));
            assertEquals("entity", cef.ext().get("cs1Label"));
            assertEquals(ENTITY, cef.ext().get("dhost"));
            assertEquals("collector-1", cef.ext().get("dvchost"));
            assertEquals("udp-1", cef.ext().get("externalId"));
            assertEquals("opened", cef.ext().get("act"));
            assertEquals(Long.toString(Episodes.T0), cef.ext().get("start"));
            assertEquals("250", cef.ext().get("cn1"));
            assertEquals("EUR", cef.ext().get("cs5"));
            assertEquals(EVIDENCE, cef.ext().get("cs4"), "evidence with '=', quotes and a newline round-trips");
            CefParser.Record closed = CefParser.parse(got.get(2).get("msg"));
            assertEquals("10", closed.header().get(6));
            assertEquals(
                    Long.toString(Episodes.T0 + 9 * Episodes.STEP), closed.ext().get("end"));
        }
    }

    @Test
    void oversizedUdpMessagesAreCutInTheEvidenceAndStillParse() throws Exception {
        String huge = "{\"processes\":[" + "{\"cmdline\":\"xmrig --algo=rx/0 ä\"},".repeat(400) + "{}]}";
        try (Alerts a = alerts("udp", rsyslog.udpPort, "")) {
            a.publish(Episodes.with(
                    Episodes.open("udp-big", Severity.HIGH, 0), "gpu-07", "host", "miner_process", "big", huge));
            Map<String, String> m = await("udp-big", 1).get(0);
            CefParser.Record cef = CefParser.parse(m.get("msg"));
            assertTrue(cef.ext().get("cs4").endsWith("..."), cef.ext().get("cs4"));
            assertTrue(huge.startsWith(cef.ext().get("cs4").replaceAll("\\.\\.\\.$", "")), "a prefix of the evidence");
            assertEquals("250", cef.ext().get("cn1"), "fields before the evidence survive");
            assertTrue(
                    m.get("msg").getBytes(StandardCharsets.UTF_8).length < 2048,
                    m.get("msg").length() + " chars");
        }
    }

    @Test
    void tcpIsOctetCountedOnOneConnectionAndReconnectsAfterRsyslogRestarts() throws Exception {
        try (Alerts a = alerts("tcp", rsyslog.tcpPort, "")) {
            a.publish(tricky(Episodes.open("tcp-1", Severity.MEDIUM, 0)));
            a.publish(tricky(Episodes.open("tcp-2", Severity.MEDIUM, 0)));
            await("tcp-1", 1);
            Map<String, String> second = await("tcp-2", 1).get(0);
            SyslogTransport.Tcp tcp = (SyslogTransport.Tcp) ((SyslogOutput) a.output("siem")).transport();
            assertEquals(1, tcp.connects(), "both over one connection, split by their octet counts");
            assertEquals(EVIDENCE, CefParser.parse(second.get("msg")).ext().get("cs4"));
            assertEquals("miner_process", second.get("msgid"));

            rsyslog.kill();
            a.publish(tricky(Episodes.open("tcp-down", Severity.MEDIUM, 0))); // sent while nobody listens
            Thread.sleep(500);
            rsyslog.start();
            a.publish(tricky(Episodes.open("tcp-3", Severity.MEDIUM, 0)));
            a.publish(tricky(Episodes.open("tcp-4", Severity.MEDIUM, 0)));
            await("tcp-down", 1);
            await("tcp-3", 1);
            Map<String, String> fourth = await("tcp-4", 1).get(0);
            assertEquals(2, tcp.connects(), "one new connection after the restart");
            assertEquals(ENTITY, CefParser.parse(fourth.get("msg")).ext().get("cs1"));
            OutputStats st = a.stats().get(0);
            assertEquals(0, st.failed() + st.dropped(), st.toString());
        }
    }

    /** Every character that needs escaping somewhere, in the site's name: SD, CEF header and extension. */
    static final String SITE = "fra \"1]\\ a=b|c";

    @Test
    void theMonthlyReportIsItsOwnRecordAndGoesOutWhateverTheMinimumSeverity() throws Exception {
        ReportSummary r = Episodes.report(SITE);
        try (Alerts a = alerts("udp", rsyslog.udpPort, ", min_severity: critical")) {
            a.publish(tricky(Episodes.open("below-min", Severity.HIGH, 0))); // an episode below the minimum: dropped
            a.publish(r);
            Map<String, String> m = await("report-2026-03", 1).get(0);
            assertEquals(Integer.toString(20 * 8 + 6), m.get("pri"), "local4.info: news, not an anomaly");
            assertEquals("monthly_report", m.get("msgid"));
            Map<String, String> sd = CefParser.sdParams(m.get("structured-data"), "wattguard@32473");
            assertEquals(
                    Map.of("id", "report-2026-03", "month", "2026-03", "site", SITE, "event", "report"),
                    sd,
                    "no episode state or severity");

            CefParser.Record cef = CefParser.parse(m.get("msg"));
            assertEquals(
                    List.of("0", "wattguard", "wattguard", Alerts.version(), "monthly_report", r.title(), "1"),
                    cef.header());
            assertTrue(
                    r.title()
                            .startsWith(
                                    "Monthly report 2026-03 for " + SITE + ": 1234.5 kWh, 271.59 EUR; "
                                            + "unexplained 56.3 kWh (12.38 EUR); 6 episodes; /var/lib/wattguard/reports/2026-03"),
                    r.title());
            Map<String, String> want = new java.util.LinkedHashMap<>();
            want.put("rt", cef.ext().get("rt"));
            want.put("start", "1772319600000");
            want.put("end", "1774994400000");
            want.put("act", "report");
            want.put("externalId", "report-2026-03");
            want.put("dvchost", "collector-1");
            want.put("cat", "report/monthly");
            want.put("filePath", "/var/lib/wattguard/reports/2026-03");
            want.put("cs1Label", "site");
            want.put("cs1", SITE);
            want.put("cs2Label", "month");
            want.put("cs2", "2026-03");
            want.put("cfp1Label", "energy_kwh");
            want.put("cfp1", "1234.5");
            want.put("cfp2Label", "cost");
            want.put("cfp2", "271.59");
            want.put("cfp3Label", "unexplained_kwh");
            want.put("cfp3", "56.25");
            want.put("cfp4Label", "unexplained_cost");
            want.put("cfp4", "12.38");
            want.put("cs5Label", "currency");
            want.put("cs5", "EUR");
            want.put("cn1Label", "episodes");
            want.put("cn1", "6");
            want.put("cs6Label", "episodes_by_severity");
            want.put("cs6", "low:3 medium:2 high:1 critical:0");
            want.put("cn2Label", "days_with_data");
            want.put("cn2", "31");
            want.put("cn3Label", "days");
            want.put("cn3", "31");
            want.put("cs4Label", "files");
            want.put("cs4", "energy-2026-03.csv episodes-2026-03.csv report-2026-03.en.html report-2026-03.en.pdf");
            assertEquals(want, cef.ext());
            assertTrue(
                    Long.parseLong(cef.ext().get("rt")) > Episodes.T0, cef.ext().get("rt"));

            assertTrue(rsyslog.messages().stream()
                    .noneMatch(x -> x.get("structured-data").contains("below-min")));
            OutputStats st = a.stats().get(0);
            assertEquals(1, st.sent(), st.toString());
        }
    }
}
