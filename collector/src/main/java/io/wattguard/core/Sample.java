package io.wattguard.core;

import io.wattguard.store.PointRules;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One point, from every source to every sink: measurement, sorted tags, typed fields and a timestamp in
 * epoch milliseconds, valid for InfluxDB by construction ({@link PointRules}; an invalid one throws
 * {@link IllegalArgumentException} where it is made). Field values are {@link Double}, {@link Long}, {@link Boolean} or {@link String}; other
 * numbers are widened at construction so sinks see exactly four types.
 */
public final class Sample {
    private final String measurement;
    private final SortedMap<String, String> tags;
    private final Map<String, Object> fields;
    private final long timestampMs;

    private Sample(String measurement, SortedMap<String, String> tags, Map<String, Object> fields, long timestampMs) {
        PointRules.check(measurement, tags, fields, timestampMs);
        this.measurement = measurement;
        this.tags = Collections.unmodifiableSortedMap(tags);
        this.fields = Collections.unmodifiableMap(fields);
        this.timestampMs = timestampMs;
    }

    public static Builder builder(String measurement) {
        return new Builder(measurement);
    }

    public String measurement() {
        return measurement;
    }

    public SortedMap<String, String> tags() {
        return tags;
    }

    public Map<String, Object> fields() {
        return fields;
    }

    public long timestampMs() {
        return timestampMs;
    }

    public String tag(String key) {
        return tags.get(key);
    }

    public Object field(String key) {
        return fields.get(key);
    }

    /** A copy with more tags; existing tags win, so a source's own tags are never overwritten by topology. */
    public Sample withDefaultTags(Map<String, String> defaults) {
        if (defaults.isEmpty() || tags.keySet().containsAll(defaults.keySet())) {
            return this;
        }
        TreeMap<String, String> merged = new TreeMap<>(defaults);
        merged.putAll(tags);
        return new Sample(measurement, merged, fields, timestampMs);
    }

    public Sample withTimestamp(long ms) {
        return ms == timestampMs ? this : new Sample(measurement, new TreeMap<>(tags), fields, ms);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sample s
                && s.timestampMs == timestampMs
                && s.measurement.equals(measurement)
                && s.tags.equals(tags)
                && s.fields.equals(fields);
    }

    @Override
    public int hashCode() {
        return Objects.hash(measurement, tags, fields, timestampMs);
    }

    @Override
    public String toString() {
        return measurement + tags + fields + "@" + timestampMs;
    }

    public static final class Builder {
        private final String measurement;
        private final TreeMap<String, String> tags = new TreeMap<>();
        private final Map<String, Object> fields = new java.util.LinkedHashMap<>();
        private long timestampMs = Long.MIN_VALUE;

        private Builder(String measurement) {
            this.measurement = measurement;
        }

        /** Null or empty values are skipped: InfluxDB has no empty tag. */
        public Builder tag(String key, String value) {
            if (value != null && !value.isEmpty()) {
                tags.put(key, value);
            }
            return this;
        }

        public Builder tags(Map<String, String> more) {
            more.forEach(this::tag);
            return this;
        }

        /** Non-finite doubles are dropped: line protocol cannot carry NaN or infinity, and absent beats garbage. */
        public Builder field(String key, double value) {
            if (Double.isFinite(value)) {
                fields.put(key, value);
            }
            return this;
        }

        public Builder field(String key, long value) {
            fields.put(key, value);
            return this;
        }

        public Builder field(String key, boolean value) {
            fields.put(key, value);
            return this;
        }

        public Builder field(String key, String value) {
            if (value != null) {
                fields.put(key, value);
            }
            return this;
        }

        /** Typed by the value: integers become Long, other numbers Double. */
        public Builder fieldObject(String key, Object value) {
            if (value instanceof Double || value instanceof Float) {
                return field(key, ((Number) value).doubleValue());
            } else if (value instanceof Number n) {
                return field(key, n.longValue());
            } else if (value instanceof Boolean b) {
                return field(key, b.booleanValue());
            } else if (value instanceof String s) {
                return field(key, s);
            } else if (value == null) {
                return this;
            }
            throw new IllegalArgumentException(
                    "field " + key + ": unsupported type " + value.getClass().getName());
        }

        public Builder time(long epochMs) {
            this.timestampMs = epochMs;
            return this;
        }

        public boolean hasFields() {
            return !fields.isEmpty();
        }

        public Sample build() {
            if (fields.isEmpty()) {
                throw new IllegalStateException(measurement + ": a point needs at least one field");
            }
            if (timestampMs == Long.MIN_VALUE) {
                throw new IllegalStateException(measurement + ": timestamp not set");
            }
            return new Sample(measurement, tags, fields, timestampMs);
        }
    }
}
