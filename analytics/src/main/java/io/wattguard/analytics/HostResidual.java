package io.wattguard.analytics;

import static io.wattguard.analytics.HeldInputs.nz;

import io.wattguard.analytics.Analyzer.HostPlace;
import java.time.DayOfWeek;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The host residual, {@code unexplained_power}: each host's measured watts (its PDU outlets, else what NVML and
 * RAPL report) less what the power model of its hardware predicts for the load that business explains, less
 * its hour-of-week baseline and the move most same-model peers make in the same step, fed to its detector at
 * a floor that includes the host's own noise. Corroboration (the components' own watts, a non-business
 * process, miner evidence) sets how soon an outlet excess may open.
 */
final class HostResidual {
    static final int HOST_FEATURES = 3;
    /**
     * The components corroborate an outlet excess when their own watts stand above their model at the
     * explained load by at least this share of the host's floor. The outlet sees component watts through a
     * supply of 90-95% efficiency, so a component carrying an excess at the floor shows at least nine tenths
     * of it; half leaves room for the component model's error and is the share at which the detector counts
     * a sample as excess at all. An outlet-only burst leaves the components at their model, within their
     * noise of a few watts.
     */
    static final double CORROBORATING_SHARE_OF_FLOOR = 0.5;
    /**
     * A process outside the business list corroborates when it keeps a GPU at least this busy: below it a
     * process draws within a few tens of watts of the GPU's idle, too little to explain an excess at the floor.
     */
    static final double NON_BUSINESS_MIN_SM_PCT = 10;
    /**
     * A host's floor is at least this many times its own excess noise (the usual spread of 10-step means of the
     * excess at that hour of week). Under Gaussian noise a 10-step mean reaches 4.5 sigma in 3.4 of a million
     * windows: at 144 independent windows a host-day, 0.5 per 1,000 host-days, the false-alarm goal, before the
     * detector's other conditions (every step above half the floor, CUSUM and EWMA agreeing) cut it further.
     * So a host whose residual wanders (autocorrelated noise, business load known to 15%) does not open
     * episodes inside its own noise, and a quiet host keeps the fixed floors.
     */
    static final double NOISE_FLOOR_K = 4.5;
    /** Nameplate guessed from the GPUs' power limits: boards draw a little beyond their limit at the wall. */
    private static final double GPU_BOARD_SHARE = 1.1;
    /** ... plus what a GPU server draws besides its GPUs (CPUs, memory, fans, supply losses). */
    private static final double HOST_BESIDES_GPUS_W = 300;
    /** Nameplate guessed from the largest hourly mean seen: hourly means sit well below the peaks. */
    private static final double PEAK_TO_NAMEPLATE = 1.25;

    private final AnalysisSettings settings;
    private final Schedule schedule;
    private final Map<String, HostPlace> declaredHosts;
    private final HeldInputs inputs;
    private final Function<String, LoadModel> groupModels;
    private final Function<String, LoadModel> componentModels;
    private final Predicate<String> minerEvidence;
    private final Explainer explainer;
    private final Entity.Detect detect;
    private final Map<String, Entity> hosts = new TreeMap<>();
    private final Map<String, Entity> hostsView = Collections.unmodifiableMap(hosts);
    /** This step's hosts in a learnt maintenance window, and each group's common move (fields: no garbage a step). */
    private final List<Entity> inMaintenance = new ArrayList<>();

    private final Map<String, Double> shifts = new HashMap<>();

    /**
     * {@code groupModels}, {@code componentModels}: the models fitted per group of hosts, null before;
     * {@code minerEvidence}: whether a miner or pool connection episode is open on a host.
     */
    HostResidual(
            AnalysisSettings settings,
            Schedule schedule,
            Map<String, HostPlace> declaredHosts,
            HeldInputs inputs,
            Function<String, LoadModel> groupModels,
            Function<String, LoadModel> componentModels,
            Predicate<String> minerEvidence,
            Explainer explainer,
            Entity.Detect detect) {
        this.settings = settings;
        this.schedule = schedule;
        this.declaredHosts = declaredHosts;
        this.inputs = inputs;
        this.groupModels = groupModels;
        this.componentModels = componentModels;
        this.minerEvidence = minerEvidence;
        this.explainer = explainer;
        this.detect = detect;
    }

