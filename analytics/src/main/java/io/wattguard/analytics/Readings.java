package io.wattguard.analytics;

/**
 * What the analysis reads, one stored point at a time, in the words of the stored schema ({@code docs/schema.md}).
 * The store reader, the daemon and the evaluation harness all feed the same calls, so every path sees the
 * same data the same way. Each point is a record whose components are named after its tags and fields: a
 * dozen positional numbers and strings in a row are too easy to swap. Absent numbers are {@code NaN}; absent
 * tags are {@code null}.
 */
public interface Readings {
    /** A {@code gpu} point. {@code gpu} is the index tag, {@code model} the GPU's product name. */
    record GpuReading(
            long timeMs,
            String host,
            String rack,
            String room,
            String gpu,
            String model,
            double utilPct,
            double memUtilPct,
            double powerW,
            double powerLimitW,
            double energyJ) {}

    /** A {@code host} point. */
    record HostReading(long timeMs, String host, String rack, String room, double cpuUtilPct, double cpuPowerW) {}

    /** A {@code meter} point: an outlet, inlet, branch or room meter. */
    record MeterReading(
            long timeMs,
            String device,
            String channel,
            String kind,
            String host,
            String rack,
            String room,
            double powerW,
            double energyKwh) {}

    /** A {@code business_load} point: {@code value} is the share of capacity the business explains, 0..1. */
    record BusinessLoadReading(long timeMs, String entity, String level, String source, double value) {}

    /** An {@code evidence} point from a host scan. */
    record EvidenceReading(
            long timeMs, String host, String kind, String process, long pid, String detail, double score) {}

    /** A {@code gpu_process} point; {@code business} null where it has no such field (no allowlist). */
    record ProcessReading(
            long timeMs,
            String host,
            String gpu,
            String process,
            long pid,
            double smUtilPct,
            Boolean business,
            String user,
            String container) {}

    void gpu(GpuReading r);

    void host(HostReading r);

    void meter(MeterReading r);

    void businessLoad(BusinessLoadReading r);

    void evidence(EvidenceReading r);

    void process(ProcessReading r);
}
