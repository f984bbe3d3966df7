package io.wattguard.sink;

import io.wattguard.core.Sample;
import java.util.List;
import java.util.Map;

/**
 * InfluxDB line protocol with millisecond timestamps (written with {@code precision=ms}). Hand-written rather
 * than through influxdb-java's {@code Point} because the spool stores the exact bytes that are sent, and
 * building a Point per sample doubles the allocation on the hot path.
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
        escape(sb, s.measurement(), true);
        for (Map.Entry<String, String> t : s.tags().entrySet()) {
            sb.append(',');
            escape(sb, t.getKey(), false);
            sb.append('=');
            escape(sb, t.getValue(), false);
        }
        char sep = ' ';
        for (Map.Entry<String, Object> f : s.fields().entrySet()) {
            sb.append(sep);
            sep = ',';
            escape(sb, f.getKey(), false);
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
                    // A raw newline would end the line; InfluxDB stores the escaped form verbatim, so replace.
                    sb.append(c == '\n' ? ' ' : c);
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

    /** Measurements escape comma and space; tag keys, tag values and field keys also escape '='. */
    private static void escape(StringBuilder sb, String s, boolean measurement) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',' || c == ' ' || (!measurement && c == '=')) {
                sb.append('\\');
            } else if (c == '\n') {
                sb.append(' '); // line protocol has no escape for a newline in a name or tag
                continue;
            }
            sb.append(c);
        }
    }
}
