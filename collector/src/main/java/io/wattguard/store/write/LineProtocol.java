package io.wattguard.store.write;

import io.wattguard.core.Sample;
import java.util.List;
import java.util.Map;

/**
 * InfluxDB line protocol with millisecond timestamps (written with {@code precision=ms}). Hand-written rather
 * than through influxdb-java's {@code Point} because the spool stores the exact bytes that are sent, and
 * building a Point per sample doubles the allocation on the hot path.
 *
 * <p>Every string comes back from InfluxDB as it was given, except what line protocol cannot carry, which is
 * replaced the same way every time (docs/configuration.md, Delivery): a newline, anywhere, becomes a space
 * (InfluxDB documents none inside a value, and the spool and the sink's splitting take a line for a point), and
 * in names and tag values a backslash that influxd would read as an escape becomes '/'. What InfluxDB refuses
 * outright was refused when the Sample was made ({@link io.wattguard.store.PointRules}).
 */
public final class LineProtocol {
    private LineProtocol() {}

    public static String format(List<Sample> batch) {
        StringBuilder sb = new StringBuilder(batch.size() * 96);
        for (Sample s : batch) {
            append(sb, s);
            sb.append('\n');
        }
        return sb.toString();
    }

    public static void append(StringBuilder sb, Sample s) {
        name(sb, s.measurement(), NAME_ESCAPES);
        for (Map.Entry<String, String> t : s.tags().entrySet()) {
            sb.append(',');
            name(sb, t.getKey(), TAG_ESCAPES);
            sb.append('=');
            name(sb, t.getValue(), TAG_ESCAPES);
        }
        char sep = ' ';
        for (Map.Entry<String, Object> f : s.fields().entrySet()) {
            sb.append(sep);
            sep = ',';
            name(sb, f.getKey(), NAME_ESCAPES);
            sb.append('=');
            Object v = f.getValue();
            if (v instanceof Double d) {
                appendDouble(sb, d);
            } else if (v instanceof Long l) {
                sb.append(l.longValue()).append('i');
            } else if (v instanceof Boolean b) {
                sb.append(b.booleanValue() ? "true" : "false");
            } else {
                sb.append('"');
                String str = (String) v;
                for (int i = 0; i < str.length(); i++) {
                    char c = str.charAt(i);
                    if (c == '"' || c == '\\') {
                        sb.append('\\');
                    }
                    sb.append(c == '\n' ? ' ' : c); // see the class comment
                }
                sb.append('"');
            }
        }
        sb.append(' ').append(s.timestampMs());
    }

    private static void appendDouble(StringBuilder sb, double d) {
        // Integral values are written without exponent or ".0": shorter, and what InfluxDB itself returns.
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            sb.append((long) d);
        } else {
            sb.append(d);
        }
    }

    /** What influxd reads after a backslash as escaped in tag keys and values; these three are escaped. */
    private static final String TAG_ESCAPES = ", =";
    /** Measurements and field keys also read backslash-quote as a quote (a bare quote is taken as it is). */
    private static final String NAME_ESCAPES = ", =\"";

    /**
     * A measurement, tag key, tag value or field key. influxd keeps a backslash literally unless an escapable
     * character follows, and has no escape for the backslash itself: one that is last, or before a character it
     * would read as escaped, is written as '/'.
     */
    private static void name(StringBuilder sb, String s, String escapes) {
        for (int i = 0; i < s.length(); i++) {
            char c = nl(s.charAt(i));
            if (c == '\\' && (i + 1 == s.length() || escapes.indexOf(nl(s.charAt(i + 1))) >= 0)) {
                c = '/';
            } else if (TAG_ESCAPES.indexOf(c) >= 0) {
                sb.append('\\');
            }
            sb.append(c);
        }
    }

    private static char nl(char c) {
        return c == '\n' ? ' ' : c;
    }
}
