package io.wattguard.alert;

import io.wattguard.analytics.Episode;
import io.wattguard.analytics.Episode.Severity;
import java.math.BigDecimal;

/**
 * An episode as an ArcSight Common Event Format record, the body most SIEMs parse out of syslog. Standard
 * extension keys where one fits (rt, start, end, act, externalId, dhost, dvchost, cat), custom
 * {@code csN}/{@code cnN}/{@code cfpN} with labels for the rest; docs/alerts.md has the table.
 */
final class Cef {
    private final String version;
    private final String instance;
    private final String currency;

    Cef(String version, String instance, String currency) {
        this.version = version;
        this.instance = instance;
        this.currency = currency;
    }

    /** CEF severity 0-10. */
    static int severity(Severity s) {
        return switch (s) {
            case LOW -> 3;
            case MEDIUM -> 5;
            case HIGH -> 8;
            case CRITICAL -> 10;
        };
    }

    /**
     * The record in at most {@code maxBytes} of UTF-8. Evidence, the only field of unbounded length, comes last
     * and is shortened (ending in "...") when the record would not fit, so every other field survives.
     */
    String format(AlertEvent ev, int maxBytes) {
        if (ev instanceof AlertEvent.OfReport r) {
            return report(r, maxBytes);
        }
        AlertEvent.OfEpisode oe = (AlertEvent.OfEpisode) ev;
        Episode e = oe.episode();
        String title = e.title() == null || e.title().isBlank() ? e.kind() + " on " + e.entity() : e.title();
        StringBuilder sb = new StringBuilder("CEF:0|wattguard|wattguard|")
                .append(header(version))
                .append('|')
                .append(header(e.kind()))
                .append('|')
                .append(header(title))
                .append('|')
                .append(severity(e.severity()))
                .append('|');
        Ext x = new Ext(sb);
        x.put("rt", Long.toString(ev.at().toEpochMilli()));
        if (e.startedMs() > 0) {
            x.put("start", Long.toString(e.startedMs()));
        }
        if (e.state() == Episode.State.CLOSED && e.endedMs() > 0) {
            x.put("end", Long.toString(e.endedMs()));
        }
        x.put("act", oe.word());
        x.put("externalId", e.id());
        String host = host(e);
        if (host != null) {
            x.put("dhost", host);
        }
        if (instance != null && !instance.isEmpty()) {
            x.put("dvchost", instance);
        }
        x.put("cat", "anomaly/" + e.level());
        x.labelled("cs1", "entity", e.entity());
        x.labelled("cs2", "level", e.level());
        x.labelled("cs3", "state", e.state().word());
        x.labelled("cs6", "severity", e.severity().word());
        if (Double.isFinite(e.excessW())) {
            x.labelled("cn1", "excess_w", Long.toString(Math.round(e.excessW())));
        }
        if (Double.isFinite(e.peakExcessW())) {
            x.labelled("cn2", "peak_excess_w", Long.toString(Math.round(e.peakExcessW())));
        }
        x.labelled("cfp1", "energy_kwh", decimal(e.energyKwh()));
        x.labelled("cfp2", "cost", decimal(e.cost()));
        x.labelled("cfp3", "score", decimal(e.score()));
        if (currency != null) {
            x.labelled("cs5", "currency", currency);
        }
        String evidence = e.evidenceJson() == null ? "" : e.evidenceJson().strip();
        return withLast(sb.toString(), "evidence", evidence, maxBytes);
    }

    /** Signature ID of the monthly report's record. */
    static final String REPORT_SIGNATURE = "monthly_report";
    /** CEF severity of the monthly report: 1, informational (it is news, not an anomaly). */
    static final int REPORT_SEVERITY = 1;

