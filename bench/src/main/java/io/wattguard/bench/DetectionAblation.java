package io.wattguard.bench;

import io.wattguard.analytics.AnalysisSettings;
import io.wattguard.demo.Evaluation;
import io.wattguard.simulator.site.Scorer;
import io.wattguard.simulator.site.SiteSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What each of the evaluation site's telemetry imperfections costs the detector: the first evaluation site with
 * none of them, then with one at a time (the AR(1) outlet residual, business feeds at 1/5/15 min, the feed's
 * +-15% error, feed stops). A study, not a gate: it asserts nothing and takes about ten minutes on 2 cores. The
 * tables are printed and written to {@link #TABLE}.
 *
 * <pre>java -cp bench/target/classes:demo/target/wattguard-demo.jar io.wattguard.bench.DetectionAblation</pre>
 */
public final class DetectionAblation {
    static final Path TABLE = Path.of("bench", "target", "detection-ablation.txt");

    private DetectionAblation() {}

    public static void main(String[] args) throws IOException {
        SiteSpec base = SiteSpec.evaluation();
        SiteSpec.Background bg = base.background();
        SiteSpec.Background noStops = new SiteSpec.Background(
                bg.trainingEveryDays(),
                bg.batchEveryDays(),
                bg.spikeEveryDays(),
                bg.outletBurstEveryDays(),
                bg.hostDropoutEveryDays(),
                bg.nvmlResetEveryDays(),
                bg.pduDropoutEveryDays(),
                bg.pduResetEveryDays(),
                bg.roomDropoutEveryDays(),
                bg.backupShare(),
                Double.POSITIVE_INFINITY);
        Map<String, SiteSpec> variants = new LinkedHashMap<>();
        variants.put(
                "none",
                base.toBuilder()
                        .background(noStops)
                        .telemetry(new SiteSpec.Telemetry(false, false, false))
                        .build());
        variants.put(
                "residual noise only",
                base.toBuilder()
                        .background(noStops)
                        .telemetry(new SiteSpec.Telemetry(true, false, false))
                        .build());
        variants.put(
                "feed cadences only",
                base.toBuilder()
                        .background(noStops)
                        .telemetry(new SiteSpec.Telemetry(false, true, false))
                        .build());
        variants.put(
                "feed error only",
                base.toBuilder()
                        .background(noStops)
                        .telemetry(new SiteSpec.Telemetry(false, false, true))
                        .build());
        variants.put(
                "feed stops only",
                base.toBuilder()
                        .telemetry(new SiteSpec.Telemetry(false, false, false))
                        .build());
        StringBuilder report = new StringBuilder();
        for (Map.Entry<String, SiteSpec> v : variants.entrySet()) {
            Evaluation.Result r =
                    Evaluation.run(v.getValue(), AnalysisSettings.defaults(), Evaluation::calendar, t -> {});
            Scorer.Table table = r.table();
            report.append(String.format(
                    Locale.ROOT, "== %s: imperfections: %s%n", v.getValue().site(), v.getKey()));
            report.append(table).append('\n');
            Files.createDirectories(TABLE.getParent());
            Files.writeString(TABLE, report, StandardCharsets.UTF_8);
        }
        System.out.print(report);
    }
}
