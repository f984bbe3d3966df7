package io.wattguard.analytics;

import java.util.Locale;

/** The accumulating state of one open episode: its energy, cost, peak, score, severity and evidence. */
final class Track {
    final String id;
    final String entity;
    final String level;
    final String kind;
    final long startedMs;
    final long detectedMs;
    private final AnalysisSettings settings;
    double energyKwh;
    double cost;
    double peakW;
    double score;
    Episode.Severity severity = Episode.Severity.LOW;
    final Evidence.Collected collected = new Evidence.Collected();

    Track(AnalysisSettings settings, String entity, String level, String kind, long startedMs, long detectedMs) {
        this.settings = settings;
        this.id = String.format(Locale.ROOT, "%s-%s-%s-%d", kind, level, entity, startedMs);
        this.entity = entity;
        this.level = level;
        this.kind = kind;
        this.startedMs = startedMs;
        this.detectedMs = detectedMs;
    }

    void add(double kwh, long timeMs) {
        if (kwh > 0) {
            energyKwh += kwh;
            cost += kwh * settings.tariff().pricePerKwh(timeMs);
        }
    }

    Episode episode(Episode.State state, long endedMs, long nowMs, String title) {
        long span = Math.max(settings.stepMs(), (endedMs > 0 ? endedMs : nowMs + settings.stepMs()) - startedMs);
        return new Episode(
                id,
                entity,
                level,
                kind,
                state,
                severity,
                title,
                startedMs,
                detectedMs,
                endedMs,
                nowMs,
                energyKwh * AnalysisSettings.MS_W_PER_KWH / span,
                peakW,
                energyKwh,
                cost,
                score,
                collected.json());
    }
}
