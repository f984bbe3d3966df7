package io.wattguard.store;

import java.time.Instant;
import java.util.Map;

/**
 * What InfluxDB refuses, checked when a {@link Sample} is made, so that every producer (sources, the daemon's own
 * metrics, pushed business load) is held to the same rules and a refusal reaches whoever made the point, with its
 * reason, instead of a dead-letter file later. Characters line protocol cannot carry are not refused here: the
 * encoder replaces them (see {@code LineProtocol}).
 */
public final class PointRules {
    /** InfluxDB stores int64 nanoseconds and keeps the two extremes for itself; this is that range in whole ms. */
    public static final long MIN_MS = -9_223_372_036_854L;

    public static final long MAX_MS = 9_223_372_036_854L;

    private PointRules() {}

    /** @throws IllegalArgumentException naming the rule and the offending name or value */
    public static void check(
            String measurement, Map<String, String> tags, Map<String, Object> fields, long timestampMs) {
        if (measurement == null || measurement.isEmpty()) {
            throw new IllegalArgumentException("measurement must not be empty");
        }
        char first = measurement.charAt(0);
        // influxd reads a line that starts with '#' as a comment (dropped without an error), and strips leading
        // tabs; neither has an escape.
        if (first == '#' || first == '\t' || first == '\0') {
            throw new IllegalArgumentException(
                    "measurement '" + measurement + "' must not start with '#', a tab or NUL");
        }
        for (String k : tags.keySet()) {
            key(measurement, "tag", k);
        }
        for (String k : fields.keySet()) {
            key(measurement, "field", k);
        }
        if (timestampMs < MIN_MS || timestampMs > MAX_MS) {
            throw new IllegalArgumentException("time " + timestampMs + " is outside InfluxDB's range of "
                    + Instant.ofEpochMilli(MIN_MS) + " to " + Instant.ofEpochMilli(MAX_MS)
                    + " (epoch milliseconds expected; nanoseconds or microseconds?)");
        }
    }

    private static void key(String measurement, String what, String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException(measurement + ": " + what + " names must not be empty");
        }
        if (key.equals("time")) { // InfluxQL's own column: influxd drops such a point ("invalid tag key/field name")
            throw new IllegalArgumentException(measurement + ": '" + key + "' cannot be a " + what + " name");
        }
    }
}
