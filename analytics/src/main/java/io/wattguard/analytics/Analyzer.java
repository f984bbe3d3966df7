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
 * <li><b>Host</b>: measured watts (its PDU outlets, else what NVML and RAPL report) minus what the power model
 * of its hardware predicts for the load that business explains ({@code min(load, business share)}): the
 * residual. The residual's hour-of-week baseline and sigma come from {@link HourlyHistory}; the move that
 * most same-model peers make in the same step is discounted (a fleet-wide change is not one host's miner);
 * what remains feeds an {@link ExcessPowerDetector} whose floor includes the host's own noise on the
 * detector's scale: {@code unexplained_power}. Corroboration sets its
 * speed: an outlet excess that the components corroborate (their own watts, NVML and RAPL, above the
 * component model at the explained load, or a non-business process on the host) may open after the
 * sustained window; one seen on the outlet alone, or on a host that reports no component power, must last
 * {@code confirmUncorroboratedMs}.</li>
 * <li><b>Rack</b>: inlet watts (or all its outlets) against the watts of the outlets that feed known hosts,
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

    private static final int HOST_FEATURES = 3;
    private static final double SIGMA_FLOOR_W = 3;
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
    /**
     * A counter step above this many times the step's watts is a jump (a replaced meter, a wrong scale), not
     * energy; below this many kWh a step is within the counter's resolution.
     */
    private static final double COUNTER_JUMP_FACTOR = 3;
    private static final double COUNTER_RESOLUTION_KWH = 1e-3;
    /** A meter or rack silent for a day is taken as removed from its balance, not as a dropout. */
    private static final long PART_REMOVED_AFTER_MS = 86_400_000L;
    /** A rack's balance floor is at least this share of its nameplate: a PDU's own accuracy is about 1%. */
    private static final double BALANCE_FLOOR_SHARE = 0.01;
    /** A GPU is named in a host episode's evidence when this busy (percent), or drawing this share of its limit. */
    private static final double EVIDENCE_GPU_UTIL_PCT = 20;
    private static final double EVIDENCE_GPU_LIMIT_SHARE = 0.5;
    /** At most this many rows per model fit: a month of a large fleet is far more than a line needs. */
    private static final int MAX_FIT_ROWS = 20_000;

    private final AnalysisSettings settings;
    private final Schedule schedule;
    private final ZoneId zone;
    private final AnalysisOutput out;
    private final Map<String, HostPlace> declaredHosts;
    private final Map<String, RackPlace> declaredRacks;

    private final Map<String, Entity> hosts = new TreeMap<>();
    private final Map<String, Entity> racks = new TreeMap<>();
    private final Map<String, Entity> rooms = new TreeMap<>();
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
    /** This step's local hour of the week. */
    private int how;
    private boolean muted;

    public Analyzer(AnalysisSettings settings, Schedule schedule, Map<String, HostPlace> hosts,
            Map<String, RackPlace> racks, AnalysisOutput out) {
        this.settings = settings;
        this.schedule = schedule;
        this.zone = schedule.zone();
        this.out = out;
        this.declaredHosts = Map.copyOf(hosts);
        this.declaredRacks = Map.copyOf(racks);
        this.inputs = new HeldInputs(settings.holdMs());
        this.gpuAttribution = new GpuAttribution(settings);
        this.evidenceEpisodes = new EvidenceEpisodes(settings, schedule);
        this.explainer = new Explainer(settings, schedule, inputs, explainerEntities);
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
        how = HourOfWeek.of(t, zone);
        inputs.remember(f);
        hostsStep(f, t);
        balanceStep(t);
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
                case "rack" -> racks;
                default -> rooms;
            };
        }

        @Override
        public int groupHours(String group) {
            return Analyzer.this.groupHours(group);
        }

        @Override
        public LoadModel componentModel(String group) {
            return componentModels.get(group);
        }

        @Override
        public boolean corroborated(Entity e, Frame f, double floorW, int how) {
            return Analyzer.this.corroborated(e, f, floorW);
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

    /** Whether a maintenance window covers the host, its rack or its room at {@code t}. */
    private boolean hostMaintenance(String host, long t) {
        Entity e = hosts.get(host);
        return schedule.maintenance(t, host, e == null ? null : e.rack, e == null ? null : e.room);
    }


    // ---- hosts ----------------------------------------------------------------------------------------------

    private Entity host(String name) {
        return hosts.computeIfAbsent(name, n -> {
            Entity e = new Entity(n, "host", "unexplained_power", HOST_FEATURES, settings.weeks(), groupModels::get);
            HostPlace p = declaredHosts.get(n);
            if (p != null) {
                e.rack = p.rack();
                e.room = p.room();
                e.nameplateW = p.nameplateW();
            }
            return e;
        });
    }

    private void hostsStep(Frame f, long t) {
        for (Entity e : hosts.values()) {
            e.outletSeen = false;
            e.outletW = 0;
            e.countersNow.clear();
            e.outletKeys.clear();
        }
        // Who has outlets this step, and their watts and counters.
        for (Map.Entry<String, HeldInputs.Held<Frame.MeterAgg>> m : inputs.meters().entrySet()) {
            Frame.MeterAgg a = inputs.fresh(m.getValue(), t);
            if (a == null || a.host == null) {
                continue;
            }
            Entity e = host(a.host);
            e.outletKeys.add(m.getKey());
            e.outletSeen = true;
            e.outletW += a.power.get();
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
                e.group = p != null && p.model() != null ? p.model()
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
                if (!e.outletSeen || !complete(e, e.outletKeys, t)) {
                    explainer.noVerdict(e, f, t, Explanation.Reason.STALE_INPUT);
                    continue; // one of its outlets is silent
                }
                e.actual = e.outletW;
                e.counterKwh = counterKwh(e, e.countersNow, t);
            } else {
                if (l == null || (Double.isNaN(l.gpuW()) && Double.isNaN(l.cpuW()))) {
                    explainer.noVerdict(e, f, t, Explanation.Reason.NO_DATA);
                    continue;
                }
                e.actual = HeldInputs.nz(l.gpuW()) + HeldInputs.nz(l.cpuW());
                e.counterKwh = Double.NaN;
            }
            HeldInputs.HostLoad load = l;
            double b = inputs.businessOf(e, t);
            if (Double.isNaN(b)) {
                explainer.noVerdict(e, f, t, Explanation.Reason.STALE_INPUT);
                continue; // the feed that explained its load is silent: unknown business is not zero business
            }
            boolean maintenance = schedule.maintenance(t, e.name, e.rack, e.room);
            e.businessLoad = maintenance ? 1 : b;
            double n = Math.max(1, load.gpus());
            double g = load.gpuUtil();
            // A business figure is an estimate (allocated cores, a scheduler's share): load within its stated
            // accuracy of it is explained, or every job would leave an excess of the feed's error.
            double bt = b * (1 + settings.businessTolerance());
            double gExpl = maintenance ? g : Math.min(g, bt * n);
            e.features = new double[] {g, load.gpuMemUtil(), load.cpuUtil()};
            e.explained = new double[] {gExpl, g > 0 ? load.gpuMemUtil() * gExpl / g : 0,
                    maintenance ? load.cpuUtil() : Math.min(load.cpuUtil(), bt)};
            e.present = true;
            e.componentW = Double.isNaN(load.gpuW()) && Double.isNaN(load.cpuW()) ? Double.NaN
                    : HeldInputs.nz(load.gpuW()) + HeldInputs.nz(load.cpuW());
            boolean exclude = maintenance || schedule.holiday(t) || (e.detector != null && e.detector.isOpen());
            e.history.add(t, e.actual, e.componentW, e.features, e.explained, exclude);
            LoadModel m = e.model();
            // No verdict where the explained load is beyond anything the model was fitted on: a line through
            // idle nights says nothing about the first busy morning.
            // Maintenance explains whatever runs in it: no verdict then, and an open episode simply waits.
            if (m != null && e.history.hasBaseline() && m.covers(e.explained) && !maintenance) {
                e.dev = e.actual - m.predict(e.explained) - e.history.median(how);
                byGroup.computeIfAbsent(e.group, k -> new ArrayList<>()).add(e);
            } else {
                explainer.noVerdict(e, f, t, maintenance ? Explanation.Reason.MAINTENANCE : null);
            }
        }
        for (List<Entity> peers : byGroup.values()) {
            double shift = 0;
            if (peers.size() >= settings.minPeers()) {
                double[] d = new double[peers.size()];
                for (int i = 0; i < d.length; i++) {
                    d[i] = peers.get(i).dev;
                }
                shift = Math.max(0, Robust.median(d));
            }
            for (Entity e : peers) {
                LoadModel m = e.model();
                e.expected = m.predict(e.explained) + e.history.median(how) + shift;
                double floor = hostFloor(e);
                double excess = e.dev - shift;
                e.history.addExcess(excess);
                if (!e.history.hasExcessNoise()) {
                    explainer.noVerdict(e, f, t, Explanation.Reason.NO_NOISE);
                    // No verdict until the host's own noise on the detector's scale is measured: at the first fit,
                    // from the history it was fitted on.
                    continue;
                }
                // Corroboration matters only where the detector counts a sample as excess: half the floor.
                detect(e, f, t, excess, floor, excess >= floor / 2 && corroborated(e, f, floor),
                        inputs.business().asOf(e.businessKey, e.rackBusinessKey(), t));
                explainer.detected(e, f, t, excess, shift);
            }
        }
    }

    /**
     * Whether something besides the outlet shows this excess: on a host measured by its components (no outlet)
     * the excess is theirs; else the components' own watts stand above their model at the explained load by
     * {@link #CORROBORATING_SHARE_OF_FLOOR} of the floor, or a non-business process runs on the host.
     */
    private boolean corroborated(Entity e, Frame f, double floorW) {
        if (!e.outletMetered) {
            return true;
        }
        LoadModel cm = componentModels.get(e.group);
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
        return evidenceEpisodes.minerEvidence(host);
    }

    /**
     * The host's floor: the largest of the fixed floors (worked out once: the nameplate guess scans the history)
     * and {@link #NOISE_FLOOR_K} times the host's own excess noise at this hour of week, on the scale the
     * detector decides on. An open episode keeps the floor it opened at.
     */
    private double hostFloor(Entity e) {
        if (e.detector != null && e.detector.isOpen()) {
            return e.detector.floorW();
        }
        if (Double.isNaN(e.fixedFloorW)) {
            double nameplate = e.nameplateW > 0 ? e.nameplateW
                    : e.maxLimitW > 0 ? e.maxLimitW * GPU_BOARD_SHARE + HOST_BESIDES_GPUS_W
                    : HeldInputs.nz(e.history.maxActual()) * PEAK_TO_NAMEPLATE;
            e.fixedFloorW = Math.max(Math.max(settings.floorW(), settings.floorPerGpuW() * e.gpus),
                    settings.floorShare() * nameplate);
        }
        double noise = NOISE_FLOOR_K * e.history.excessNoise(how);
        return noise > e.fixedFloorW ? noise : e.fixedFloorW;
    }

    /**
     * The entity's energy in this step from its counters (kWh), or NaN when a counter is new, reset or
     * implausible: then the step's energy comes from its watts instead.
     */
    private double counterKwh(Entity e, Map<String, Double> now, long t) {
        if (now == null || now.isEmpty()) {
            return Double.NaN;
        }
        double sum = 0;
        boolean ok = true;
        for (Map.Entry<String, Double> c : now.entrySet()) {
            Double before = e.counters.put(c.getKey(), c.getValue());
            double d = before == null ? Double.NaN : c.getValue() - before;
            if (!(d >= 0) || d > Math.max(COUNTER_RESOLUTION_KWH,
                    settings.stepKwh(COUNTER_JUMP_FACTOR * Math.abs(e.actual)))) {
                ok = false; // first reading, a reset, a wrap or a jump: the step's watts are the better figure
            }
            sum += d;
        }
        return ok ? sum : Double.NaN;
    }

    // ---- racks and rooms ------------------------------------------------------------------------------------

    private Entity balance(Map<String, Entity> map, String name, String level) {
        return map.computeIfAbsent(name, n -> {
            Entity e = new Entity(n, level, "unaccounted_power", 1, settings.weeks(), groupModels::get);
            RackPlace p = "rack".equals(level) ? declaredRacks.get(n) : null;
            if (p != null) {
                e.room = p.room();
                e.nameplateW = p.nameplateW();
            }
            return e;
        });
    }

    private void balanceStep(long t) {
        Map<String, double[]> total = new TreeMap<>();      // rack -> {inlets, host outlets, other outlets}
        Map<String, Map<String, Double>> inletKwh = new TreeMap<>();
        Map<String, double[]> roomMeter = new TreeMap<>();
        Map<String, List<Frame.MeterAgg>> orphans = new TreeMap<>();
        Map<String, List<String>> present = new TreeMap<>(); // rack or room -> meters read this step
        for (Map.Entry<String, HeldInputs.Held<Frame.MeterAgg>> m : inputs.meters().entrySet()) {
            Frame.MeterAgg a = inputs.fresh(m.getValue(), t);
            if (a == null) {
                continue;
            }
            double w = a.power.get();
            String rack = a.rack;
            if (a.host != null) {
                Entity h = hosts.get(a.host);
                rack = rack != null ? rack : h == null ? null : h.rack;
                if (rack != null) {
                    total.computeIfAbsent(rack, k -> new double[3])[1] += w;
                }
            } else if (rack != null && "inlet".equals(a.kind)) {
                total.computeIfAbsent(rack, k -> new double[3])[0] += w;
                balance(racks, rack, "rack").inletMetered = true;
                if (!Double.isNaN(a.energy.v) && m.getValue().timeMs() == t) {
                    inletKwh.computeIfAbsent(rack, k -> new TreeMap<>()).put(m.getKey(), a.energy.v);
                }
            } else if (rack != null) {
                total.computeIfAbsent(rack, k -> new double[3])[2] += w;
                orphans.computeIfAbsent(rack, k -> new ArrayList<>()).add(a);
            } else if (a.room != null) {
                roomMeter.computeIfAbsent(a.room, k -> new double[1])[0] += w;
                present.computeIfAbsent("room/" + a.room, k -> new ArrayList<>()).add(m.getKey());
                continue;
            } else {
                continue;
            }
            if (rack != null) {
                present.computeIfAbsent("rack/" + rack, k -> new ArrayList<>()).add(m.getKey());
            }
        }
        Map<String, double[]> roomRacks = new TreeMap<>();
        for (Map.Entry<String, double[]> r : total.entrySet()) {
            Entity e = balance(racks, r.getKey(), "rack");
            double[] v = r.getValue();
            if (!e.inletMetered && !orphans.containsKey(r.getKey())) {
                continue; // only outlets that feed hosts: nothing can be unaccounted
            }
            if (e.room == null) {
                e.room = roomOf(r.getKey());
            }
            if (!complete(e, present.get("rack/" + r.getKey()), t)) {
                continue; // a meter of the rack is silent: a sum without it is not a balance
            }
            double rackW = e.inletMetered ? v[0] : v[1] + v[2];
            if (e.room != null) {
                roomRacks.computeIfAbsent(e.room, k -> new double[1])[0] += rackW;
                present.computeIfAbsent("room/" + e.room, k -> new ArrayList<>()).add("rack/" + r.getKey());
            }
            balanceEntity(e, t, rackW, v[1], e.inletMetered ? counterKwh(e, inletKwh.get(r.getKey()), t) : Double.NaN,
                    orphans.getOrDefault(r.getKey(), List.of()));
        }
        for (Map.Entry<String, double[]> r : roomMeter.entrySet()) {
            double[] racksW = roomRacks.get(r.getKey());
            Entity e = balance(rooms, r.getKey(), "room");
            if (racksW != null && complete(e, present.get("room/" + r.getKey()), t)) {
                balanceEntity(e, t, r.getValue()[0], racksW[0], Double.NaN, List.of());
            }
        }
    }

    /**
     * Whether every part this balance has been made of (meters, and racks for a room) was read this step.
     * A part silent for a day is taken as removed.
     */
    private boolean complete(Entity e, List<String> now, long t) {
        if (now != null) {
            for (String k : now) {
                e.parts.put(k, t);
            }
        }
        e.parts.values().removeIf(seen -> t - seen > PART_REMOVED_AFTER_MS);
        for (long seen : e.parts.values()) {
            if (seen != t) {
                return false;
            }
        }
        return true;
    }

    private String roomOf(String rack) {
        for (Entity h : hosts.values()) {
            if (rack.equals(h.rack) && h.room != null) {
                return h.room;
            }
        }
        return null;
    }

    private void balanceEntity(Entity e, long t, double actualW, double explainedW, double counterKwh,
            List<Frame.MeterAgg> orphanOutlets) {
        e.present = true;
        e.actual = actualW;
        e.counterKwh = counterKwh;
        e.features = new double[] {explainedW};
        e.explained = e.features;
        e.businessLoad = Double.NaN;
        e.history.add(t, actualW, e.features, e.explained, e.detector != null && e.detector.isOpen());
        if (e.ownModel == null || !e.history.hasBaseline() || !e.ownModel.covers(e.explained)) {
            explainer.noVerdict(e, null, t, null);
            return;
        }
        e.expected = e.ownModel.predict(e.explained) + e.history.median(how);
        double floor = Math.max(settings.balanceFloorW(), BALANCE_FLOOR_SHARE * e.nameplateW);
        Track before = e.track;
        // The balance is its own corroboration: watts at the inlet that no known host's outlet accounts for.
        detect(e, null, t, actualW - e.expected, floor, true, Long.MAX_VALUE);
        explainer.detected(e, null, t, actualW - e.expected, 0);
        if (e.track != null && e.track == before || e.track != null && before == null) {
            for (Frame.MeterAgg o : orphanOutlets) {
                e.track.collected.outlet(o.device, o.channel, o.power.get(), null);
            }
        }
    }

    // ---- detection and episodes -----------------------------------------------------------------------------

    /** {@code explainedAsOfMs}: see {@link ExcessPowerDetector#update(long, double, double, boolean, long)}. */
    private void detect(Entity e, Frame f, long t, double excess, double floorW, boolean corroborated,
            long explainedAsOfMs) {
        if (e.detector == null) {
            e.detector = new ExcessPowerDetector(settings.detector().withFloor(floorW));
        }
        e.detector.setFloorW(floorW);
        double sigma = e.history.sigma();
        ExcessPowerDetector.Change c = e.detector.update(t, excess, sigma, corroborated, explainedAsOfMs);
        e.change = c;
        if (!muted && (e.level.equals("host") || e.level.equals("rack") || e.level.equals("room"))) {
            out.baseline(t, e.name, e.level, e.actual, e.expected, e.expected + e.detector.floorW(),
                    e.actual - e.expected, e.detector.isOpen() ? e.detector.score() : 0, e.businessLoad);
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
        emit(tr.episode(closed ? Episode.State.CLOSED : Episode.State.OPEN, closed ? e.detector.endedMs() : 0, t,
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
        Episode.Severity s = score >= 0.5 ? Episode.Severity.HIGH
                : score >= 0.25 ? Episode.Severity.MEDIUM : Episode.Severity.LOW;
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
            case "host" -> String.format(Locale.ROOT, "%s draws %s that business load does not explain", e.name,
                    watts(tr.peakW));
            case "rack" -> String.format(Locale.ROOT, "rack %s: %s more at the PDU than its hosts explain", e.name,
                    watts(tr.peakW));
            default -> String.format(Locale.ROOT, "room %s: %s more at the meter than its racks explain", e.name,
                    watts(tr.peakW));
        };
    }

    static String watts(double w) {
        return Math.abs(w) >= 1000 ? String.format(Locale.ROOT, "%.1f kW", w / 1000)
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
        for (Map.Entry<String, HeldInputs.Held<Frame.MeterAgg>> m : inputs.meters().entrySet()) {
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

    private int groupHours(String group) {
        int n = 0;
        for (Entity e : hosts.values()) {
            if (group.equals(e.group)) {
                n += e.history.validHours();
            }
        }
        return n;
    }

    private void fitGroup(String group) {
        List<Entity> members = hosts.values().stream().filter(e -> group.equals(e.group)).toList();
        LoadModel m = LoadModel.fit(rows(members), HOST_FEATURES);
        if (m == null) {
            return;
        }
        groupModels.put(group, m);
        for (Entity e : members) {
            e.history.rebuild(m, zone, SIGMA_FLOOR_W);
        }
        LoadModel cm = LoadModel.fit(componentRows(members), HOST_FEATURES);
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
        for (String g : hosts.values().stream().map(e -> e.group).filter(java.util.Objects::nonNull).distinct().toList()) {
            if (groupHours(g) >= settings.minHoursToFit()) {
                fitGroup(g);
            }
        }
        for (Entity e : balanceEntities()) {
            if (e.history.validHours() >= settings.minHoursToFit()) {
                LoadModel m = LoadModel.fit(rows(List.of(e)), 1);
                if (m != null) {
                    e.ownModel = m;
                    e.history.rebuild(m, zone, SIGMA_FLOOR_W);
                }
            }
        }
    }

    private List<Entity> balanceEntities() {
        List<Entity> l = new ArrayList<>(racks.values());
        l.addAll(rooms.values());
        return l;
    }

    private List<Entity> all() {
        List<Entity> l = new ArrayList<>(hosts.values());
        l.addAll(balanceEntities());
        return l;
    }

    /** Each business source's cadence and freshness as of the last step: an immutable snapshot. */
    public List<BusinessFeeds.SourceState> businessSources() {
        return inputs.business().sources(lastMs);
    }

    /**
     * From now on, every step hands {@code sink} an {@link Explanation} of {@code entity}: a host, rack or room
     * name, or {@code level/name} where names repeat across levels. Null stops it. Other entities cost a
     * null check.
     */
    public void setExplain(String entity, Consumer<Explanation> sink) {
        explainer.set(entity, sink);
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
