package io.wattguard.nvml;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalDouble;

/** GPM metrics over the interval between two GPM samples; metrics the GPU did not answer are absent. */
public final class GpmMetrics {
    private final Map<GpmMetric, Double> values;

    GpmMetrics(EnumMap<GpmMetric, Double> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    public OptionalDouble get(GpmMetric metric) {
        Double v = values.get(metric);
        return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    public Map<GpmMetric, Double> asMap() {
        return values;
    }

    @Override
    public String toString() {
        return "GpmMetrics" + values;
    }
}
