package io.wattguard.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.alert.AlertSettings.Facility;
import io.wattguard.analytics.Episode;
import io.wattguard.analytics.Episode.Severity;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The message text itself, checked against the RFC 5424 ABNF and an independent CEF reader. */
class SyslogFormatTest {
    // RFC 5424 §6: HEADER SP STRUCTURED-DATA [SP MSG], written out as a regular expression.
    private static final String PRINTUS = "[\\x21-\\x7e]";
    private static final String SD_NAME = "[\\x21-\\x7e&&[^= \\]\"]]{1,32}";
    private static final String PARAM = SD_NAME + "=\"(?:[^\"\\\\\\]]|\\\\[\"\\\\\\]])*\"";
    private static final String SD_ELEMENT = "\\[" + SD_NAME + "(?: " + PARAM + ")*\\]";
    private static final Pattern RFC5424 = Pattern.compile(
            "<(\\d{1,3})>1 "
                    + "(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,6})?(?:Z|[+-]\\d{2}:\\d{2})) "
                    + "(" + PRINTUS + "{1,255}) (" + PRINTUS + "{1,48}) (" + PRINTUS + "{1,128}) (" + PRINTUS
                    + "{1,32}) "
                    + "(-|(?:" + SD_ELEMENT + ")+)(?: (.*))?",
            Pattern.DOTALL);

    private static final Instant AT = Instant.parse("2025-11-24T17:00:00.123456789Z");

    private static SyslogMessage format(int max) {
        return new SyslogMessage(
                Facility.LOCAL0, "collector 1", "wattguard", 4242, new Cef("0.1.0", "collector-1", null), max);
    }

    private static Matcher parse(String msg) {
        Matcher m = RFC5424.matcher(msg);
        assertTrue(m.matches(), "not RFC 5424: " + msg);
        return m;
    }

    @Test
    void matchesTheAbnfEvenWithHostileValues() {
        Episode e = Episodes.with(
                Episodes.open("id\"]\\", Severity.CRITICAL, 0),
                "r]a\"ck\\7",
                "rack",
                "unaccounted power",
                "Title\nwith | bar\\",
                "{\"a\":\"b=c\\\\\"}");
        String msg = format(8192).format(new AlertEvent.OfEpisode(AlertEvent.Type.OPENED, e, AT));
        Matcher m = parse(msg);
        assertEquals(Integer.toString(16 * 8 + 2), m.group(1));
        assertEquals("2025-11-24T17:00:00.123Z", m.group(2), "UTC, milliseconds");
        assertEquals("collector_1", m.group(3), "a space is not allowed in HOSTNAME");
        assertEquals("4242", m.group(5));
        assertEquals("unaccounted_power", m.group(6));
        assertEquals(
                "r]a\"ck\\7",
                CefParser.sdParams(m.group(7), SyslogMessage.SD_ID).get("entity"));
        CefParser.Record cef = CefParser.parse(m.group(8));
        assertEquals("Title with | bar\\", cef.name(), "no line break in a header field");
        assertEquals("10", cef.header().get(6));
        assertEquals("{\"a\":\"b=c\\\\\"}", cef.ext().get("cs4"));
        assertEquals("r]a\"ck\\7", cef.ext().get("cs1"));
        assertNull(cef.ext().get("dhost"), "a rack is not a host");
        assertNull(cef.ext().get("cs5"), "no currency configured");
    }

    @Test
    void theAbnfCheckRejectsWhatRfc5424Does() {
        String ok = "<13>1 2025-11-24T17:00:00Z h app - msgid [x@1 a=\"b\\\"c\"] m";
        assertTrue(RFC5424.matcher(ok).matches(), ok);
        for (String bad : new String[] {
            "<13>1 2025-11-24 h app - msgid - m", // date without time
            "<13>1 2025-11-24T17:00:00Z h app - msgid [x@1 a=\"b\"c\"] m", // unescaped quote
            "<13>1 2025-11-24T17:00:00Z h app - msgid [x@1 a=\"b]\"] m", // unescaped ]
            "<13>1 2025-11-24T17:00:00.1234567Z h app - msgid - m", // 7 fraction digits
            "<13>1 2025-11-24T17:00:00Z h app - msg id - m", // space in MSGID
            "<13>1 2025-11-24T17:00:00Z h " + "a".repeat(49) + " - m - m"
        }) { // APP-NAME > 48
            assertTrue(!RFC5424.matcher(bad).matches(), "accepted: " + bad);
        }
    }

    @Test
    void gpuEntitiesNameTheirHost() {
        Episode e = Episodes.with(Episodes.open("g", Severity.LOW, 0), "gpu-07:3", "gpu", "off_hours_gpu", "t", "{}");
        CefParser.Record cef =
                CefParser.parse(parse(format(2048).format(new AlertEvent.OfEpisode(AlertEvent.Type.OPENED, e, AT)))
                        .group(8));
        assertEquals("gpu-07", cef.ext().get("dhost"));
        assertEquals("3", cef.header().get(6));
    }

