package io.wattguard.source.business;

import io.wattguard.core.Sample;
import io.wattguard.store.Schema;

/**
 * The {@code business_load} point (docs/schema.md), built the same way by every writer: the allowlist of the
 * GPU source, the InfluxQL mappings, the schedule and the push endpoint. The entity is also written as a
 * {@code host} or {@code rack} tag so that the topology adds {@code site}, {@code room} and {@code rack}, as it
 * does for every point whose entity it knows.
 */
public final class BusinessLoad {
    public static final String MEASUREMENT = Schema.BusinessLoad.NAME;

    /** The two levels the schema allows; analyze compares a host's or a rack's power with its load. */
    public enum Level {
        HOST,
        RACK;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** Null for anything else. */
        public static Level of(String word) {
            return switch (word == null ? "" : word) {
                case "host" -> HOST;
                case "rack" -> RACK;
                default -> null;
            };
        }
    }

    private BusinessLoad() {}

    /**
     * @param value share of capacity the business explains, 0..1 (clamped by callers that compute it; validated by
     *              those that receive it)
     * @param raw   what the value was computed from, in its own unit; NaN when there is none
     */
    public static Sample point(String entity, Level level, String source, double value, double raw, long timeMs) {
        Sample.Builder b = Sample.builder(MEASUREMENT)
                .tag(Schema.BusinessLoad.ENTITY, entity)
                .tag(Schema.BusinessLoad.LEVEL, level.word())
                .tag(Schema.BusinessLoad.SOURCE, source)
                .tag(level == Level.HOST ? Schema.HOST : Schema.RACK, entity)
                .field(Schema.BusinessLoad.VALUE, value)
                .time(timeMs);
        if (!Double.isNaN(raw)) {
            b.field(Schema.BusinessLoad.RAW, raw);
        }
        return b.build();
    }

    public static double clamp01(double v) {
        return v < 0 ? 0 : v > 1 ? 1 : v;
    }
}