    /**
     * The monthly report: Name its one-line summary, the month's bounds as start and end, the figures as custom
     * numbers, and the list of files last, where a message too long for the receiver is cut.
     */
    private String report(AlertEvent.OfReport ev, int maxBytes) {
        ReportSummary r = ev.report();
        StringBuilder sb = new StringBuilder("CEF:0|wattguard|wattguard|")
                .append(header(version))
                .append('|')
                .append(REPORT_SIGNATURE)
                .append('|')
                .append(header(r.title()))
                .append('|')
                .append(REPORT_SEVERITY)
                .append('|');
        Ext x = new Ext(sb);
        x.put("rt", Long.toString(ev.at().toEpochMilli()));
        if (r.fromMs() > 0) {
            x.put("start", Long.toString(r.fromMs()));
        }
        if (r.toMs() > 0) {
            x.put("end", Long.toString(r.toMs()));
        }
        x.put("act", ev.word());
        x.put("externalId", r.id());
        if (instance != null && !instance.isEmpty()) {
            x.put("dvchost", instance);
        }
        x.put("cat", "report/monthly");
        x.put("filePath", r.dir().toString());
        x.labelled("cs1", "site", r.site());
        x.labelled("cs2", "month", r.month());
        x.labelled("cfp1", "energy_kwh", decimal(r.energyKwh()));
        x.labelled("cfp2", "cost", decimal(r.cost()));
        x.labelled("cfp3", "unexplained_kwh", decimal(r.unexplainedKwh()));
        x.labelled("cfp4", "unexplained_cost", decimal(r.unexplainedCost()));
        x.labelled("cs5", "currency", r.currency());
        x.labelled("cn1", "episodes", Integer.toString(r.episodes()));
        StringBuilder sev = new StringBuilder();
        for (Severity s : Severity.values()) {
            sev.append(sev.isEmpty() ? "" : " ")
                    .append(s.word())
                    .append(':')
                    .append(r.episodesBySeverity().getOrDefault(s.word(), 0));
        }
        x.labelled("cs6", "episodes_by_severity", sev.toString());
        x.labelled("cn2", "days_with_data", Integer.toString(r.daysWithData()));
        x.labelled("cn3", "days", Integer.toString(r.days()));
        // Names only, beside filePath: wattguard names them (report-2026-03.en.pdf), without spaces, so a space
        // separates them unambiguously.
        String files = String.join(
                " ", r.files().stream().map(f -> f.getFileName().toString()).toList());
        return withLast(sb.toString(), "files", files, maxBytes);
    }

    /**
     * {@code base} and then {@code cs4Label=LABEL cs4=VALUE} in at most {@code maxBytes} of UTF-8: the value, the
     * only field of unbounded length, is cut (ending in "...") when the record would not fit, so every other
     * field survives.
     */
    private static String withLast(String base, String label, String raw, int maxBytes) {
        int baseBytes = Utf8.length(base);
        if (baseBytes > maxBytes) {
            return Utf8.cut(base, maxBytes);
        }
        if (raw.isEmpty()) {
            return base;
        }
        String prefix = " cs4Label=" + label + " cs4=";
        String value = extension(raw);
        String full = base + prefix + value;
        if (Utf8.length(full) <= maxBytes) {
            return full;
        }
        int room = maxBytes - baseBytes - Utf8.length(prefix) - 3;
        return room < 8 ? base : base + prefix + Utf8.cut(value, room) + "...";
    }

    /** The host the episode is about: the entity at host level, the part before ':' at GPU level. */
    static String host(Episode e) {
        if ("host".equals(e.level())) {
            return e.entity();
        }
        if ("gpu".equals(e.level()) && e.entity() != null && e.entity().lastIndexOf(':') > 0) {
            return e.entity().substring(0, e.entity().lastIndexOf(':'));
        }
        return null;
    }

    /** Header fields escape '\' and '|' and cannot hold line breaks. */
    static String header(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '|' -> sb.append("\\|");
                case '\r', '\n' -> sb.append(' ');
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Extension values escape '\', '=' and line breaks (as \n and \r). */
    static String extension(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '=' -> sb.append("\\=");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String decimal(double v) {
        return Double.isFinite(v) ? BigDecimal.valueOf(v).stripTrailingZeros().toPlainString() : null;
    }

    private static final class Ext {
        private final StringBuilder sb;
        private boolean first = true;

        Ext(StringBuilder sb) {
            this.sb = sb;
        }

        void put(String key, String value) {
            if (value == null) {
                return;
            }
            if (!first) {
                sb.append(' ');
            }
            first = false;
            sb.append(key).append('=').append(extension(value));
        }

        void labelled(String key, String label, String value) {
            if (value != null) {
                put(key + "Label", label);
                put(key, value);
            }
        }
    }
}
