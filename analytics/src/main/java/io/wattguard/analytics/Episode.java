package io.wattguard.analytics;

/**
 * One anomaly episode of one entity, as the {@code anomaly} measurement records it: opened when detected,
 * grown while it lasts, closed when the excess is gone, all under one id. {@code startedMs} is the estimated
 * start (the change point), {@code detectedMs} when it was raised, so detection delay is their difference.
 * {@code updatedMs} is the analysis step this state describes. {@code evidenceJson} is a JSON object naming
 * what is involved: {@code gpus}, {@code processes}, {@code connections}, {@code outlets}, {@code findings}.
 */
public record Episode(
        String id,
        String entity,
        String level,
        String kind,
        State state,
        Severity severity,
        String title,
        long startedMs,
        long detectedMs,
        long endedMs,
        long updatedMs,
        double excessW,
        double peakExcessW,
        double energyKwh,
        double cost,
        double score,
        String evidenceJson) {

    public enum State {
        OPEN,
        CLOSED;

        /** As written in the {@code state} field. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Ordered: a later constant is more urgent. Written as the lower-case word in the {@code severity} tag. */
    public enum Severity {
        LOW,
        MEDIUM,
        HIGH,
        CRITICAL;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public long delayMs() {
        return detectedMs - startedMs;
    }

    public boolean isOpen() {
        return state == State.OPEN;
    }
}