    /** The hosts under analysis, by name (read-only). */
    Map<String, Entity> hosts() {
        return hostsView;
    }

    private Entity host(String name) {
        return hosts.computeIfAbsent(name, n -> {
            Entity e = new Entity(n, "host", "unexplained_power", HOST_FEATURES, settings.weeks(), groupModels);
            HostPlace p = declaredHosts.get(n);
            if (p != null) {
                e.rack = p.rack();
                e.room = p.room();
                e.nameplateW = p.nameplateW();
            }
            return e;
        });
    }

    /** One step of every host: its residual, discounted by its peers' common move, fed to its detector. */
    void step(Frame f, long t, int how) {
        for (Entity e : hosts.values()) {
            e.outletSeen = false;
            e.outletW = 0;
            e.outletMeasuredMs = Long.MIN_VALUE;
            e.countersNow.clear();
            e.outletKeys.clear();
        }
        // Who has outlets this step, and their watts and counters.
        for (Map.Entry<String, HeldInputs.Held<Frame.MeterAgg>> m :
                inputs.meters().entrySet()) {
            Frame.MeterAgg a = inputs.fresh(m.getValue(), t);
            if (a == null || a.host == null) {
                continue;
            }
            Entity e = host(a.host);
            e.outletKeys.add(m.getKey());
            e.outletSeen = true;
            e.outletW += a.power.get();
            e.outletMeasuredMs = Math.max(e.outletMeasuredMs, a.power.newestMs);
            if (!Double.isNaN(a.energy.v) && m.getValue().timeMs() == t) {
                e.countersNow.put(m.getKey(), a.energy.v);
            }
            e.outletMetered = true;
            e.rack = e.rack == null ? a.rack : e.rack;
            e.room = e.room == null ? a.room : e.room;
        }
        for (String name : f.hosts.keySet()) {
            host(name);
        }
        Map<String, List<Entity>> byGroup = new TreeMap<>();
        for (Entity e : hosts.values()) {
            e.present = false;
            HeldInputs.HostLoad l = inputs.load(e.name, t);
            if (l == null) {
                explainer.noVerdict(e, f, t, Explanation.Reason.STALE_INPUT);
                continue; // the agent is silent: without its load nothing can say what the watts are for
            }
            {
                HostPlace p = declaredHosts.get(e.name);
                e.group = p != null && p.model() != null
                        ? p.model()
                        : l.gpus() == 0 ? "cpu" : l.gpus() + "x " + (l.model() == null ? "GPU" : l.model());
                e.rack = e.rack == null ? l.rack() : e.rack;
                e.room = e.room == null ? l.room() : e.room;
                e.maxLimitW = Math.max(e.maxLimitW, l.gpuLimitW());
                e.gpus = Math.max(e.gpus, l.gpus());
            }
            if (e.group == null) {
                explainer.noVerdict(e, f, t, Explanation.Reason.NO_DATA);
                continue; // metered but never reported its load: nothing to explain the watts with yet
            }
            if (e.outletMetered) {
                if (!e.outletSeen || !e.complete(e.outletKeys, t)) {
                    explainer.noVerdict(e, f, t, Explanation.Reason.STALE_INPUT);
                    continue; // one of its outlets is silent
                }
                e.actual = e.outletW;
                e.measuredMs = e.outletMeasuredMs;
                e.counterKwh = e.counterKwh(e.countersNow, settings);
            } else {
                if (l == null || (Double.isNaN(l.gpuW()) && Double.isNaN(l.cpuW()))) {
                    explainer.noVerdict(e, f, t, Explanation.Reason.NO_DATA);
                    continue;
                }
                e.actual = nz(l.gpuW()) + nz(l.cpuW());
                e.measuredMs = componentsMeasuredMs(l.agg());
                e.counterKwh = Double.NaN;
            }
            HeldInputs.HostLoad load = l;
            double b = inputs.businessOf(e, t);
            if (Double.isNaN(b)) {
                explainer.noVerdict(e, f, t, Explanation.Reason.STALE_INPUT);
                continue; // the feed that explained its load is silent: unknown business is not zero business
            }
            List<Schedule.Window> windows = schedule.maintenanceWindowsAt(t, e.name, e.rack, e.room);
            boolean maintenance = !windows.isEmpty();
            e.businessLoad = maintenance ? 1 : b;
            double n = Math.max(1, load.gpus());
            double g = load.gpuUtil();
            // A business figure is an estimate (allocated cores, a scheduler's share): load within its stated
            // accuracy of it is explained, or every job would leave an excess of the feed's error.
            double bt = b * (1 + settings.businessTolerance());
            double gExpl = maintenance ? g : Math.min(g, bt * n);
            e.features = new double[] {g, load.gpuMemUtil(), load.cpuUtil()};
            e.explained = new double[] {
                gExpl,
                g > 0 ? load.gpuMemUtil() * gExpl / g : 0,
                maintenance ? load.cpuUtil() : Math.min(load.cpuUtil(), bt)
            };
            e.present = true;
            e.componentW = Double.isNaN(load.gpuW()) && Double.isNaN(load.cpuW())
                    ? Double.NaN
                    : nz(load.gpuW()) + nz(load.cpuW());
            boolean exclude = maintenance || schedule.holiday(t) || (e.detector != null && e.detector.isOpen());
            e.history.add(t, e.actual, e.componentW, e.features, e.explained, exclude);
            LoadModel m = e.model();
            // No verdict where the explained load is beyond anything the model was fitted on: a line through
            // idle nights says nothing about the first busy morning.
            // Maintenance explains all the load the host reports, and draws up to what its recurring window
            // usually draws beyond that (MaintenanceDraw); a one-off window, or one not yet learnt, explains
            // whatever runs: no verdict then, and an open episode simply waits.
            e.maintenanceAllowanceW = Double.NaN;
            if (m != null && e.history.hasBaseline() && m.covers(e.explained)) {
                e.dev = e.actual - m.predict(e.explained) - e.history.median(how);
                if (!maintenance) {
                    byGroup.computeIfAbsent(e.group, k -> new ArrayList<>()).add(e);
                } else if (!Double.isNaN(e.maintenanceAllowanceW = allowance(e, windows, t))) {
                    inMaintenance.add(e);
                } else {
                    explainer.noVerdict(e, f, t, Explanation.Reason.MAINTENANCE);
                }
            } else {
                explainer.noVerdict(e, f, t, maintenance ? Explanation.Reason.MAINTENANCE : null);
            }
        }
        shifts.clear();
        for (List<Entity> peers : byGroup.values()) {
            double shift = 0;
            if (peers.size() >= settings.minPeers()) {
                double[] d = new double[peers.size()];
                for (int i = 0; i < d.length; i++) {
                    d[i] = peers.get(i).dev;
                }
                shift = Math.max(0, Robust.median(d));
            }
            shifts.put(peers.get(0).group, shift);
            for (Entity e : peers) {
                LoadModel m = e.model();
                e.expected = m.predict(e.explained) + e.history.median(how) + shift;
                double floor = hostFloor(e, how);
                double excess = e.dev - shift;
                e.history.addExcess(excess);
                if (!e.history.hasExcessNoise()) {
                    explainer.noVerdict(e, f, t, Explanation.Reason.NO_NOISE);
                    // No verdict until the host's own noise on the detector's scale is measured: at the first fit,
                    // from the history it was fitted on.
                    continue;
                }
                decide(e, f, t, how, excess, floor, shift);
            }
        }
        // In a learnt maintenance window the excess is what the host draws beyond the window's usual draw; the
        // peers' common move counts as outside it. Its steps teach neither the baseline nor the host's noise.
        for (Entity e : inMaintenance) {
            double shift = shifts.getOrDefault(e.group, 0.0);
            e.expected = e.model().predict(e.explained) + e.history.median(how) + shift + e.maintenanceAllowanceW;
            if (!e.history.hasExcessNoise()) {
                explainer.noVerdict(e, f, t, Explanation.Reason.NO_NOISE);
                continue;
            }
            decide(e, f, t, how, e.dev - shift - e.maintenanceAllowanceW, hostFloor(e, how), shift);
        }
        inMaintenance.clear();
    }

