package io.wattguard.detect;

import io.wattguard.analytics.AnalysisOutput;
import io.wattguard.analytics.Episode;
import io.wattguard.core.Sample;
import io.wattguard.store.Schema;
import io.wattguard.store.Schema.Anomaly;
import io.wattguard.store.Schema.Baseline;
import io.wattguard.store.Schema.GpuRollup;
import java.util.function.Consumer;

/**
 * The analysis's conclusions as {@code baseline} and {@code anomaly} points (docs/schema.md). An episode is
 * written at every step while open, stamped with that step, so its first point is the moment it was
 * detected and Grafana can draw it growing; {@code id} ties the points together.
 */
public final class AnalysisSamples implements AnalysisOutput {
    private final Consumer<Sample> out;
    private final long stepMs;
    private final int baselineEvery;

    public AnalysisSamples(Consumer<Sample> out, long stepMs, int baselineEvery) {
        this.out = out;
        this.stepMs = stepMs;
        this.baselineEvery = baselineEvery;
    }

    @Override
    public void baseline(
            long timeMs,
            String entity,
            String level,
            double actualW,
            double expectedW,
            double upperW,
            double residualW,
            double score,
            double businessLoad) {
        if (!due(timeMs)) {
            return;
        }
        Sample.Builder b = Sample.builder(Baseline.NAME)
                .time(timeMs)
                .tag(Baseline.ENTITY, entity)
                .tag(Baseline.LEVEL, level)
                .field(Baseline.ACTUAL_W, round(actualW))
                .field(Baseline.EXPECTED_W, round(expectedW))
                .field(Baseline.UPPER_W, round(upperW))
                .field(Baseline.RESIDUAL_W, round(residualW))
                .field(Baseline.SCORE, round(score));
        if (!Double.isNaN(businessLoad)) {
            b.field(Baseline.BUSINESS_LOAD, round(businessLoad));
        }
        out.accept(b.build());
    }

    /** Whether the step at {@code timeMs} is one of every {@code baseline_every} that rows are written for. */
    private boolean due(long timeMs) {
        return Math.floorMod(timeMs / stepMs, baselineEvery) == 0;
    }

    @Override
    public void episode(Episode e) {
        out.accept(anomaly(e));
    }

    /** {@code gpu_rollup} (rack, room): gpus, util_pct, power_w; every {@code baseline_every} steps, as baseline. */
    @Override
    public void gpus(long timeMs, String rack, String room, int gpus, double utilPct, double powerW) {
        if (!due(timeMs)) {
            return;
        }
        Sample.Builder b = Sample.builder(GpuRollup.NAME)
                .time(timeMs)
                .tag(Schema.RACK, rack)
                .field(GpuRollup.GPUS, (long) gpus)
                .field(GpuRollup.UTIL_PCT, round(utilPct));
        if (room != null) {
            b.tag(Schema.ROOM, room);
        }
        if (!Double.isNaN(powerW)) {
            b.field(GpuRollup.POWER_W, round(powerW));
        }
        out.accept(b.build());
    }

    public static Sample anomaly(Episode e) {
        Sample.Builder b = Sample.builder(Anomaly.NAME)
                .time(e.updatedMs())
                .tag(Anomaly.ENTITY, e.entity())
                .tag(Anomaly.LEVEL, e.level())
                .tag(Anomaly.KIND, e.kind())
                .tag(Anomaly.SEVERITY, e.severity().word())
                .field(Anomaly.ID, e.id())
                .field(Anomaly.STATE, e.state().word())
                .field(Anomaly.TITLE, e.title())
                .field(Anomaly.EXCESS_W, round(e.excessW()))
                .field(Anomaly.ENERGY_KWH, Math.round(e.energyKwh() * 1000) / 1000.0)
                .field(Anomaly.COST, Math.round(e.cost() * 100) / 100.0)
                .field(Anomaly.SCORE, round(e.score()))
                .field(Anomaly.STARTED_MS, e.startedMs())
                .field(Anomaly.DETECTED_MS, e.detectedMs())
                .field(Anomaly.EVIDENCE, e.evidenceJson());
        if (e.endedMs() > 0) {
            b.field(Anomaly.ENDED_MS, e.endedMs());
        }
        String host = hostOf(e);
        if (host != null) {
            b.tag(Schema.HOST, host);
        }
        return b.build();
    }

    /**
     * The host an episode belongs to: a host episode's entity, a GPU episode's ({@code HOST:INDEX}) host; null for
     * racks and rooms. A tag, so dashboards filter and link GPU episodes by their host like any host series.
     */
    static String hostOf(Episode e) {
        return switch (e.level()) {
            case "host" -> e.entity();
            case "gpu" -> e.entity().substring(0, Math.max(0, e.entity().lastIndexOf(':')));
            default -> null;
        };
    }

    private static double round(double v) {
        return Double.isNaN(v) ? 0 : Math.round(v * 100) / 100.0;
    }
}
