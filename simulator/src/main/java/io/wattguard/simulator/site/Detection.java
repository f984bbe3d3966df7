package io.wattguard.simulator.site;

/**
 * What a detector reported, as the scorer needs it: the entity (host, rack, room, or {@code HOST:INDEX} at
 * level {@code gpu}), the anomaly kind, its estimated start, the moment it was detected (the timestamp of the
 * episode's first point) and its end ({@code 0} while still open).
 */
public record Detection(String entity, String level, String kind, long startedMs, long detectedMs, long endedMs) {
    public boolean open() {
        return endedMs == 0;
    }

    /** The end as an instant; an open episode lasts forever. */
    long endOrMax() {
        return endedMs == 0 ? Long.MAX_VALUE : endedMs;
    }
}
