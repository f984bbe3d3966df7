package io.wattguard.simulator.site;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;

/**
 * One point of the synthetic site in the InfluxDB schema of DESIGN.md section 3. Field values are
 * {@link Double}, {@link Long}, {@link Boolean} or {@link String}.
 *
 * <p>The maps are not copied: the site hands out shared, unmodifiable tag maps (one per series) and a fresh
 * read-only field map per point, because copying them would dominate the cost of generating months of data.
 * Callers that build points themselves should pass maps they will not change.
 */
public record SitePoint(String measurement, SortedMap<String, String> tags, Map<String, Object> fields, long timeMs) {
    public SitePoint {
        Objects.requireNonNull(measurement, "measurement");
        Objects.requireNonNull(tags, "tags");
        Objects.requireNonNull(fields, "fields");
    }

    /** A field as a double (Long widened), or NaN when absent or not numeric. */
    public double number(String field) {
        Object v = fields.get(field);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** The point as one InfluxDB line-protocol line (no newline), timestamp in ms (write with precision=ms). */
    public String toLineProtocol() {
        StringBuilder sb = new StringBuilder(160);
        appendLineProtocol(sb);
        return sb.toString();
    }

    /** Appends the line without a newline; lets a writer batch many points into one buffer. */
    public void appendLineProtocol(StringBuilder sb) {
        escape(sb, measurement, false);
        for (Map.Entry<String, String> t : tags.entrySet()) {
            // Line protocol has no empty tag value: an absent tag is the only way to say "none".
            if (t.getValue() == null || t.getValue().isEmpty()) continue;
            sb.append(',');
            escape(sb, t.getKey(), true);
            sb.append('=');
            escape(sb, t.getValue(), true);
        }
        char sep = ' ';
        for (Map.Entry<String, Object> f : fields.entrySet()) {
            Object v = f.getValue();
            if (v == null) continue;
            sb.append(sep);
            sep = ',';
            escape(sb, f.getKey(), true);
            sb.append('=');
            appendValue(sb, v);
        }
        sb.append(' ').append(timeMs);
    }

    private static void appendValue(StringBuilder sb, Object v) {
        if (v instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) throw new IllegalStateException("line protocol cannot carry " + d);
            appendFloat(sb, d);
        } else if (v instanceof Float fl) {
            appendFloat(sb, fl.doubleValue());
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            sb.append(((Number) v).longValue()).append('i');
        } else if (v instanceof Boolean b) {
            sb.append(b.booleanValue());
        } else {
            String s = v.toString();
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"' || c == '\\') sb.append('\\');
                sb.append(c);
            }
            sb.append('"');
        }
    }

    /**
     * Plain decimal notation: whole numbers (counters) without a fraction, the rest as Java prints them unless
     * that would be scientific notation. A number without an {@code i} suffix is a float in line protocol.
     */
    private static void appendFloat(StringBuilder sb, double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            sb.append((long) d);
            return;
        }
        // Telemetry is rounded to at most four decimals; printing it as scaled integers avoids Double.toString,
        // which dominated formatting. A value off such a grid falls through to the exact path.
        long scale = 10;
        for (int digits = 1; digits <= 4; digits++, scale *= 10) {
            double t = d * scale;
            if (t == Math.rint(t) && Math.abs(t) < 1e15 && (double) Math.round(t) / scale == d) {
                long v = Math.round(t);
                if (v < 0) {
                    sb.append('-');
                    v = -v;
                }
                sb.append(v / scale).append('.');
                String frac = Long.toString(v % scale);
                for (int i = frac.length(); i < digits; i++) sb.append('0');
                sb.append(frac);
                return;
            }
        }
        String s = Double.toString(d);
        sb.append(s.indexOf('E') >= 0 ? new BigDecimal(s).toPlainString() : s);
    }

    /** Measurements escape commas and spaces; tag keys, tag values and field keys also escape '='. */
    private static void escape(StringBuilder sb, String s, boolean equalsToo) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c == ',' || c == ' ' || c == '\n' || (equalsToo && c == '=')) break;
            i++;
        }
        // Most names need no escaping: copy them in bulk, which is most of the cost of formatting a point.
        sb.append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c == ',' || c == ' ' || (equalsToo && c == '=')) sb.append('\\');
            if (c == '\n') {
                sb.append("\\n");
                continue;
            }
            sb.append(c);
        }
    }
}
