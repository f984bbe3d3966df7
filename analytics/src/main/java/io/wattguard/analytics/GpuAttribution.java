package io.wattguard.analytics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * GPU-level attribution: {@code unexplained_gpu} episodes (entity {@code HOST:INDEX}, level {@code gpu}), at any
 * hour and whatever the watts. NVML lists every compute process on a GPU with its share of the SMs, and the
 * agent marks each one business or not against the allowlist; so a GPU that is busy while the business
 * processes on it account for little of that is doing someone else's work. That holds for one GPU of eight
 * beside legitimate jobs (the host's watts barely move) and for a miner that raises its power limit slowly
 * (no change point in the host's watts to find), neither of which a host residual can see.
 *
 * <p>A step of a GPU is <i>unexplained</i> when its utilisation is at least {@code gpu_busy_util} and its
 * utilisation less the business processes' SM share is still at least {@code gpu_busy_util}: business work
 * explains what it runs, and a GPU time-shared half and half with a business job is not flagged. The episode
 * opens after {@value #SUSTAINED_STEPS} such steps in a row (a notebook cell or a profiler run lasts minutes),
 * dated to the first, and closes after {@value #QUIET_STEPS} steps without one.
 *
 * <p>No verdict where there is no allowlist data: a host whose agent has not reported a process list within
 * {@link #ALLOWLIST_MEMORY_MS} (it does not list processes, or lists them without an allowlist), a host in a
 * maintenance window, or a step in which the GPU reported no utilisation.
 *
 * <p>Severity: {@code medium}; {@code high} while the GPU draws at least {@code floor_per_gpu_w} above what
 * GPUs of its model draw at that utilisation when business explains their work ({@link PowerCurve}); {@code
 * critical} with miner evidence on the host. Energy is the GPU's watts above what its model draws idle.
 */
final class GpuAttribution {
    static final String KIND = "unexplained_gpu";
    static final String LEVEL = "gpu";
    static final int SUSTAINED_STEPS = ExcessPowerDetector.SUSTAINED_SAMPLES;
    static final int QUIET_STEPS = ExcessPowerDetector.QUIET_SAMPLES;
    /**
     * The agent writes process points only while processes run, so an idle host writes none for days. A week
     * covers a weekend and a holiday: a host that listed processes within it still lists them.
     */
    static final long ALLOWLIST_MEMORY_MS = 7 * 86_400_000L;
    /** Utilisation is written in percent, SM shares too. */
    private static final double PERCENT = 100;

    /** What the analyzer knows about a host that this part needs: maintenance, miner evidence. */
    interface HostFacts {
        boolean maintenance(String host, long t);

        boolean minerEvidence(String host);
    }

    private final AnalysisSettings settings;
    private final Map<String, Long> processesSeenMs = new HashMap<>();
    /** Per host, per GPU index: no key is built per GPU and step. */
    private final Map<String, Map<String, Gpu>> gpus = new TreeMap<>();

    private final Map<String, PowerCurve> curves = new HashMap<>();
    /** The GPU explained step by step ({@code HOST:INDEX}), its host and index; null: none. */
    private String explainEntity;

    private String explainHost;
    private String explainIndex;
    private Consumer<Explanation> explainSink;
    private long explainedMs = Long.MIN_VALUE;

    GpuAttribution(AnalysisSettings settings) {
        this.settings = settings;
    }

    /** One GPU's run of unexplained steps and its open episode. */
    private static final class Gpu {
        final String host;
        final String index;
        int run;
        long firstMs;
        long lastMs;
        int quiet;
        Track track;

        Gpu(String host, String index) {
            this.host = host;
            this.index = index;
        }
    }

    /**
     * Whether the host has allowlist data: it reported a process judged against an allowlist within {@link
     * #ALLOWLIST_MEMORY_MS}.
     */
    boolean hasAllowlistData(String host, long t) {
        Long seen = processesSeenMs.get(host);
        return seen != null && t - seen <= ALLOWLIST_MEMORY_MS;
    }

    /**
     * From now on, every step hands {@code sink} an {@link Explanation} of the GPU {@code entity} ({@code
     * HOST:INDEX}); another entity, or null, stops it.
     */
    void setExplain(String entity, Consumer<Explanation> sink) {
        boolean gpu = isGpu(entity);
        int colon = gpu ? entity.lastIndexOf(':') : -1;
        explainEntity = gpu ? entity : null;
        explainHost = gpu ? entity.substring(0, colon) : null;
        explainIndex = gpu ? entity.substring(colon + 1) : null;
        explainSink = gpu ? sink : null;
    }

    /** Whether {@code entity} names a GPU ({@code HOST:INDEX}), which this part explains. */
    static boolean isGpu(String entity) {
        int colon = entity == null ? -1 : entity.lastIndexOf(':');
        return colon > 0 && entity.substring(colon + 1).matches("\\d+");
    }

    void step(Frame f, long t, HostFacts facts, Consumer<Episode> emit) {
        stepGpus(f, t, facts, emit);
        if (explainSink != null && explainedMs != t) {
            String why = !f.hosts.containsKey(explainHost)
                    ? "no reading of host " + explainHost + " this step"
                    : !hasAllowlistData(explainHost, t)
                            ? "no allowlist data: the agent on " + explainHost
                                    + " has not reported a process judged against an allowlist in the last 7 days, so "
                                    + "nothing says whose work the GPU does"
                            : facts.maintenance(explainHost, t)
                                    ? null
                                    : "no utilisation reading of GPU " + explainIndex + " this step";
            explainNone(
                    t,
                    why == null ? Explanation.Reason.MAINTENANCE : Explanation.Reason.NO_DATA,
                    why == null ? "a maintenance window covers the host: maintenance explains whatever runs" : why);
        }
    }

    private void explainNone(long t, Explanation.Reason reason, String why) {
        Gpu g = gpus.getOrDefault(explainHost, Map.of()).get(explainIndex);
        explain(
                t,
                Explanation.Verdict.NONE,
                reason,
                why,
                g != null && g.track != null ? g.track.id : null,
                null,
                null,
                Double.NaN,
                null);
    }

    private void explain(
            long t,
            Explanation.Verdict verdict,
            Explanation.Reason reason,
            String why,
            String id,
            Explanation.Measured measured,
            Explanation.Expected expected,
            double businessShare,
            Explanation.Corroboration corroboration) {
        explainedMs = t;
        explainSink.accept(new Explanation(
                t,
                explainEntity,
                LEVEL,
                verdict,
                reason,
                why,
                id,
                measured,
                expected,
                List.of(),
                businessShare,
                false,
                null,
                corroboration));
    }

    private void stepGpus(Frame f, long t, HostFacts facts, Consumer<Episode> emit) {
        for (Map.Entry<String, List<Frame.Proc>> p : f.processes.entrySet()) {
            for (Frame.Proc proc : p.getValue()) {
                if (proc.business() != null) {
                    processesSeenMs.put(p.getKey(), t);
                    break;
                }
            }
        }
        for (Map.Entry<String, Frame.HostAgg> h : f.hosts.entrySet()) {
            String host = h.getKey();
            if (h.getValue().gpus.isEmpty() || !hasAllowlistData(host, t) || facts.maintenance(host, t)) {
                continue; // no verdict: a run and an open episode wait
            }
            List<Frame.Proc> procs = f.processes.getOrDefault(host, List.of());
            Map<String, Gpu> ofHost = gpus.computeIfAbsent(host, k -> new TreeMap<>());
            for (Map.Entry<String, Frame.GpuAgg> g : h.getValue().gpus.entrySet()) {
                Frame.GpuAgg agg = g.getValue();
                double util = agg.util.get();
                if (Double.isNaN(util)) {
                    continue;
                }
                Gpu gpu = ofHost.computeIfAbsent(g.getKey(), k -> new Gpu(host, k));
                boolean unexplained = unexplained(util, g.getKey(), procs);
                PowerCurve curve = agg.model == null ? null : curves.computeIfAbsent(agg.model, k -> new PowerCurve());
                double power = agg.power.get();
                if (curve != null && !unexplained && gpu.track == null) {
                    curve.add(util / PERCENT, power);
                }
                boolean had = gpu.track != null;
                advance(gpu, t, unexplained, f, facts, curve, agg, util, power, emit);
                if (explainSink != null
                        && host.equals(explainHost)
                        && g.getKey().equals(explainIndex)) {
                    explainGpu(gpu, had, t, unexplained, util, power, agg.model, curve, procs, f);
                }
            }
        }
    }

    private boolean unexplained(double utilPct, String index, List<Frame.Proc> procs) {
        double busy = settings.gpuBusyUtil() * PERCENT;
        return utilPct >= busy && utilPct - businessPct(index, procs) >= busy;
    }

    private static double businessPct(String index, List<Frame.Proc> procs) {
        double businessPct = 0;
        for (Frame.Proc p : procs) {
            if (p.isBusiness() && index.equals(p.gpu()) && !Double.isNaN(p.smUtilPct())) {
                businessPct += p.smUtilPct();
            }
        }
        return businessPct;
    }

    /** The explained GPU's step: its watts against its model's curve, its processes, and the verdict's reason. */
    private void explainGpu(
            Gpu gpu,
            boolean had,
            long t,
            boolean unexplained,
            double util,
            double power,
            String model,
            PowerCurve curve,
            List<Frame.Proc> procs,
            Frame f) {
        double busy = settings.gpuBusyUtil() * PERCENT;
        double business = businessPct(gpu.index, procs);
        double curveW = curve == null ? Double.NaN : curve.predict(util / PERCENT);
        Explanation.Measured measured = new Explanation.Measured(power, "nvml", Map.of());
        Explanation.Expected expected = Double.isNaN(curveW)
                ? null
                : new Explanation.Expected(
                        curveW,
                        model,
                        "what GPUs of this model draw at this utilisation under business work",
                        curveW,
                        0,
                        0,
                        new String[] {"gpu_util"},
                        new double[] {util / PERCENT},
                        new double[] {util / PERCENT});
        List<String> processes = new ArrayList<>();
        for (Frame.Proc p : procs) {
            if (gpu.index.equals(p.gpu())) {
                processes.add(String.format(
                        Locale.ROOT,
                        "%s pid %d user %s%s, sm %.0f%%, %s",
                        p.process(),
                        p.pid(),
                        p.user(),
                        p.container() == null ? "" : " container " + p.container(),
                        p.smUtilPct(),
                        p.isBusiness() ? "business" : p.isNonBusiness() ? "not business" : "not judged"));
            }
        }
        List<String> evidence = new ArrayList<>();
        for (Frame.Finding fi : f.evidence.getOrDefault(gpu.host, List.of())) {
            evidence.add(fi.kind() + " " + fi.process() + " " + fi.detail());
        }
        Explanation.Corroboration c = new Explanation.Corroboration(
                unexplained, false, power, curveW, settings.floorPerGpuW(), processes, evidence);
        String facts = String.format(
                Locale.ROOT,
                "GPU busy %.0f%%, business processes %.0f%% of its SMs, " + "unexplained %.0f%% (gpu_busy_util %.0f%%)",
                util,
                business,
                Math.max(0, util - business),
                busy);
        Explanation.Verdict verdict;
        Explanation.Reason reason;
        String why;
        if (!had && gpu.track != null) {
            verdict = Explanation.Verdict.OPENED;
            reason = Explanation.Reason.OPENED;
            why = facts
                    + String.format(
                            Locale.ROOT,
                            ": unexplained for %d steps in a row; dated back to %s",
                            gpu.run,
                            java.time.Instant.ofEpochMilli(gpu.firstMs));
        } else if (had && gpu.track == null) {
            verdict = Explanation.Verdict.CLOSED;
            reason = Explanation.Reason.CLOSED;
            why = facts + String.format(Locale.ROOT, ": %d steps without unexplained work", QUIET_STEPS);
        } else if (had) {
            verdict = Explanation.Verdict.ONGOING;
            reason = gpu.quiet > 0 ? Explanation.Reason.CLOSING : Explanation.Reason.ONGOING;
            why = facts
                    + (gpu.quiet > 0
                            ? String.format(
                                    Locale.ROOT, "; %d of the %d quiet steps that close it", gpu.quiet, QUIET_STEPS)
                            : "");
        } else {
            verdict = Explanation.Verdict.NONE;
            reason = util < busy
                    ? Explanation.Reason.NOT_BUSY
                    : !unexplained ? Explanation.Reason.EXPLAINED : Explanation.Reason.TOO_SHORT;
            why = facts
                    + (reason == Explanation.Reason.NOT_BUSY
                            ? ": below gpu_busy_util"
                            : reason == Explanation.Reason.EXPLAINED
                                    ? ": business processes explain enough of it"
                                    : String.format(
                                            Locale.ROOT,
                                            ": unexplained for %d of the %d steps in a row that open an episode",
                                            gpu.run,
                                            SUSTAINED_STEPS));
        }
        explain(
                t,
                verdict,
                reason,
                why,
                gpu.track != null ? gpu.track.id : null,
                measured,
                expected,
                business / PERCENT,
                c);
    }

    private void advance(
            Gpu gpu,
            long t,
            boolean unexplained,
            Frame f,
            HostFacts facts,
            PowerCurve curve,
            Frame.GpuAgg agg,
            double util,
            double power,
            Consumer<Episode> emit) {
        if (unexplained) {
            if (gpu.run == 0) {
                gpu.firstMs = t;
            }
            gpu.run++;
            gpu.lastMs = t;
            gpu.quiet = 0;
        } else if (gpu.track != null) {
            gpu.quiet++;
        } else {
            gpu.run = 0;
        }
        if (gpu.track == null && gpu.run >= SUSTAINED_STEPS) {
            gpu.track = new Track(settings, gpu.host + ":" + gpu.index, LEVEL, KIND, gpu.firstMs, t);
        }
        Track tr = gpu.track;
        if (tr == null) {
            return;
        }
        double idle = curve == null ? Double.NaN : curve.predict(0);
        double above = curve == null ? Double.NaN : power - curve.predict(util / PERCENT);
        if (!Double.isNaN(power)) {
            double work = Double.isNaN(idle) ? power : power - idle;
            tr.add(settings.stepKwh(unexplained ? work : 0), t);
            tr.peakW = Math.max(tr.peakW, work);
        }
        tr.score = Math.max(tr.score, util / PERCENT);
        Episode.Severity s = facts.minerEvidence(gpu.host)
                ? Episode.Severity.CRITICAL
                : above >= settings.floorPerGpuW() ? Episode.Severity.HIGH : Episode.Severity.MEDIUM;
        tr.severity = s.compareTo(tr.severity) > 0 ? s : tr.severity;
        if (unexplained) { // what ran after it stopped is not its evidence
            tr.collected.gpu(tr.entity, util, power, agg.limit);
            for (Frame.Proc p : f.processes.getOrDefault(gpu.host, List.of())) {
                if (gpu.index.equals(p.gpu())) {
                    tr.collected.process(gpu.host, p);
                }
            }
            for (Frame.Finding fi : f.evidence.getOrDefault(gpu.host, List.of())) {
                tr.collected.finding(fi);
            }
        }
        boolean closed = gpu.quiet >= QUIET_STEPS;
        emit.accept(tr.episode(
                closed ? Episode.State.CLOSED : Episode.State.OPEN,
                closed ? gpu.lastMs + settings.stepMs() : 0,
                t,
                title(tr)));
        if (closed) {
            gpu.track = null;
            gpu.run = 0;
        }
    }

    static String title(Track tr) {
        String who = tr.collected.firstGpuProcess();
        return String.format(Locale.ROOT, "GPU %s busy without a business process%s", tr.entity, who);
    }

    /** Episodes open now, in entity order. */
    List<Episode> open(long nowMs) {
        List<Episode> l = new ArrayList<>();
        for (Map<String, Gpu> ofHost : gpus.values()) {
            for (Gpu g : ofHost.values()) {
                if (g.track != null) {
                    l.add(g.track.episode(Episode.State.OPEN, 0, nowMs, title(g.track)));
                }
            }
        }
        return l;
    }

    /**
     * What GPUs of one model draw at each utilisation when business explains their work: the mean watts in
     * bins of a tenth of utilisation, each over about its last {@value #MEMORY} samples (a week of a rack), so
     * that a driver or firmware change is learned within days. A bin with fewer than {@value #MIN_SAMPLES}
     * samples (an hour of one GPU) says nothing; between known bins the line is interpolated.
     */
    static final class PowerCurve {
        private static final int BINS = 11;
        private static final int MEMORY = 10_000;
        private static final int MIN_SAMPLES = 60;
        private final double[] mean = new double[BINS];
        private final int[] n = new int[BINS];

        void add(double util, double watts) {
            if (Double.isNaN(watts) || Double.isNaN(util)) {
                return;
            }
            int b = bin(util);
            n[b] = Math.min(MEMORY, n[b] + 1);
            mean[b] += (watts - mean[b]) / n[b];
        }

        private static int bin(double util) {
            return (int) Math.round(Math.max(0, Math.min(1, util)) * (BINS - 1));
        }

        /** Watts at this utilisation, or NaN where no known bin lies on both sides or at it. */
        double predict(double util) {
            double x = Math.max(0, Math.min(1, util)) * (BINS - 1);
            int lo = (int) Math.floor(x);
            int hi = (int) Math.ceil(x);
            while (lo >= 0 && n[lo] < MIN_SAMPLES) {
                lo--;
            }
            while (hi < BINS && n[hi] < MIN_SAMPLES) {
                hi++;
            }
            if (lo < 0 || hi >= BINS) {
                return Double.NaN; // beyond what business work has shown: no line is extrapolated
            }
            return lo == hi ? mean[lo] : mean[lo] + (mean[hi] - mean[lo]) * (x - lo) / (hi - lo);
        }
    }
}
