package io.wattguard.simulator.site;

import java.util.Collections;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Where a run's points go: to a consumer, or only counted. Callers ask {@link #take} before building a point,
 * so counting and filtering by measurement never pay for building points nobody wants.
 */
final class Emitter {
    private final Consumer<SitePoint> out;
    private final Set<String> measurements;
    long count;

    Emitter(Consumer<SitePoint> out, Set<String> measurements) {
        this.out = out;
        this.measurements = measurements == null || measurements.isEmpty() ? null : Set.copyOf(measurements);
    }

    /** True when the caller should build the point and {@link #accept} it; counts it either way. */
    boolean take(String measurement) {
        if (measurements != null && !measurements.contains(measurement)) return false;
        count++;
        return out != null;
    }

    void accept(String measurement, SortedMap<String, String> tags, FieldMap fields, long timeMs) {
        out.accept(new SitePoint(measurement, tags, fields, timeMs));
    }

    static SortedMap<String, String> tags(String... kv) {
        TreeMap<String, String> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) if (kv[i + 1] != null && !kv[i + 1].isEmpty()) m.put(kv[i], kv[i + 1]);
        return Collections.unmodifiableSortedMap(m);
    }

    static Double r1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static Double r2(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
