package io.wattguard.source.business;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.core.Sample;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The body of {@code POST /api/v1/business-load}, from a scheduler, a CMDB or a script: InfluxDB line protocol (only
 * {@code business_load}) or JSON. The whole body is judged before anything is kept, so a request is written all or
 * nothing and a client that fixes its one bad line can simply send it again. Messages name the line or item, the
 * key and what was expected, because the reader is a person writing an integration.
 */
public final class PushedLoad {
    private static final Set<String> TAGS = Set.of("entity", "level", "source");
    private static final Set<String> JSON_KEYS = Set.of("entity", "level", "value", "raw", "source", "time_ms");
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String DEFAULT_SOURCE = "push";

    /** What was wrong, for a 400 answer. */
    public static final class BadInput extends Exception {
        public BadInput(String message) {
            super(message, null, false, false);
        }
    }

    private PushedLoad() {}

    public static List<Sample> parse(String body, boolean json, long nowMs) throws BadInput {
        List<Sample> out = json ? json(body, nowMs) : lines(body, nowMs);
        if (out.isEmpty()) {
            throw new BadInput("no points in the body: expected business_load lines or a JSON object or array");
        }
        return out;
    }

    // ---- line protocol

    private static List<Sample> lines(String body, long nowMs) throws BadInput {
        List<Sample> out = new ArrayList<>();
        String[] lines = body.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isBlank() || line.stripLeading().startsWith("#")) {
                continue;
            }
            try {
                out.add(line(line, nowMs));
            } catch (BadInput e) {
                throw new BadInput("line " + (i + 1) + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static Sample line(String line, long nowMs) throws BadInput {
        List<String> sections = split(line, ' ', true);
        if (sections.size() < 2 || sections.size() > 3) {
            throw new BadInput("expected 'business_load,entity=NAME,level=host|rack value=0..1[,raw=N] [TIME_MS]', "
                    + "found '" + line + "'");
        }
        List<String> head = split(sections.get(0), ',', false);
        String measurement = unescape(head.get(0));
        if (!measurement.equals(BusinessLoad.MEASUREMENT)) {
            throw new BadInput("measurement '" + measurement + "' is not accepted here: only business_load");
        }
        Map<String, String> tags = new java.util.HashMap<>();
        for (String kv : head.subList(1, head.size())) {
            String[] p = pair(kv, "tag");
            if (!TAGS.contains(p[0])) {
                throw new BadInput("unknown tag '" + p[0] + "': business_load takes entity, level and source");
            }
            tags.put(p[0], p[1]);
        }
        Double value = null;
        Double raw = null;
        for (String kv : split(sections.get(1), ',', false)) {
            String[] p = pair(kv, "field");
            switch (p[0]) {
                case "value" -> value = number("value", p[1]);
                case "raw" -> raw = number("raw", p[1]);
                default -> throw new BadInput("unknown field '" + p[0] + "': business_load takes value and raw");
            }
        }
        if (value == null) {
            throw new BadInput("field value is required (the share of capacity the business explains, 0 to 1)");
        }
        long time = nowMs;
        if (sections.size() == 3) {
            try {
                time = Long.parseLong(sections.get(2));
            } catch (NumberFormatException e) {
                throw new BadInput("timestamp: expected epoch milliseconds, found '" + sections.get(2) + "'");
            }
        }
        return point(tags.get("entity"), tags.get("level"), tags.get("source"), value, raw, time);
    }

    private static String[] pair(String kv, String what) throws BadInput {
        int eq = indexUnescaped(kv, '=');
        if (eq <= 0 || eq == kv.length() - 1) {
            throw new BadInput("expected " + what + " KEY=VALUE, found '" + kv + "'");
        }
        return new String[] {unescape(kv.substring(0, eq)), unescape(kv.substring(eq + 1))};
    }

    private static double number(String key, String text) throws BadInput {
        String t = text.endsWith("i") || text.endsWith("u") ? text.substring(0, text.length() - 1) : text;
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new BadInput("field " + key + ": expected a number, found " + text);
        }
    }

    /** Splits on {@code sep} outside backslash escapes (and, for the top level, outside double quotes). */
    private static List<String> split(String s, char sep, boolean top) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                cur.append(c).append(s.charAt(++i));
            } else if (c == '"' && top) {
                quoted = !quoted;
                cur.append(c);
            } else if (c == sep && !quoted) {
                if (!(top && cur.length() == 0)) { // runs of spaces between sections
                    out.add(cur.toString());
                }
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (cur.length() > 0 || !top) {
            out.add(cur.toString());
        }
        return out;
    }