    @Test
    void cutsWithinTheLimitWithoutBreakingAnEscapeOrACharacter() {
        String ev = "{\"x\":\"" + "é=\\".repeat(2000) + "\"}";
        for (int max = 480; max < 700; max++) {
            Episode e = Episodes.with(Episodes.open("cut", Severity.HIGH, 0), "h", "host", "miner_process", "t", ev);
            String msg = format(max).format(new AlertEvent.OfEpisode(AlertEvent.Type.OPENED, e, AT));
            int bytes = msg.getBytes(StandardCharsets.UTF_8).length;
            assertTrue(bytes <= max, bytes + " > " + max);
            CefParser.Record cef = CefParser.parse(parse(msg).group(8));
            String cs4 = cef.ext().get("cs4");
            assertTrue(
                    cs4 == null || (cs4.endsWith("...") && ev.startsWith(cs4.substring(0, cs4.length() - 3))),
                    "max " + max + ": " + cs4);
        }
    }

    @Test
    void aReportMatchesTheAbnfAndALongOneIsCutInItsListOfFiles() {
        ReportSummary r = Episodes.report("r]a\"ck\\7 | x=y\nz");
        String whole = format(8192).format(new AlertEvent.OfReport(r, AT));
        Matcher m = parse(whole);
        assertEquals(Integer.toString(16 * 8 + 6), m.group(1), "local0.info");
        assertEquals("monthly_report", m.group(6));
        assertEquals(
                "r]a\"ck\\7 | x=y\nz",
                CefParser.sdParams(m.group(7), SyslogMessage.SD_ID).get("site"));
        CefParser.Record cef = CefParser.parse(m.group(8));
        assertEquals(r.title().replace('\n', ' '), cef.name(), "no line break in a header field");
        assertEquals("r]a\"ck\\7 | x=y\nz", cef.ext().get("cs1"), "the newline escaped in the extension");
        String files = cef.ext().get("cs4");
        assertEquals("energy-2026-03.csv episodes-2026-03.csv report-2026-03.en.html report-2026-03.en.pdf", files);
        int len = whole.getBytes(StandardCharsets.UTF_8).length;
        // From the whole message down to 80 bytes less: the list of files, last, is what gives way.
        for (int max = len; max > len - 80; max--) {
            String msg = format(max).format(new AlertEvent.OfReport(r, AT));
            int bytes = msg.getBytes(StandardCharsets.UTF_8).length;
            assertTrue(bytes <= max, bytes + " > " + max);
            CefParser.Record c = CefParser.parse(parse(msg).group(8));
            String cs4 = c.ext().get("cs4");
            assertTrue(
                    cs4 == null
                            || cs4.equals(files)
                            || (cs4.endsWith("...") && files.startsWith(cs4.substring(0, cs4.length() - 3))),
                    "max " + max + ": " + cs4);
            assertEquals("6", c.ext().get("cn1"), "max " + max + ": the figures survive");
        }
    }

    @Test
    void severityMappings() {
        int[] syslog = {5, 4, 3, 2};
        int[] cef = {3, 5, 8, 10};
        for (Severity s : Severity.values()) {
            assertEquals(syslog[s.ordinal()], SyslogMessage.severity(s), s.word());
            assertEquals(cef[s.ordinal()], Cef.severity(s), s.word());
        }
    }

    @Test
    void utf8CutNeverSplitsACharacterOrLeavesALoneBackslash() {
        assertEquals("ab", Utf8.cut("ab\\\\", 3), "an escaped backslash is kept whole or dropped whole");
        assertEquals("ab\\\\", Utf8.cut("ab\\\\c", 4));
        assertEquals("a", Utf8.cut("a€", 3), "€ is three bytes");
        assertEquals("a😀", Utf8.cut("a😀b", 5));
        assertEquals(Utf8.length("a😀é"), "a😀é".getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void gateForgetsTheStalestIdWhenFull() {
        SendGate g = new SendGate(Severity.LOW, 2);
        assertEquals(AlertEvent.Type.OPENED, g.decide(Episodes.open("a", Severity.LOW, 0)));
        assertEquals(AlertEvent.Type.OPENED, g.decide(Episodes.open("b", Severity.LOW, 0)));
        assertNull(g.decide(Episodes.open("a", Severity.LOW, 1)), "a is touched, b is now the stalest");
        assertEquals(AlertEvent.Type.OPENED, g.decide(Episodes.open("c", Severity.LOW, 0)));
        assertEquals(2, g.tracked());
        assertNull(g.decide(Episodes.open("a", Severity.LOW, 2)), "a is still known");
        assertEquals(AlertEvent.Type.CLOSED, g.decide(Episodes.closed("a", Severity.LOW, 3)));
        assertEquals(1, g.tracked(), "closed ids are forgotten");
    }
}
