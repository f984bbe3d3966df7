package io.wattguard.detect;

import io.wattguard.analytics.AnalysisOutput;
import io.wattguard.analytics.Episode;
import io.wattguard.core.Sample;
import java.util.function.Consumer;

/**
 * The analysis's conclusions as {@code baseline} and {@code anomaly} points (DESIGN.md §3). An episode is
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
    public void baseline(long timeMs, String entity, String level, double actualW, double expectedW, double upperW,
            double residualW, double score, double businessLoad) {
        if (Math.floorMod(timeMs / stepMs, baselineEvery) != 0) {
            return;
        }
        Sample.Builder b = Sample.builder("baseline").time(timeMs).tag("entity", entity).tag("level", level)
                .field("actual_w", round(actualW)).field("expected_w", round(expectedW)).field("upper_w", round(upperW))
                .field("residual_w", round(residualW)).field("score", round(score));
        if (!Double.isNaN(businessLoad)) {
            b.field("business_load", round(businessLoad));
        }
        out.accept(b.build());
    }

    @Override
    public void episode(Episode e) {
        out.accept(anomaly(e));
    }

    /** {@code gpu_rollup} (rack, room): gpus, util_pct, power_w; every {@code baseline_every} steps, as baseline. */
    @Override
    public void gpus(long timeMs, String rack, String room, int gpus, double utilPct, double powerW) {
        if (Math.floorMod(timeMs / stepMs, baselineEvery) != 0) {
            return;
        }
        Sample.Builder b = Sample.builder("gpu_rollup").time(timeMs).tag("rack", rack).field("gpus", (long) gpus)
                .field("util_pct", round(utilPct));
        if (room != null) {
            b.tag("room", room);
        }
        if (!Double.isNaN(powerW)) {
            b.field("power_w", round(powerW));
        }
        out.accept(b.build());
    }

    public static Sample anomaly(Episode e) {
        Sample.Builder b = Sample.builder("anomaly").time(e.updatedMs()).tag("entity", e.entity()).tag("level", e.level())
                .tag("kind", e.kind()).tag("severity", e.severity().word())
                .field("id", e.id()).field("state", e.state().word()).field("title", e.title())
                .field("excess_w", round(e.excessW())).field("energy_kwh", Math.round(e.energyKwh() * 1000) / 1000.0)
                .field("cost", Math.round(e.cost() * 100) / 100.0).field("score", round(e.score()))
                .field("started_ms", e.startedMs()).field("detected_ms", e.detectedMs())
                .field("evidence", e.evidenceJson());
        if (e.endedMs() > 0) {
            b.field("ended_ms", e.endedMs());
        }
        String host = hostOf(e);
        if (host != null) {
            b.tag("host", host);
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