    private static int indexUnescaped(String s, char c) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\') {
                i++;
            } else if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                sb.append(s.charAt(++i));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    // ---- JSON

    private static List<Sample> json(String body, long nowMs) throws BadInput {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            // Jackson's own limits (nesting deeper than 1,000, huge numbers) come without a location.
            JsonLocation at = e.getLocation();
            throw new BadInput((at == null
                            ? "JSON not accepted"
                            : "not valid JSON at line " + at.getLineNr() + ", column " + at.getColumnNr())
                    + ": " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) {
            return List.of();
        }
        List<Sample> out = new ArrayList<>();
        if (root.isObject()) {
            out.add(item(root, "", nowMs));
        } else if (root.isArray()) {
            for (int i = 0; i < root.size(); i++) {
                out.add(item(root.get(i), "item " + i + ": ", nowMs));
            }
        } else {
            throw new BadInput("expected a JSON object {entity, level, value, raw?, source?, time_ms?} or an array of "
                    + "them, found " + root.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        return out;
    }

    private static Sample item(JsonNode n, String where, long nowMs) throws BadInput {
        try {
            if (!n.isObject()) {
                throw new BadInput("expected an object {entity, level, value, raw?, source?, time_ms?}, found " + n);
            }
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!JSON_KEYS.contains(k)) {
                    throw new BadInput("unknown key '" + k + "': expected entity, level, value, raw, source, time_ms");
                }
            }
            String entity = text(n, "entity");
            String level = text(n, "level");
            String source = text(n, "source");
            Double value = num(n, "value");
            if (value == null) {
                throw new BadInput("value is required (the share of capacity the business explains, 0 to 1)");
            }
            Double raw = num(n, "raw");
            long time = nowMs;
            JsonNode t = n.get("time_ms");
            if (t != null && !t.isNull()) {
                if (!t.isIntegralNumber() || !t.canConvertToLong()) {
                    throw new BadInput("time_ms: expected epoch milliseconds as an integer, found " + t);
                }
                time = t.asLong();
            }
            return point(entity, level, source, value, raw, time);
        } catch (BadInput e) {
            throw new BadInput(where + e.getMessage());
        }
    }

    private static String text(JsonNode n, String key) throws BadInput {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new BadInput(key + ": expected a string, found " + v);
        }
        return v.asText();
    }

    private static Double num(JsonNode n, String key) throws BadInput {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw new BadInput(key + ": expected a number, found " + v);
        }
        return v.asDouble();
    }

    // ---- both

    private static Sample point(String entity, String levelWord, String source, double value, Double raw, long time)
            throws BadInput {
        if (entity == null || entity.isBlank()) {
            throw new BadInput("entity is required: the host or rack name the load belongs to");
        }
        if (levelWord == null) {
            throw new BadInput("level is required: host or rack");
        }
        BusinessLoad.Level level = BusinessLoad.Level.of(levelWord);
        if (level == null) {
            throw new BadInput("level: expected host or rack, found '" + levelWord + "'");
        }
        if (!(value >= 0 && value <= 1)) {
            throw new BadInput("value: expected a number from 0 to 1 (a share of capacity), found " + value);
        }
        if (raw != null && !Double.isFinite(raw)) {
            throw new BadInput("raw: expected a finite number, found " + raw);
        }
        if (source != null && source.isBlank()) {
            throw new BadInput("source: must not be empty (leave it out for '" + DEFAULT_SOURCE + "')");
        }
        if (time <= 0) {
            throw new BadInput("time: expected epoch milliseconds after 1970, found " + time);
        }
        try {
            return BusinessLoad.point(
                    entity,
                    level,
                    source == null ? DEFAULT_SOURCE : source,
                    value,
                    raw == null ? Double.NaN : raw,
                    time);
        } catch (IllegalArgumentException e) { // what InfluxDB would refuse (PointRules), said before it is accepted
            throw new BadInput(e.getMessage());
        }
    }
}
