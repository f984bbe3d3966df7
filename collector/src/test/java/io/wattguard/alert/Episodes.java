package io.wattguard.alert;

import io.wattguard.analytics.Episode;
import io.wattguard.analytics.Episode.Severity;
import io.wattguard.analytics.Episode.State;

/** Episodes as the analysis engine publishes them: one that opens, grows step by step, and closes. */
final class Episodes {
    static final long T0 = 1_764_000_000_000L; // 2025-11-24T16:00:00Z
    static final long STEP = 60_000;

    private Episodes() {}

    static Episode open(String id, Severity sev, int step) {
        return new Episode(
                id,
                "gpu-07",
                "host",
                "miner_process",
                State.OPEN,
                sev,
                "Mining process on gpu-07",
                T0,
                T0 + 5 * STEP,
                0,
                T0 + (5 + step) * STEP,
                250 + step,
                300 + step,
                0.1 * step,
                0.03 * step,
                0.9,
                "{\"processes\":[{\"pid\":4242,\"exe\":\"/tmp/.x/xmrig\",\"cmdline\":\"xmrig -o pool.example:3333\"}]}");
    }

    static Episode closed(String id, Severity sev, int step) {
        Episode o = open(id, sev, step);
        return new Episode(
                o.id(),
                o.entity(),
                o.level(),
                o.kind(),
                State.CLOSED,
                sev,
                o.title(),
                o.startedMs(),
                o.detectedMs(),
                o.updatedMs() - STEP,
                o.updatedMs(),
                o.excessW(),
                o.peakExcessW(),
                o.energyKwh(),
                o.cost(),
                o.score(),
                o.evidenceJson());
    }

    static Episode with(Episode o, String entity, String level, String kind, String title, String evidence) {
        return new Episode(
                o.id(),
                entity,
                level,
                kind,
                o.state(),
                o.severity(),
                title,
                o.startedMs(),
                o.detectedMs(),
                o.endedMs(),
                o.updatedMs(),
                o.excessW(),
                o.peakExcessW(),
                o.energyKwh(),
                o.cost(),
                o.score(),
                evidence);
    }

    /** A monthly report of March 2026 (Europe/Berlin) of a site whose name needs escaping everywhere. */
    static ReportSummary report(String site) {
        java.nio.file.Path dir = java.nio.file.Path.of("/var/lib/wattguard/reports/2026-03");
        return new ReportSummary(
                "2026-03",
                site,
                1_772_319_600_000L, // 2026-03-01T00:00+01:00
                1_774_994_400_000L, // 2026-04-01T00:00+02:00
                dir,
                java.util.List.of(
                        dir.resolve("energy-2026-03.csv"),
                        dir.resolve("episodes-2026-03.csv"),
                        dir.resolve("report-2026-03.en.html"),
                        dir.resolve("report-2026-03.en.pdf")),
                1234.5,
                271.59,
                "EUR",
                56.25,
                12.38,
                java.util.Map.of("low", 3, "medium", 2, "high", 1, "critical", 0),
                6,
                31,
                31);
    }
}
