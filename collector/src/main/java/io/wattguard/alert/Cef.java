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
        Episode e = ev.episode();
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
        x.put("act", ev.type().word());
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
        String base = sb.toString();
        int baseBytes = Utf8.length(base);
        if (baseBytes > maxBytes) {
            return Utf8.cut(base, maxBytes);
        }
        String evidence = e.evidenceJson() == null ? "" : e.evidenceJson().strip();
        if (evidence.isEmpty()) {
            return base;
        }
        String prefix = " cs4Label=evidence cs4=";
        String value = extension(evidence);
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
