package io.wattguard.analytics;

/**
 * One anomaly episode of one entity, as the {@code anomaly} measurement records it: opened when detected,
 * grown while it lasts, closed when the excess is gone, all under one id. {@code startedMs} is the estimated
 * start (the change point), {@code detectedMs} when it was raised, so detection delay is their difference.
 */
public record Episode(String id, String entity, String level, String kind, State state, long startedMs,
        long detectedMs, long endedMs, double excessW, double peakExcessW, double energyKwh, double score) {

    public enum State { OPEN, CLOSED }

    public long delayMs() {
        return detectedMs - startedMs;
    }
}
