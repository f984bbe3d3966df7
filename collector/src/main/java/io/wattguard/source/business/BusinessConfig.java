package io.wattguard.source.business;

import io.wattguard.config.Section;
import io.wattguard.store.InfluxSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The keys of a {@code type: business} source: where to read ({@code influxdb:}, the same keys as the top-level
 * section) and the {@code queries} that map an existing metric (jobs running, seats booked, renders queued) to a
 * share of capacity per host or rack.
 */
record BusinessConfig(InfluxSettings influx, List<Query> queries) {
    static final String PLACEHOLDER = "$timeFilter";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]*");
    private static final Pattern GROUP_BY_TIME = Pattern.compile("(?i)group\\s+by\\s+(.*,\\s*)?time\\s*\\(");
    private static final Pattern INTO = Pattern.compile("(?i)\\binto\\b");

    /**
     * One mapping: {@code value = clamp((raw - min) / (max - min), 0, 1)} for each entity the query returns.
     *
     * @param entityTag the tag of the result that names the host or rack (the query groups by it)
     */
    record Query(String name, String influxQl, String entityTag, BusinessLoad.Level level, double min, double max) {
        double normalise(double raw) {
            return BusinessLoad.clamp01((raw - min) / (max - min));
        }

        /** The query for {@code [fromMs, toMs)}. */
        String bounded(long fromMs, long toMs) {
            return influxQl.replace(PLACEHOLDER, "time >= " + fromMs + "ms AND time < " + toMs + "ms");
        }
    }

    static BusinessConfig read(Section s) {
        InfluxSettings influx = InfluxSettings.read(s.section("influxdb"));
        List<Query> queries = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        List<Section> list = s.sections("queries");
        if (list.isEmpty()) {
            s.error(
                    "queries",
                    "a business source needs at least one entry under 'queries' (name, query, entity_tag, "
                            + "level, min, max)");
        }
        for (int i = 0; i < list.size(); i++) {
            Section q = list.get(i);
            Query query = query(q, seen, i);
            q.finish();
            if (query != null) {
                queries.add(query);
            }
        }
        return new BusinessConfig(influx, List.copyOf(queries));
    }

    private static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    private static Query query(Section q, Map<String, Integer> seen, int index) {
        String name = q.requiredString("name", "a short name, written as source=query:NAME");
        if (name != null && !NAME.matcher(name).matches()) {
            q.error("name", "expected lower-case letters, digits, '_', '.' or '-', found '" + name + "'");
            name = null;
        } else if (name != null && seen.putIfAbsent(name, index) != null) {
            q.error("name", "duplicate query name '" + name + "' (also at queries[" + seen.get(name) + "])");
            name = null;
        }
        String text = q.requiredString("query", "an InfluxQL SELECT with " + PLACEHOLDER + " in its WHERE clause");
        if (text != null) {
            text = text.strip();
            String lower = text.toLowerCase(Locale.ROOT);
            if (!lower.startsWith("select ")) {
                q.error("query", "expected an InfluxQL SELECT, found '" + text + "'");
                text = null;
            } else if (INTO.matcher(text).find()) {
                q.error("query", "SELECT ... INTO writes into the database; a business query only reads");
                text = null;
            } else if (!text.contains(PLACEHOLDER)) {
                q.error(
                        "query",
                        (GROUP_BY_TIME.matcher(text).find()
                                        ? "GROUP BY time(...) without " + PLACEHOLDER
                                                + " would make influxd aggregate the measurement's " + "whole history"
                                        : "must contain " + PLACEHOLDER + " (e.g. WHERE " + PLACEHOLDER
                                                + "): every query is bounded in " + "time")
                                + "; " + PLACEHOLDER
                                + " becomes time >= START AND time < END for the last poll interval");
                text = null;
            }
        }
        String tag = q.requiredString(
                "entity_tag",
                "the tag of the result that names the host or rack, e.g. node; " + "the query must GROUP BY it");
        if (text != null
                && tag != null
                && !text.matches("(?is).*group\\s+by\\s+.*(\\*|\\b\"?" + Pattern.quote(tag) + "\\b).*")) {
            q.error("entity_tag", "the query must GROUP BY " + tag + " so each row names its entity");
            tag = null;
        }
        String levelWord = q.requiredString("level", "host or rack");
        BusinessLoad.Level level = BusinessLoad.Level.of(levelWord);
        if (levelWord != null && level == null) {
            q.error("level", "expected host or rack, found '" + levelWord + "'");
        }
        double min = q.number("min", 0, -1e15, 1e15);
        double max = q.number("max", 1, -1e15, 1e15);
        if (max <= min) {
            q.error("max", "must be greater than min (" + number(min) + "): raw values from min to max become 0 to 1");
        }
        if (name == null || text == null || tag == null || level == null || max <= min) {
            return null;
        }
        return new Query(name, text, tag, level, min, max);
    }
}
