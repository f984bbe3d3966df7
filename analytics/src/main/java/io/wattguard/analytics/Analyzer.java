package io.wattguard.analytics;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The detection engine: takes one {@link Frame} per analysis step, in time order, and writes baselines and
 * episodes to an {@link AnalysisOutput}. The daemon (every step, live) and {@code analyze} (over history)
 * run this same code over frames built the same way from the same store, so both find the same episodes.
 *
 * <p>Per step and entity:
 * <ul>
 * <li><b>Host</b> ({@link HostResidual}): measured watts (its PDU outlets, else what NVML and RAPL report) minus what the power model
 * of its hardware predicts for the load that business explains ({@code min(load, business share)}): the
 * residual. The residual's hour-of-week baseline and sigma come from {@link HourlyHistory}; the move that
 * most same-model peers make in the same step is discounted (a fleet-wide change is not one host's miner);
 * what remains feeds an {@link ExcessPowerDetector} whose floor includes the host's own noise on the
 * detector's scale: {@code unexplained_power}. Corroboration sets its
 * speed: an outlet excess that the components corroborate (their own watts, NVML and RAPL, above the
 * component model at the explained load, or a non-business process on the host) may open after the
 * sustained window; one seen on the outlet alone, or on a host that reports no component power, must last
 * {@code confirmUncorroboratedMs}.</li>
 * <li><b>Rack</b> ({@link EnergyBalance}): inlet watts (or all its outlets) against the watts of the outlets that feed known hosts,
 * through a fitted supply-loss line: what remains is hardware nobody declared, {@code unaccounted_power}.
 * <b>Room</b>: its meter against its racks, the same way.</li>
 * <li><b>Evidence</b> ({@link EvidenceEpisodes}): miner processes and pool connections found on a host open
 * their own episodes and raise the severity of a power episode on the same host; GPUs busy out of business
 * hours without business load for {@code offHoursMs} open {@code off_hours_gpu}.</li>
 * <li><b>GPU</b> ({@link GpuAttribution}): a GPU busy while the business processes on it explain little of
 * that opens {@code unexplained_gpu}, at any hour and whatever its watts.</li>
 * </ul>
 * Models are refitted and baselines rebuilt at every local midnight from the trailing weeks, leaving out
 * hours with an episode, a maintenance window or a holiday.
 */
public final class Analyzer {
    /** What the operator declared about a host: its place, its hardware model, its nameplate (0 = unknown). */
    public record HostPlace(String rack, String room, String model, double nameplateW) {}

    /** What the operator declared about a rack. */
    public record RackPlace(String room, double nameplateW) {}

    private static final double SIGMA_FLOOR_W = 3;
    /** A GPU is named in a host episode's evidence when this busy (percent), or drawing this share of its limit. */
    private static final double EVIDENCE_GPU_UTIL_PCT = 20;

    private static final double EVIDENCE_GPU_LIMIT_SHARE = 0.5;
    /** At most this many rows per model fit: a month of a large fleet is far more than a line needs. */
    private static final int MAX_FIT_ROWS = 20_000;

    private final AnalysisSettings settings;
    private final Schedule schedule;
    private final ZoneId zone;
    private final AnalysisOutput out;

    /** The host residual; its hosts, by name. */
    private final HostResidual residual;

    private final Map<String, Entity> hosts;
    /** The energy balance of racks and rooms. */
    private final EnergyBalance balance;

    private final Map<String, LoadModel> groupModels = new TreeMap<>();
    /** Per hardware model: the components' own watts (GPU + CPU package) as a line of the same load features. */
    private final Map<String, LoadModel> componentModels = new TreeMap<>();
    /** Meters, host loads and business feeds, each held across its dropouts. */
    private final HeldInputs inputs;

    private final EvidenceEpisodes evidenceEpisodes;
    private final GpuAttribution gpuAttribution;
    /** Why the explained entity got its verdict; reads the state above, changes none of it. */
    private final Explainer explainer;

    private LocalDate lastDate;
    private long lastMs = Long.MIN_VALUE;
    private long firstMs = Long.MIN_VALUE;
    private boolean muted;

    public Analyzer(
            AnalysisSettings settings,
            Schedule schedule,
            Map<String, HostPlace> hosts,
            Map<String, RackPlace> racks,
            AnalysisOutput out) {
        this.settings = settings;
        this.schedule = schedule;
        this.zone = schedule.zone();
        this.out = out;
        this.inputs = new HeldInputs(settings.holdMs());
        this.gpuAttribution = new GpuAttribution(settings);
        this.evidenceEpisodes = new EvidenceEpisodes(settings, schedule);
        this.explainer = new Explainer(settings, schedule, inputs, explainerEntities);
        this.residual = new HostResidual(
                settings,
                schedule,
                Map.copyOf(hosts),
                inputs,
                groupModels::get,
                componentModels::get,
                evidenceEpisodes::minerEvidence,
                explainer,
                this::detect);
        this.hosts = residual.hosts();
        this.balance = new EnergyBalance(settings, Map.copyOf(racks), inputs, this.hosts, explainer, this::detect);
    }

    /** While muted (warming up on history before the range of interest) nothing is written out. */
    public void setMuted(boolean muted) {
        this.muted = muted;
    }

    public void step(Frame f) {
        long t = f.timeMs;
        if (t <= lastMs) {
            throw new IllegalArgumentException("frames must come in time order: " + t + " after " + lastMs);
        }
        LocalDate date = Instant.ofEpochMilli(t).atZone(zone).toLocalDate();
        if (firstMs == Long.MIN_VALUE) {
            firstMs = t;
        }
        // Models are fitted at local midnights, once there is at least min_hours_to_fit of history: a line
        // through the first hour of a fleet says nothing about its afternoons.
        if (lastDate != null && !date.equals(lastDate) && t - firstMs >= settings.minHoursToFit() * 3_600_000L) {
            refit();
        }
        lastDate = date;
        lastMs = t;
        int how = HourOfWeek.of(t, zone); // this step's local hour of the week
        inputs.remember(f);
        residual.step(f, t, how);
        gpuRollup(f, t);
        balance.step(t, how);
        evidenceEpisodes.step(f, t, evidenceHosts, this::emit);
        gpuAttribution.step(f, t, hostFacts, this::emit);
        explainer.stepEnd(t);
    }

    /** What {@link Explainer} needs of the entities under analysis. */
    private final Explainer.Entities explainerEntities = new Explainer.Entities() {
        @Override
        public Map<String, Entity> of(String level) {
            return switch (level) {
                case "host" -> hosts;
                case "rack" -> balance.racks();
                default -> balance.rooms();
            };
        }

        @Override
        public int groupHours(String group) {
            return residual.groupHours(group);
        }

        @Override
        public LoadModel componentModel(String group) {
            return componentModels.get(group);
        }

        @Override
        public boolean corroborated(Entity e, Frame f, double floorW, int how) {
            return residual.corroborated(e, f, floorW, how);
        }

        @Override
        public boolean evidenceOpen(String host, String kind) {
            return evidenceEpisodes.open(host, kind);
        }
    };

    private final GpuAttribution.HostFacts hostFacts = new GpuAttribution.HostFacts() {
        @Override
        public boolean maintenance(String host, long t) {
            return hostMaintenance(host, t);
        }

        @Override
        public boolean minerEvidence(String host) {
            return evidenceEpisodes.minerEvidence(host);
        }
    };

    /**
     * Per rack, the GPUs of the hosts that reported this step ({@link AnalysisOutput#gpus}); a host outside any
     * known rack is left out. Racks in name order, so the rows come out the same every run.
     */
    private void gpuRollup(Frame f, long t) {
        if (muted) {
            return;
        }
        Map<String, double[]> byRack = new TreeMap<>(); // gpus, summed utilisation (0..1 each), watts, GPUs with watts
        Map<String, String> roomOf = new HashMap<>();
        for (String host : f.hosts.keySet()) {
            HeldInputs.HostLoad l = inputs.load(host, t);
            Entity e = hosts.get(host);
            String rack = e != null && e.rack != null ? e.rack : l == null ? null : l.rack();
            if (l == null || l.gpus() == 0 || rack == null) {
                continue;
            }
            double[] a = byRack.computeIfAbsent(rack, k -> new double[4]);
            a[0] += l.gpus();
            a[1] += l.gpuUtil();
            if (!Double.isNaN(l.gpuW())) {
                a[2] += l.gpuW();
                a[3] += l.gpus();
            }
            String room = e != null && e.room != null ? e.room : l.room();
            if (room != null) {
                roomOf.putIfAbsent(rack, room);
            }
        }
        for (Map.Entry<String, double[]> r : byRack.entrySet()) {
            double[] a = r.getValue();
            out.gpus(
                    t, r.getKey(), roomOf.get(r.getKey()), (int) a[0], 100 * a[1] / a[0], a[3] > 0 ? a[2] : Double.NaN);
        }
    }

    /** Whether a maintenance window covers the host, its rack or its room at {@code t}. */
    private boolean hostMaintenance(String host, long t) {
        Entity e = hosts.get(host);
        return schedule.maintenance(t, host, e == null ? null : e.rack, e == null ? null : e.room);
    }

    // ---- detection and episodes -----------------------------------------------------------------------------

    /** See {@link Entity.Detect}. */
    private void detect(
            Entity e,
            Frame f,
            long t,
            long measuredAtMs,
            double excess,
            double floorW,
            boolean corroborated,
            long explainedAsOfMs) {
        if (e.detector == null) {
            e.detector = new ExcessPowerDetector(settings.detector().withFloor(floorW));
        }
        e.detector.setFloorW(floorW);
        double sigma = e.history.sigma();
        ExcessPowerDetector.Change c = e.detector.update(t, measuredAtMs, excess, sigma, corroborated, explainedAsOfMs);
        e.change = c;
        if (!muted && (e.level.equals("host") || e.level.equals("rack") || e.level.equals("room"))) {
            out.baseline(
                    t,
                    e.name,
                    e.level,
                    e.actual,
                    e.expected,
                    e.expected + e.detector.floorW(),
                    e.actual - e.expected,
                    e.detector.isOpen() ? e.detector.score() : 0,
                    e.businessLoad);
        }
        if (c == ExcessPowerDetector.Change.NONE) {
            return;
        }
        double stepKwh = stepKwh(e, excess);
        if (c == ExcessPowerDetector.Change.OPENED) {
            e.track = new Track(settings, e.name, e.level, e.kind, e.detector.startedMs(), t);
            e.history.excludeSince(e.detector.startedMs());
            // The steps between the change and its detection: their excess from watts, counters came too late.
            e.track.add(settings.stepKwh(e.detector.excessSince(e.detector.startedMs(), t)), t);
        } else {
            e.track.add(stepKwh, t);
        }
        Track tr = e.track;
        tr.peakW = Math.max(tr.peakW, e.detector.recentW());
        tr.score = e.detector.score();
        if (f != null) {
            collectHost(tr.collected, e.name, f, t);
        }
        tr.severity = powerSeverity(e, tr.score);
        boolean closed = c == ExcessPowerDetector.Change.CLOSED;
        emit(tr.episode(
                closed ? Episode.State.CLOSED : Episode.State.OPEN,
                closed ? e.detector.endedMs() : 0,
                t,
                title(e, tr)));
        if (closed) {
            e.track = null;
        }
    }

    /** The excess energy of this step: the counter's energy less the expected, else excess watts times the step. */
    private double stepKwh(Entity e, double excessW) {
        double fromWatts = settings.stepKwh(excessW);
        if (Double.isNaN(e.counterKwh)) {
            return fromWatts;
        }
        return e.counterKwh - settings.stepKwh(e.actual - excessW);
    }

    private Episode.Severity powerSeverity(Entity e, double score) {
        Episode.Severity s =
                score >= 0.5 ? Episode.Severity.HIGH : score >= 0.25 ? Episode.Severity.MEDIUM : Episode.Severity.LOW;
        if ("host".equals(e.level)) {
            if (evidenceEpisodes.minerEvidence(e.name)) {
                return Episode.Severity.CRITICAL;
            }
            if (evidenceEpisodes.open(e.name, EvidenceEpisodes.OFF_HOURS) && s.compareTo(Episode.Severity.HIGH) < 0) {
                return Episode.Severity.HIGH;
            }
        }
        return s;
    }

    private String title(Entity e, Track tr) {
        return switch (e.level) {
            case "host" ->
                String.format(Locale.ROOT, "%s draws %s that business load does not explain", e.name, watts(tr.peakW));
            case "rack" ->
                String.format(
                        Locale.ROOT, "rack %s: %s more at the PDU than its hosts explain", e.name, watts(tr.peakW));
            default ->
                String.format(
                        Locale.ROOT, "room %s: %s more at the meter than its racks explain", e.name, watts(tr.peakW));
        };
    }

    static String watts(double w) {
        return Math.abs(w) >= 1000
                ? String.format(Locale.ROOT, "%.1f kW", w / 1000)
                : String.format(Locale.ROOT, "%.0f W", w);
    }

    private void emit(Episode e) {
        if (!muted) {
            out.episode(e);
        }
    }

    // ---- evidence and out-of-hours use ----------------------------------------------------------------------

    /** What {@link EvidenceEpisodes} needs of the hosts, this step. */
    private final EvidenceEpisodes.Hosts evidenceHosts = new EvidenceEpisodes.Hosts() {
        @Override
        public Iterable<String> names() {
            return hosts.keySet();
        }

        @Override
        public double gpuUtil(String host, long t) {
            Entity h = hosts.get(host);
            HeldInputs.HostLoad l = inputs.load(host, t);
            return l == null || l.gpus() == 0 || h == null || !h.present ? Double.NaN : l.gpuUtil() / l.gpus();
        }

        @Override
        public double businessLoad(String host) {
            return hosts.get(host).businessLoad;
        }

        @Override
        public boolean maintenance(String host, long t) {
            return hostMaintenance(host, t);
        }

        @Override
        public boolean powerOpen(String host) {
            Entity h = hosts.get(host);
            return h != null && h.track != null;
        }

        @Override
        public double powerRecentW(String host) {
            return powerOpen(host) ? hosts.get(host).detector.recentW() : Double.NaN;
        }

        @Override
        public double powerStepKwh(String host) {
            Entity h = hosts.get(host);
            return stepKwh(h, h.detector.recentW());
        }

        @Override
        public void collect(Evidence.Collected c, String host, Frame f, long t) {
            Entity h = hosts.get(host);
            if (h != null && h.present && h.detector != null) {
                collectHost(c, host, f, t);
            } else {
                collectFindings(c, host, f);
            }
        }
    };

    private void collectHost(Evidence.Collected c, String host, Frame f, long t) {
        HeldInputs.HostLoad l = inputs.load(host, t);
        if (l != null) {
            for (Map.Entry<String, Frame.GpuAgg> g : new TreeMap<>(l.agg().gpus).entrySet()) {
                double util = g.getValue().util.get();
                double w = g.getValue().power.get();
                double limit = g.getValue().limit;
                if (util >= EVIDENCE_GPU_UTIL_PCT || (limit > 0 && w >= EVIDENCE_GPU_LIMIT_SHARE * limit)) {
                    c.gpu(host + ":" + g.getKey(), util, w, limit);
                }
            }
        }
        for (Map.Entry<String, HeldInputs.Held<Frame.MeterAgg>> m :
                inputs.meters().entrySet()) {
            Frame.MeterAgg a = inputs.fresh(m.getValue(), t);
            if (a != null && host.equals(a.host)) {
                c.outlet(a.device, a.channel, a.power.get(), host);
            }
        }
        collectFindings(c, host, f);
    }

    private static void collectFindings(Evidence.Collected c, String host, Frame f) {
        for (Frame.Proc p : f.processes.getOrDefault(host, List.of())) {
            c.process(host, p);
        }
        for (Frame.Finding fi : f.evidence.getOrDefault(host, List.of())) {
            c.finding(fi);
        }
    }

    // ---- fitting --------------------------------------------------------------------------------------------

    private void fitGroup(String group) {
        List<Entity> members =
                hosts.values().stream().filter(e -> group.equals(e.group)).toList();
        LoadModel m = LoadModel.fit(rows(members), HostResidual.HOST_FEATURES);
        if (m == null) {
            return;
        }
        groupModels.put(group, m);
        for (Entity e : members) {
            e.history.rebuild(m, zone, SIGMA_FLOOR_W);
        }
        LoadModel cm = LoadModel.fit(componentRows(members), HostResidual.HOST_FEATURES);
        if (cm != null) {
            componentModels.put(group, cm);
            for (Entity e : members) {
                e.history.rebuildComponent(cm, zone);
            }
        }
    }

    /** As {@link #rows}, with the components' watts as the target; empty where no host reports them. */
    private List<double[]> componentRows(List<Entity> members) {
        int total = 0;
        for (Entity e : members) {
            total += e.history.componentHours();
        }
        int stride = Math.max(1, (total + MAX_FIT_ROWS - 1) / MAX_FIT_ROWS);
        List<double[]> rows = new ArrayList<>(Math.min(total, MAX_FIT_ROWS) + members.size());
        int offset = 0;
        for (Entity e : members) {
            e.history.componentRows(rows, stride, offset++);
        }
        return rows;
    }

    private List<double[]> rows(List<Entity> members) {
        int total = 0;
        for (Entity e : members) {
            total += e.history.validHours();
        }
        int stride = Math.max(1, (total + MAX_FIT_ROWS - 1) / MAX_FIT_ROWS);
        List<double[]> rows = new ArrayList<>(Math.min(total, MAX_FIT_ROWS) + members.size());
        int offset = 0;
        for (Entity e : members) {
            e.history.rows(rows, stride, offset++);
        }
        return rows;
    }

    private void refit() {
        for (Entity e : all()) {
            e.history.finishHour();
        }
        for (String g : hosts.values().stream()
                .map(e -> e.group)
                .filter(java.util.Objects::nonNull)
                .distinct()
                .toList()) {
            if (residual.groupHours(g) >= settings.minHoursToFit()) {
                fitGroup(g);
            }
        }
        for (Entity e : balance.entities()) {
            if (e.history.validHours() >= settings.minHoursToFit()) {
                LoadModel m = LoadModel.fit(rows(List.of(e)), 1);
                if (m != null) {
                    e.ownModel = m;
                    e.history.rebuild(m, zone, SIGMA_FLOOR_W);
                }
            }
        }
    }

    private List<Entity> all() {
        List<Entity> l = new ArrayList<>(hosts.values());
        l.addAll(balance.entities());
        return l;
    }

    /** Each business source's cadence and freshness as of the last step: an immutable snapshot. */
    public List<BusinessFeeds.SourceState> businessSources() {
        return inputs.business().sources(lastMs);
    }

    /**
     * From now on, every step hands {@code sink} an {@link Explanation} of {@code entity}: a host, rack or room
     * name, {@code level/name} where names repeat across levels, or a GPU as {@code HOST:INDEX}. Null stops it. Other entities cost a
     * null check.
     */
    public void setExplain(String entity, Consumer<Explanation> sink) {
        explainer.set(entity, sink);
        gpuAttribution.setExplain(entity, sink);
    }

    /** Episodes open now, in entity order. */
    public List<Episode> openEpisodes() {
        List<Episode> l = new ArrayList<>();
        for (Entity e : all()) {
            if (e.track != null) {
                l.add(e.track.episode(Episode.State.OPEN, 0, lastMs, title(e, e.track)));
            }
        }
        l.addAll(evidenceEpisodes.open(lastMs));
        l.addAll(gpuAttribution.open(lastMs));
        return l;
    }
}
