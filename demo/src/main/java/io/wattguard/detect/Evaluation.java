package io.wattguard.detect;

import io.wattguard.analytics.AnalysisOutput;
import io.wattguard.analytics.AnalysisSettings;
import io.wattguard.analytics.Analyzer;
import io.wattguard.analytics.Episode;
import io.wattguard.analytics.Readings;
import io.wattguard.analytics.Schedule;
import io.wattguard.analytics.StepAssembler;
import io.wattguard.simulator.site.Detection;
import io.wattguard.simulator.site.Scorer;
import io.wattguard.simulator.site.SitePoint;
import io.wattguard.simulator.site.SiteSpec;
import io.wattguard.simulator.site.SyntheticSite;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * The detection evaluation: the simulator's synthetic site (ground truth written without looking at the
 * detector) streamed through the same {@link StepAssembler} and {@link Analyzer} that {@code analyze} and
 * the daemon use, and the episodes scored against the labels by the simulator's own {@link Scorer}. Only the
 * operator's view of the site crosses over: its points, and its calendar as an operator would configure it.
 */
public final class Evaluation {
    /** The scored table and the raw episodes, for a closer look. */
    public record Result(Scorer.Table table, List<Episode> episodes, long hostSteps, double seconds) {}

    private Evaluation() {}

    public static Result run(SiteSpec spec, AnalysisSettings settings, Function<SiteSpec, Schedule> calendar,
            LongConsumer progress) {
        SyntheticSite site = new SyntheticSite(spec);
        Map<String, Episode> last = new LinkedHashMap<>();
        AnalysisOutput out = AnalysisOutput.episodes(e -> last.put(e.id(), e));
        Analyzer analyzer = new Analyzer(settings, calendar.apply(spec), Map.of(), Map.of(), out);
        StepAssembler steps = new StepAssembler(settings.stepMs(), analyzer::step);
        long started = System.nanoTime();
        long[] now = {Long.MIN_VALUE};
        site.run(p -> {
            if (p.timeMs() != now[0]) {
                steps.advanceTo(p.timeMs());
                if (now[0] / 86_400_000L != p.timeMs() / 86_400_000L) {
                    progress.accept(p.timeMs());
                }
                now[0] = p.timeMs();
            }
            feed(p, steps);
        });
        steps.advanceTo(spec.endMs());
        double seconds = (System.nanoTime() - started) / 1e9;
        List<Detection> detections = new ArrayList<>();
        for (Episode e : last.values()) {
            detections.add(new Detection(e.entity(), e.level(), e.kind(), e.startedMs(), e.detectedMs(), e.endedMs()));
        }
        Scorer.Table table = Scorer.score(site, detections);
        long hostSteps = (long) spec.hosts().size() * spec.steps();
        return new Result(table, new ArrayList<>(last.values()), hostSteps, seconds);
    }

    /**
     * The site's calendar as its operator would write it in the {@code business:} section: business hours,
     * public holidays, and the backup windows as maintenance of the hosts they cover.
     */
    public static Schedule calendar(SiteSpec spec) {
        Schedule.Builder b = Schedule.builder(spec.zone());
        SiteSpec.BusinessHours h = spec.businessHours();
        b.hours(h.days(), h.from(), h.to());
        spec.holidays().forEach(d -> b.holiday(d, "public holiday"));
        for (SiteSpec.MaintenanceWindow w : spec.maintenanceWindows()) {
            b.maintenance(Schedule.Window.weekly(w.name(), w.days(), w.from(), w.to(), w.hosts()));
        }
        return b.build();
    }

    /** One site point as the store reader would hand it over. */
    static void feed(SitePoint p, Readings r) {
        Map<String, String> t = p.tags();
        switch (p.measurement()) {
            case "gpu" -> r.gpu(p.timeMs(), t.get("host"), t.get("rack"), t.get("room"), t.get("gpu"), t.get("model"),
                    p.number("util_pct"), p.number("mem_util_pct"), p.number("power_w"), p.number("power_limit_w"),
                    p.number("energy_j"));
            case "host" -> r.host(p.timeMs(), t.get("host"), t.get("rack"), t.get("room"), p.number("cpu_util_pct"),
                    p.number("cpu_power_w"));
            case "meter" -> r.meter(p.timeMs(), t.get("device"), t.get("channel"), t.get("kind"), t.get("host"),
                    t.get("rack"), t.get("room"), p.number("power_w"), p.number("energy_kwh"));
            case "business_load" -> r.businessLoad(p.timeMs(), t.get("entity"), t.get("level"), t.get("source"),
                    p.number("value"));
            case "evidence" -> r.evidence(p.timeMs(), t.get("host"), t.get("kind"), t.get("process"),
                    (long) p.number("pid"), (String) p.fields().get("detail"), p.number("score"));
            case "gpu_process" -> r.process(p.timeMs(), t.get("host"), t.get("gpu"), t.get("process"),
                    (long) p.number("pid"), p.number("sm_util_pct"), (Boolean) p.fields().get("business"),
                    (String) p.fields().get("user"), (String) p.fields().get("container"));
            default -> { }
        }
    }
}
