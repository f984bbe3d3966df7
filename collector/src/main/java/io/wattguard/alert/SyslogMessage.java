package io.wattguard.alert;

import io.wattguard.alert.AlertSettings.Facility;
import io.wattguard.analytics.Episode;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * RFC 5424 messages: {@code <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG}, MSGID the episode kind
 * (or monthly_report), one SD-ELEMENT {@code wattguard@32473} (32473 is the documentation PEN of RFC 5612) naming
 * the episode (or the report), and a CEF record as MSG. MSG carries no BOM: CEF parsers expect "CEF:" first, and RFC 5424 allows MSG-ANY.
 */
final class SyslogMessage {
    static final String SD_ID = "wattguard@32473";

    private final Facility facility;
    private final String hostname;
    private final String appName;
    private final String procId;
    private final Cef cef;
    private final int maxBytes;

    SyslogMessage(Facility facility, String hostname, String appName, long pid, Cef cef, int maxBytes) {
        this.facility = facility;
        this.hostname = Utf8.printUsAscii(hostname, 255);
        this.appName = Utf8.printUsAscii(appName, 48);
        this.procId = Utf8.printUsAscii(Long.toString(pid), 128);
        this.cef = cef;
        this.maxBytes = maxBytes;
    }

    /** Syslog severity of an episode: critical 2 (crit), high 3 (err), medium 4 (warning), low 5 (notice). */
    static int severity(Episode.Severity s) {
        return switch (s) {
            case CRITICAL -> 2;
            case HIGH -> 3;
            case MEDIUM -> 4;
            case LOW -> 5;
        };
    }

    /** Syslog severity of the monthly report: 6 (informational). */
    static final int REPORT_SEVERITY = 6;

    String format(AlertEvent ev) {
        String head;
        if (ev instanceof AlertEvent.OfReport r) {
            ReportSummary s = r.report();
            head = head(REPORT_SEVERITY, ev, Cef.REPORT_SIGNATURE)
                    + "[" + SD_ID
                    + param("id", s.id()) + param("month", s.month()) + param("site", s.site())
                    + param("event", ev.word()) + "] ";
        } else {
            Episode e = ((AlertEvent.OfEpisode) ev).episode();
            head = head(severity(e.severity()), ev, e.kind())
                    + "[" + SD_ID
                    + param("id", e.id()) + param("entity", e.entity()) + param("level", e.level())
                    + param("state", e.state().word())
                    + param("severity", e.severity().word())
                    + param("event", ev.word()) + "] ";
        }
        String msg = cef.format(ev, maxBytes - Utf8.length(head));
        return Utf8.length(head) > maxBytes ? Utf8.cut(head + msg, maxBytes) : head + msg;
    }

    private String head(int severity, AlertEvent ev, String msgId) {
        return "<" + (facility.code() * 8 + severity) + ">1 "
                + DateTimeFormatter.ISO_INSTANT.format(ev.at().truncatedTo(ChronoUnit.MILLIS)) + " "
                + hostname + " " + appName + " " + procId + " " + Utf8.printUsAscii(msgId, 32) + " ";
    }

    byte[] encode(AlertEvent ev) {
        return format(ev).getBytes(StandardCharsets.UTF_8);
    }

    private static String param(String name, String value) {
        return " " + name + "=\"" + escape(value == null ? "" : value) + "\"";
    }

    /** RFC 5424 §6.3.3: '"', '\' and ']' are escaped with a backslash inside PARAM-VALUE. */
    static String escape(String v) {
        StringBuilder sb = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"' || c == '\\' || c == ']') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