    /** Feeds the host's detector. Corroboration matters only where it counts a sample as excess: half the floor. */
    private void decide(Entity e, Frame f, long t, int how, double excess, double floor, double shift) {
        detect.detect(
                e,
                f,
                t,
                e.measuredMs == Long.MIN_VALUE ? t + settings.stepMs() - 1 : e.measuredMs,
                excess,
                floor,
                excess >= floor / 2 && corroborated(e, f, floor, how),
                inputs.business().asOf(e.businessKey, e.rackBusinessKey(), t));
        explainer.detected(e, f, t, excess, shift);
    }

    /** When the newest GPU or CPU package power reading of a host's step was taken. */
    private static long componentsMeasuredMs(Frame.HostAgg a) {
        long newest = a.cpuPower.newestMs;
        for (Frame.GpuAgg g : a.gpus.values()) {
            newest = Math.max(newest, g.power.newestMs);
        }
        return newest;
    }

    /**
     * The allowance of the maintenance windows covering the host now: NaN (they explain whatever runs) if one
     * is a one-off or not yet learnt, else the largest. Records this step's residual in each weekly window.
     */
    private double allowance(Entity e, List<Schedule.Window> windows, long t) {
        boolean open = e.detector != null && e.detector.isOpen();
        DayOfWeek day = Instant.ofEpochMilli(t).atZone(schedule.zone()).getDayOfWeek();
        double most = 0;
        for (Schedule.Window w : windows) {
            double a = w.weekly() ? e.maintenanceDraw.allowance(w.name(), t, day, e.dev, open) : Double.NaN;
            most = Double.isNaN(a) || Double.isNaN(most) ? Double.NaN : Math.max(most, a);
        }
        return most;
    }

