package io.wattguard.analytics;

/**
 * What the analysis reads, one stored point at a time, in the words of the InfluxDB schema (DESIGN.md §3).
 * The store reader, the daemon and the evaluation harness all feed the same calls, so every path sees the
 * same data the same way. Absent numbers are {@code NaN}; absent tags are {@code null}.
 */
public interface Readings {
    /** A {@code gpu} point. {@code gpu} is the index tag, {@code model} the GPU's product name. */
    void gpu(long timeMs, String host, String rack, String room, String gpu, String model, double utilPct,
            double memUtilPct, double powerW, double powerLimitW, double energyJ);

    /** A {@code host} point. */
    void host(long timeMs, String host, String rack, String room, double cpuUtilPct, double cpuPowerW);

    /** A {@code meter} point: an outlet, inlet, branch or room meter. */
    void meter(long timeMs, String device, String channel, String kind, String host, String rack, String room,
            double powerW, double energyKwh);

    /** A {@code business_load} point: {@code value} is the share of capacity the business explains, 0..1. */
    void businessLoad(long timeMs, String entity, String level, String source, double value);

    /** An {@code evidence} point from a host scan. */
    void evidence(long timeMs, String host, String kind, String process, long pid, String detail, double score);

    /** A {@code gpu_process} point; {@code business} null where it has no such field (no allowlist). */
    void process(long timeMs, String host, String gpu, String process, long pid, double smUtilPct,
            Boolean business, String user, String container);
}
