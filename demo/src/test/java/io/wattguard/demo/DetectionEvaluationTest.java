package io.wattguard.demo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.analytics.AnalysisSettings;
import io.wattguard.simulator.site.Scenario;
import io.wattguard.simulator.site.Scorer;
import io.wattguard.simulator.site.SiteSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The detection targets on the simulator's two evaluation sites (120 hosts in Europe/Berlin for 60 days; 102
 * hosts of another hardware mix in America/Chicago for 56 days; every mining scenario several times on each),
 * per scenario, so that no scenario hides inside an overall figure and what was tuned on one site has to hold
 * on the other:
 * <ul>
 * <li>recall >= 0.98 for each mining scenario (every label is 30 min or longer and 10% of its nameplate);
 * <li>median detection delay at most the scenario's {@link Scenario#delayTargetMin()}: 10 min where a
 * component corroborates, 15 min for the GPU-level scenarios, 35 min for the miner only the outlet sees;
 * <li>at most 0.5 false episodes per 1,000 host-days per benign scenario (issue 11), and at most 1 overall.
 * </ul>
 * Both sites are evaluated and both tables written before anything is asserted, so a failure on the first does
 * not hide the second.
 *
 * <p>Surefire sends a test's output to {@code target/surefire-reports/}, not to the console; so the tables are
 * also written to {@link #TABLE}, which {@code scripts/test.sh} prints after Maven has finished.
 */
class DetectionEvaluationTest {
    /** Relative to the collector module, the working directory of tests. */
    static final Path TABLE = Path.of("target", "detection-evaluation.txt");

    /**
     * Rows that miss a target today, each held at the figure measured when it was listed so that it cannot get
     * worse unnoticed, with why it misses. Issue 11 stays open while this list is not empty. A listed row that
     * meets its target fails the test too, so the entry is removed once it is no longer needed.
     */
    static final Map<String, Double> KNOWN_SHORTFALLS = Map.of();

    static final double RECALL = 0.98;
    static final double FALSE_PER_1000_PER_BENIGN = 0.5;
    static final double FALSE_PER_1000_OVERALL = 1.0;

    @Test
    void bothEvaluationSitesMeetTheTargets() throws IOException {
        StringBuilder report = new StringBuilder();
        List<String> failures = new ArrayList<>();
        for (SiteSpec spec : List.of(SiteSpec.evaluation(), SiteSpec.evaluationB())) {
            Evaluation.Result r = Evaluation.run(spec, AnalysisSettings.defaults(), Evaluation::calendar, t -> {});
            Scorer.Table table = r.table();
            report.append(String.format(
                    Locale.ROOT,
                    "== site %s (%s, %d hosts, %d days)%n",
                    spec.site(),
                    spec.zone(),
                    spec.hosts().size(),
                    spec.days()));
            report.append(table)
                    .append(String.format(
                            Locale.ROOT, "%,d host-steps analysed in %.1f s%n%n", r.hostSteps(), r.seconds()));
            Files.createDirectories(TABLE.getParent());
            Files.writeString(TABLE, report, StandardCharsets.UTF_8);
            System.out.println("== episodes of site " + spec.site());
            r.episodes()
                    .forEach(e -> System.out.println(e.kind() + " " + e.level() + " " + e.entity() + " "
                            + java.time.Instant.ofEpochMilli(e.startedMs()) + " +" + e.delayMs() / 60000 + "m "
                            + (e.endedMs() == 0 ? "open" : java.time.Instant.ofEpochMilli(e.endedMs())) + " "
                            + Math.round(e.excessW()) + " W " + e.severity().word()));
            failures.addAll(check(spec.site(), table));
        }
        System.out.print(report);
        assertTrue(failures.isEmpty(), String.join("\n", failures) + "\n\n" + report);
    }

    /**
     * A missed target is a failure unless {@link #KNOWN_SHORTFALLS} lists it ({@code site/scenario/metric}) at a
     * figure no better than today's; a listed target that is met is a failure too (remove the entry).
     */
    static void miss(List<String> out, String key, double value, boolean met, boolean higherIsBetter, String text) {
        Double bound = KNOWN_SHORTFALLS.get(key);
        if (met) {
            if (bound != null) {
                out.add(key + " meets its target now (" + value + "): remove it from KNOWN_SHORTFALLS");
            }
        } else if (bound == null || (higherIsBetter ? value < bound : value > bound)) {
            out.add(text + (bound == null ? "" : " (listed at " + bound + ")"));
        }
    }

    /** Every target a site's table misses, one line each. */
    static List<String> check(String site, Scorer.Table table) {
        List<String> out = new ArrayList<>();
        for (Scorer.Row row : table.rows()) {
            if (row.scenario().equals("overall")) continue;
            Scenario s = Scenario.byId(row.scenario());
            String key = site + "/" + s.id() + "/";
            if (row.mining()) {
                miss(
                        out,
                        key + "recall",
                        row.recall(),
                        row.recall() >= RECALL,
                        true,
                        String.format(Locale.ROOT, "%s %s: recall %.3f < %.2f", site, s.id(), row.recall(), RECALL));
                miss(
                        out,
                        key + "median_min",
                        row.medianDelayMin(),
                        row.medianDelayMin() <= s.delayTargetMin(),
                        false,
                        String.format(
                                Locale.ROOT,
                                "%s %s: median delay %.1f min > %.0f",
                                site,
                                s.id(),
                                row.medianDelayMin(),
                                s.delayTargetMin()));
            } else {
                double per1000 = table.falsePer1000HostDays(row);
                miss(
                        out,
                        key + "false_1khd",
                        per1000,
                        per1000 <= FALSE_PER_1000_PER_BENIGN,
                        false,
                        String.format(
                                Locale.ROOT,
                                "%s %s: %.2f false per 1,000 host-days > %.1f",
                                site,
                                s.id(),
                                per1000,
                                FALSE_PER_1000_PER_BENIGN));
            }
        }
        double all = table.falsePer1000HostDays();
        miss(
                out,
                site + "/overall/false_1khd",
                all,
                all <= FALSE_PER_1000_OVERALL,
                false,
                String.format(
                        Locale.ROOT,
                        "%s: %.2f false episodes per 1,000 host-days > %.1f",
                        site,
                        all,
                        FALSE_PER_1000_OVERALL));
        return out;
    }
}