    /**
     * Whether something besides the outlet shows this excess: on a host measured by its components (no outlet)
     * the excess is theirs; else the components' own watts stand above their model at the explained load by
     * {@link #CORROBORATING_SHARE_OF_FLOOR} of the floor, or a non-business process runs on the host.
     */
    boolean corroborated(Entity e, Frame f, double floorW, int how) {
        if (!e.outletMetered) {
            return true;
        }
        LoadModel cm = componentModels.apply(e.group);
        if (cm != null && !Double.isNaN(e.componentW) && e.history.hasComponentBaseline()) {
            double above = e.componentW - cm.predict(e.explained) - e.history.componentMedian(how);
            if (above >= CORROBORATING_SHARE_OF_FLOOR * floorW) {
                return true;
            }
        }
        return nonBusinessProcess(e.name, f);
    }

    /**
     * A process the allowlist does not cover keeps one of the host's GPUs busy, or a host scan found a miner
     * or a pool connection on it (this step, or recently enough that its evidence episode is open).
     */
    private boolean nonBusinessProcess(String host, Frame f) {
        for (Frame.Proc p : f.processes.getOrDefault(host, List.of())) {
            if (p.isNonBusiness() && p.smUtilPct() >= NON_BUSINESS_MIN_SM_PCT) {
                return true;
            }
        }
        for (Frame.Finding fi : f.evidence.getOrDefault(host, List.of())) {
            if (Evidence.episodeKind(fi.kind()) != null) {
                return true;
            }
        }
        return minerEvidence.test(host);
    }

    /**
     * The host's floor: the largest of the fixed floors (worked out once: the nameplate guess scans the history)
     * and {@link #NOISE_FLOOR_K} times the host's own excess noise at this hour of week, on the scale the
     * detector decides on. An open episode keeps the floor it opened at.
     */
    private double hostFloor(Entity e, int how) {
        if (e.detector != null && e.detector.isOpen()) {
            return e.detector.floorW();
        }
        if (Double.isNaN(e.fixedFloorW)) {
            double nameplate = e.nameplateW > 0
                    ? e.nameplateW
                    : e.maxLimitW > 0
                            ? e.maxLimitW * GPU_BOARD_SHARE + HOST_BESIDES_GPUS_W
                            : nz(e.history.maxActual()) * PEAK_TO_NAMEPLATE;
            e.fixedFloorW = Math.max(
                    Math.max(settings.floorW(), settings.floorPerGpuW() * e.gpus), settings.floorShare() * nameplate);
        }
        double noise = NOISE_FLOOR_K * e.history.excessNoise(how);
        return noise > e.fixedFloorW ? noise : e.fixedFloorW;
    }

    /** The learnable hours of a group's hosts: what fitting its model needs enough of. */
    int groupHours(String group) {
        int n = 0;
        for (Entity e : hosts.values()) {
            if (group.equals(e.group)) {
                n += e.history.validHours();
            }
        }
        return n;
    }
}
