package io.wattguard.demo;

import io.wattguard.analytics.AnalysisOutput;
import io.wattguard.analytics.AnalysisSettings;
import io.wattguard.analytics.Analyzer;
import io.wattguard.analytics.Episode;
import io.wattguard.analytics.Readings;
import io.wattguard.analytics.Readings.BusinessLoadReading;
import io.wattguard.analytics.Readings.EvidenceReading;
import io.wattguard.analytics.Readings.GpuReading;
import io.wattguard.analytics.Readings.HostReading;
import io.wattguard.analytics.Readings.MeterReading;
import io.wattguard.analytics.Readings.ProcessReading;
import io.wattguard.analytics.Schedule;
import io.wattguard.analytics.StepAssembler;
import io.wattguard.simulator.site.Detection;
import io.wattguard.simulator.site.Scorer;
import io.wattguard.simulator.site.SitePoint;
import io.wattguard.simulator.site.SiteSpec;
import io.wattguard.simulator.site.SyntheticSite;
import io.wattguard.store.Schema;
import io.wattguard.store.Schema.BusinessLoad;
import io.wattguard.store.Schema.Evidence;
import io.wattguard.store.Schema.Gpu;
import io.wattguard.store.Schema.GpuProcess;
import io.wattguard.store.Schema.Host;
import io.wattguard.store.Schema.Meter;
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

    public static Result run(
            SiteSpec spec, AnalysisSettings settings, Function<SiteSpec, Schedule> calendar, LongConsumer progress) {
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

    /** One site point as the store reader would hand it over: the same names, through the same {@link Schema}. */
    static void feed(SitePoint p, Readings r) {
        Map<String, String> t = p.tags();
        Map<String, Object> f = p.fields();
        switch (p.measurement()) {
            case Gpu.NAME ->
                r.gpu(new GpuReading(
                        p.timeMs(),
                        t.get(Schema.HOST),
                        t.get(Schema.RACK),
                        t.get(Schema.ROOM),
                        t.get(Gpu.GPU),
                        t.get(Gpu.MODEL),
                        p.number(Gpu.UTIL_PCT),
                        p.number(Gpu.MEM_UTIL_PCT),
                        p.number(Gpu.POWER_W),
                        p.number(Gpu.POWER_LIMIT_W),
                        p.number(Gpu.ENERGY_J)));
            case Host.NAME ->
                r.host(new HostReading(
                        p.timeMs(),
                        t.get(Schema.HOST),
                        t.get(Schema.RACK),
                        t.get(Schema.ROOM),
                        p.number(Host.CPU_UTIL_PCT),
                        p.number(Host.CPU_POWER_W)));
            case Meter.NAME ->
                r.meter(new MeterReading(
                        p.timeMs(),
                        t.get(Meter.DEVICE),
                        t.get(Meter.CHANNEL),
                        t.get(Meter.KIND),
                        t.get(Schema.HOST),
                        t.get(Schema.RACK),
                        t.get(Schema.ROOM),
                        p.number(Meter.POWER_W),
                        p.number(Meter.ENERGY_KWH)));
            case BusinessLoad.NAME ->
                r.businessLoad(new BusinessLoadReading(
                        p.timeMs(),
                        t.get(BusinessLoad.ENTITY),
                        t.get(BusinessLoad.LEVEL),
                        t.get(BusinessLoad.SOURCE),
                        p.number(BusinessLoad.VALUE)));
            case Evidence.NAME ->
                r.evidence(new EvidenceReading(
                        p.timeMs(),
                        t.get(Schema.HOST),
                        t.get(Evidence.KIND),
                        t.get(Evidence.PROCESS),
                        (long) p.number(Evidence.PID),
                        (String) f.get(Evidence.DETAIL),
                        p.number(Evidence.SCORE)));
            case GpuProcess.NAME ->
                r.process(new ProcessReading(
                        p.timeMs(),
                        t.get(Schema.HOST),
                        t.get(GpuProcess.GPU),
                        t.get(GpuProcess.PROCESS),
                        (long) p.number(GpuProcess.PID),
                        p.number(GpuProcess.SM_UTIL_PCT),
                        (Boolean) f.get(GpuProcess.BUSINESS),
                        (String) f.get(GpuProcess.USER),
                        (String) f.get(GpuProcess.CONTAINER)));
            default -> {}
        }
    }
}
