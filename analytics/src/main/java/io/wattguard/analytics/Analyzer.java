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
 * what remains feeds an {@link ExcessPowerDetector}: {@code unexplained_power}. Corroboration sets its
 * speed: an outlet excess that the components corroborate (their own watts, NVML and RAPL, above the
 * component model at the explained load, or a non-business process on the host) may open after the
 * sustained window; one seen on the outlet alone, or on a host that reports no component power, must last
 * {@code confirmUncorroboratedMs}.</li>
 * <li><b>Rack</b>: inlet watts (or all its outlets) against the watts of the outlets that feed known hosts,
 * through a fitted supply-loss line: what remains is hardware nobody declared, {@code unaccounted_power}.
 * <b>Room</b>: its meter against its racks, the same way.</li>
 * <li><b>Evidence</b>: miner processes and pool connections found on a host open their own episodes and
 * raise the severity of a power episode on the same host; GPUs busy out of business hours without
 * business load for {@code offHoursMs} open {@code off_hours_gpu}.</li>
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
    private static final double CORROBORATING_SHARE_OF_FLOOR = 0.5;
    /**
     * A process outside the business list corroborates when it keeps a GPU at least this busy: below it a
     * process draws within a few tens of watts of the GPU's idle, too little to explain an excess at the floor.
     */
    private static final double NON_BUSINESS_MIN_SM_PCT = 10;
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
    private final Map<String, Held<Frame.MeterAgg>> meters = new TreeMap<>();
    private final Map<String, Held<HostLoad>> loads = new HashMap<>();
    /** Business load per source, each held at its own cadence. */
    private final BusinessFeeds business;
    private final Map<String, Signal> signals = new TreeMap<>();
    private final Evidence evidence = new Evidence();
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
        this.business = new BusinessFeeds(settings.holdMs());
    }

    /** While muted (warming up on history before the range of interest) nothing is written out. */
    public void setMuted(boolean muted) {
        this.muted = muted;
    }

    /** A reading and when it was taken: a reading stands in for missing ones for {@code holdMs}. */
    private record Held<T>(T value, long timeMs) {}

    /** What a host reported about its own load in one step. */
    private record HostLoad(int gpus, double gpuUtil, double gpuMemUtil, double gpuW, double gpuLimitW,
            double cpuUtil, double cpuW, String model, String rack, String room, Frame.HostAgg agg) {}


    /** One host, rack or room under analysis. */
    private final class Entity {
        final String name;
        final String level;
        final String kind;
        final HourlyHistory history;
        String group;
        String rack;
        String room;
        LoadModel ownModel;
        ExcessPowerDetector detector;
        boolean outletMetered;
        boolean inletMetered;
        double nameplateW;
        double maxLimitW;
        int gpus;
        final Map<String, Double> counters = new HashMap<>();
        final Map<String, Double> countersNow = new TreeMap<>();
        final List<String> outletKeys = new ArrayList<>();
        /** Each part of the measured watts (meter, rack) and when it was last read. */
        final Map<String, Long> parts = new HashMap<>();
        final String businessKey;
        String rackBusinessKey;
        Track track;
        // This step.
        boolean present;
        boolean outletSeen;
        double outletW;
        double actual;
        double[] features;
        double[] explained;
        double counterKwh;
        double dev;
        double expected;
        double businessLoad;
        /** GPU plus CPU package watts as the host reports them; NaN when it reports neither. */
        double componentW;

        Entity(String name, String level, String kind, int features) {
            this.name = name;
            this.level = level;
            this.kind = kind;
            this.history = new HourlyHistory(features, settings.weeks());
            this.businessKey = level + "/" + name;
        }

        String rackBusinessKey() {
            if (rack == null) {
                return null;
            }
            if (rackBusinessKey == null || !rackBusinessKey.endsWith(rack)) {
                rackBusinessKey = "rack/" + rack;
            }
            return rackBusinessKey;
        }

        LoadModel model() {
            return group == null ? ownModel : groupModels.get(group);
        }
    }

    /** The accumulating state of one open episode. */
    private final class Track {
        final String id;
        final String entity;
        final String level;
        final String kind;
        final long startedMs;
        final long detectedMs;
        double energyKwh;
        double cost;
        double peakW;
        double score;
        Episode.Severity severity = Episode.Severity.LOW;
        final Evidence.Collected collected = new Evidence.Collected();

        Track(String entity, String level, String kind, long startedMs, long detectedMs) {
            this.id = String.format(Locale.ROOT, "%s-%s-%s-%d", kind, level, entity, startedMs);
            this.entity = entity;
            this.level = level;
            this.kind = kind;
            this.startedMs = startedMs;
            this.detectedMs = detectedMs;
        }

        void add(double kwh, long timeMs) {
            if (kwh > 0) {
                energyKwh += kwh;
                cost += kwh * settings.tariff().pricePerKwh(timeMs);
            }
        }

        Episode episode(Episode.State state, long endedMs, long nowMs, String title) {
            long span = Math.max(settings.stepMs(), (endedMs > 0 ? endedMs : nowMs + settings.stepMs()) - startedMs);
            return new Episode(id, entity, level, kind, state, severity, title, startedMs, detectedMs, endedMs, nowMs,
                    energyKwh * 3.6e9 / span, peakW, energyKwh, cost, score, collected.json());
        }
    }

    /** Evidence- and schedule-driven episodes of one host: a run of findings or of out-of-hours use. */
    private static final class Signal {
        long firstMs = Long.MIN_VALUE;
        long lastMs;
        double score;
        Track track;
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
        remember(f);
        hostsStep(f, t);
        balanceStep(t);
        evidenceStep(f, t);
    }

    // ---- inputs held across dropouts ------------------------------------------------------------------------

    private void remember(Frame f) {
        long t = f.timeMs;
        for (Map.Entry<String, Frame.MeterAgg> m : f.meters.entrySet()) {
            if (!Double.isNaN(m.getValue().power.get())) {
                meters.put(m.getKey(), new Held<>(m.getValue(), t));
            }
        }
        for (Map.Entry<String, Frame.HostAgg> h : f.hosts.entrySet()) {
            loads.put(h.getKey(), new Held<>(load(h.getValue()), t));
        }
        for (Map.Entry<String, Map<String, Frame.Mean>> b : f.business.entrySet()) {
            for (Map.Entry<String, Frame.Mean> s : b.getValue().entrySet()) {
                double v = s.getValue().get();
                if (!Double.isNaN(v)) {
                    business.report(s.getKey(), b.getKey(), v, t);
                }
            }
        }
        business.finish(t);
    }

    private <T> T fresh(Held<T> h, long t) {
        return h == null || t - h.timeMs() > settings.holdMs() ? null : h.value();
    }

    private HostLoad load(Frame.HostAgg a) {
        double util = 0;
        double mem = 0;
        double gpuW = 0;
        double limit = 0;
        String model = null;
        boolean power = false;
        for (Frame.GpuAgg g : a.gpus.values()) {
            util += nz(g.util.get()) / 100;
            mem += nz(g.memUtil.get()) / 100;
            double w = g.power.get();
            gpuW += nz(w);
            power |= !Double.isNaN(w);
            limit += nz(g.limit);
            model = model == null ? g.model : model;
        }
        double cpu = a.cpuUtil.get();
        // GPU watts are unknown, not zero, when no GPU reported its power.
        return new HostLoad(a.gpus.size(), util, mem, power ? gpuW : Double.NaN, limit,
                Double.isNaN(cpu) ? 0 : cpu / 100, a.cpuPower.get(), model, a.rack, a.room, a);
    }

    private static double nz(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    /**
     * The largest business load its sources report fresh for the host or its rack, each held at its own
     * cadence ({@link BusinessFeeds}); 0 where no source claims it; NaN where a silent source covered it.
     */
    private double businessOf(Entity e, long t) {
        return business.load(e.businessKey, e.rackBusinessKey(), t);
    }

    // ---- hosts ----------------------------------------------------------------------------------------------

    private Entity host(String name) {
        return hosts.computeIfAbsent(name, n -> {
            Entity e = new Entity(n, "host", "unexplained_power", HOST_FEATURES);
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
        for (Map.Entry<String, Held<Frame.MeterAgg>> m : meters.entrySet()) {
            Frame.MeterAgg a = fresh(m.getValue(), t);
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
            HostLoad l = fresh(loads.get(e.name), t);
            if (l == null) {
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
                continue; // metered but never reported its load: nothing to explain the watts with yet
            }
            if (e.outletMetered) {
                if (!e.outletSeen || !complete(e, e.outletKeys, t)) {
                    continue; // one of its outlets is silent
                }
                e.actual = e.outletW;
                e.counterKwh = counterKwh(e, e.countersNow, t);
            } else {
                if (l == null || (Double.isNaN(l.gpuW()) && Double.isNaN(l.cpuW()))) {
                    continue;
                }
                e.actual = nz(l.gpuW()) + nz(l.cpuW());
                e.counterKwh = Double.NaN;
            }
            HostLoad load = l;
            double b = businessOf(e, t);
            if (Double.isNaN(b)) {
                continue; // the feed that explained its load is silent: unknown business is not zero business
            }
            boolean maintenance = schedule.maintenance(t, e.name, e.rack, e.room);
            e.businessLoad = maintenance ? 1 : b;
            double n = Math.max(1, load.gpus());
            double g = load.gpuUtil();
            double gExpl = maintenance ? g : Math.min(g, b * n);
            e.features = new double[] {g, load.gpuMemUtil(), load.cpuUtil()};
            e.explained = new double[] {gExpl, g > 0 ? load.gpuMemUtil() * gExpl / g : 0,
                    maintenance ? load.cpuUtil() : Math.min(load.cpuUtil(), b)};
            e.present = true;
            e.componentW = Double.isNaN(load.gpuW()) && Double.isNaN(load.cpuW()) ? Double.NaN
                    : nz(load.gpuW()) + nz(load.cpuW());
            boolean exclude = maintenance || schedule.holiday(t) || (e.detector != null && e.detector.isOpen());
            e.history.add(t, e.actual, e.componentW, e.features, e.explained, exclude);
            LoadModel m = e.model();
            // No verdict where the explained load is beyond anything the model was fitted on: a line through
            // idle nights says nothing about the first busy morning.
            // Maintenance explains whatever runs in it: no verdict then, and an open episode simply waits.
            if (m != null && e.history.hasBaseline() && m.covers(e.explained) && !maintenance) {
                e.dev = e.actual - m.predict(e.explained) - e.history.median(how);
                byGroup.computeIfAbsent(e.group, k -> new ArrayList<>()).add(e);
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
                // Corroboration matters only where the detector counts a sample as excess: half the floor.
                detect(e, f, t, excess, floor, excess >= floor / 2 && corroborated(e, f, floor));
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
            if (!p.business() && p.smUtilPct() >= NON_BUSINESS_MIN_SM_PCT) {
                return true;
            }
        }
        for (Frame.Finding fi : f.evidence.getOrDefault(host, List.of())) {
            if (Evidence.episodeKind(fi.kind()) != null) {
                return true;
            }
        }
        return evidenceOpen(host, "miner_process") || evidenceOpen(host, "pool_connection");
    }

    private double hostFloor(Entity e) {
        if (e.detector != null) {
            return e.detector.floorW(); // fixed when the detector was made
        }
        double nameplate = e.nameplateW > 0 ? e.nameplateW
                : e.maxLimitW > 0 ? e.maxLimitW * 1.1 + 300 : nz(e.history.maxActual()) * 1.25;
        return Math.max(Math.max(settings.floorW(), settings.floorPerGpuW() * e.gpus), settings.floorShare() * nameplate);
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
            if (!(d >= 0) || d > Math.max(1e-3, 3 * Math.abs(e.actual) * settings.stepMs() / 3.6e9)) {
                ok = false; // first reading, a reset, a wrap or a jump: the step's watts are the better figure
            }
            sum += d;
        }
        return ok ? sum : Double.NaN;
    }

    // ---- racks and rooms ------------------------------------------------------------------------------------

    private Entity balance(Map<String, Entity> map, String name, String level) {
        return map.computeIfAbsent(name, n -> {
            Entity e = new Entity(n, level, "unaccounted_power", 1);
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
        for (Map.Entry<String, Held<Frame.MeterAgg>> m : meters.entrySet()) {
            Frame.MeterAgg a = fresh(m.getValue(), t);
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
        e.parts.values().removeIf(seen -> t - seen > 86_400_000L);
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
            return;
        }
        e.expected = e.ownModel.predict(e.explained) + e.history.median(how);
        double floor = Math.max(settings.balanceFloorW(), 0.01 * e.nameplateW);
        Track before = e.track;
        // The balance is its own corroboration: watts at the inlet that no known host's outlet accounts for.
        detect(e, null, t, actualW - e.expected, floor, true);
        if (e.track != null && e.track == before || e.track != null && before == null) {
            for (Frame.MeterAgg o : orphanOutlets) {
                e.track.collected.outlet(o.device, o.channel, o.power.get(), null);
            }
        }
    }

    // ---- detection and episodes -----------------------------------------------------------------------------

    private void detect(Entity e, Frame f, long t, double excess, double floorW, boolean corroborated) {
        if (e.detector == null) {
            e.detector = new ExcessPowerDetector(ExcessPowerDetector.Settings.defaults(floorW,
                    settings.confirmUncorroboratedSteps()));
        }
        double sigma = e.history.sigma();
        ExcessPowerDetector.Change c = e.detector.update(t, excess, sigma, corroborated);
        if (!muted && (e.level.equals("host") || e.level.equals("rack") || e.level.equals("room"))) {
            out.baseline(t, e.name, e.level, e.actual, e.expected, e.expected + e.detector.floorW(),
                    e.actual - e.expected, e.detector.isOpen() ? e.detector.score() : 0, e.businessLoad);
        }
        if (c == ExcessPowerDetector.Change.NONE) {
            return;
        }
        double stepKwh = stepKwh(e, excess);
        if (c == ExcessPowerDetector.Change.OPENED) {
            e.track = new Track(e.name, e.level, e.kind, e.detector.startedMs(), t);
            e.history.excludeSince(e.detector.startedMs());
            // The steps between the change and its detection: their excess from watts, counters came too late.
            e.track.add(e.detector.excessSince(e.detector.startedMs(), t) * settings.stepMs() / 3.6e9, t);
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
        double fromWatts = excessW * settings.stepMs() / 3.6e9;
        if (Double.isNaN(e.counterKwh)) {
            return fromWatts;
        }
        return e.counterKwh - (e.actual - excessW) * settings.stepMs() / 3.6e9;
    }

    private Episode.Severity powerSeverity(Entity e, double score) {
        Episode.Severity s = score >= 0.5 ? Episode.Severity.HIGH
                : score >= 0.25 ? Episode.Severity.MEDIUM : Episode.Severity.LOW;
        if ("host".equals(e.level)) {
            if (evidenceOpen(e.name, "miner_process") || evidenceOpen(e.name, "pool_connection")) {
                return Episode.Severity.CRITICAL;
            }
            if (evidenceOpen(e.name, "off_hours_gpu") && s.compareTo(Episode.Severity.HIGH) < 0) {
                return Episode.Severity.HIGH;
            }
        }
        return s;
    }

    private boolean evidenceOpen(String host, String kind) {
        Signal s = signals.get(host + "/" + kind);
        return s != null && s.track != null;
    }

    private boolean powerOpen(String host) {
        Entity e = hosts.get(host);
        return e != null && e.track != null;
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

    private void evidenceStep(Frame f, long t) {
        for (Map.Entry<String, List<Frame.Finding>> e : f.evidence.entrySet()) {
            for (Frame.Finding fi : e.getValue()) {
                String kind = Evidence.episodeKind(fi.kind());
                if (kind != null) {
                    Signal s = signals.computeIfAbsent(e.getKey() + "/" + kind, k -> new Signal());
                    if (s.track == null) {
                        s.firstMs = t;
                        s.score = 0;
                    }
                    s.lastMs = t;
                    s.score = Math.max(s.score, fi.score());
                }
            }
        }
        if (settings.offHoursMs() > 0 && !schedule.isAlways()) {
            boolean offHours = !schedule.businessHours(t);
            for (Entity h : hosts.values()) {
                HostLoad l = fresh(loads.get(h.name), t);
                if (l == null || l.gpus() == 0 || !h.present) {
                    continue;
                }
                boolean busy = offHours && l.gpuUtil() / l.gpus() >= settings.offHoursUtil() && h.businessLoad < 0.1
                        && !schedule.maintenance(t, h.name, h.rack, h.room);
                Signal s = signals.computeIfAbsent(h.name + "/off_hours_gpu", k -> new Signal());
                if (busy) {
                    if (s.firstMs == Long.MIN_VALUE || t - s.lastMs > settings.stepMs()) {
                        s.firstMs = s.track == null ? t : s.firstMs;
                    }
                    s.lastMs = t;
                    s.score = Math.min(1, l.gpuUtil() / l.gpus());
                }
            }
        }
        for (Map.Entry<String, Signal> e : signals.entrySet()) {
            String host = e.getKey().substring(0, e.getKey().indexOf('/'));
            String kind = e.getKey().substring(e.getKey().indexOf('/') + 1);
            Signal s = e.getValue();
            boolean offHours = kind.equals("off_hours_gpu");
            long quiet = offHours ? 2 * settings.stepMs() : settings.evidenceQuietMs();
            if (s.track == null && s.lastMs == t && s.firstMs != Long.MIN_VALUE
                    && (!offHours || t - s.firstMs >= settings.offHoursMs())) {
                s.track = new Track(host, "host", kind, s.firstMs, t);
            }
            if (s.track == null) {
                if (offHours && s.lastMs != t) {
                    s.firstMs = Long.MIN_VALUE;
                }
                continue;
            }
            Track tr = s.track;
            Entity h = hosts.get(host);
            if (h != null && h.present && h.detector != null) {
                collectHost(tr.collected, host, f, t);
            } else {
                collectFindings(tr.collected, host, f);
            }
            tr.score = Math.max(tr.score, s.score);
            tr.peakW = h != null && h.track != null ? Math.max(tr.peakW, h.detector.recentW()) : tr.peakW;
            if (h != null && h.track != null) {
                tr.add(stepKwh(h, h.detector.recentW()), t);
            }
            tr.severity = offHours ? (powerOpen(host) ? Episode.Severity.HIGH : Episode.Severity.MEDIUM)
                    : powerOpen(host) ? Episode.Severity.CRITICAL : Episode.Severity.HIGH;
            boolean closed = t - s.lastMs >= quiet;
            emit(tr.episode(closed ? Episode.State.CLOSED : Episode.State.OPEN, closed ? s.lastMs + settings.stepMs() : 0,
                    t, Evidence.title(host, kind, tr.collected)));
            if (closed) {
                s.track = null;
                s.firstMs = Long.MIN_VALUE;
            }
        }
    }

    private void collectHost(Evidence.Collected c, String host, Frame f, long t) {
        HostLoad l = fresh(loads.get(host), t);
        if (l != null) {
            for (Map.Entry<String, Frame.GpuAgg> g : new TreeMap<>(l.agg().gpus).entrySet()) {
                double util = g.getValue().util.get();
                double w = g.getValue().power.get();
                double limit = g.getValue().limit;
                if (util >= 20 || (limit > 0 && w >= 0.5 * limit)) {
                    c.gpu(host + ":" + g.getKey(), util, w, limit);
                }
            }
        }
        for (Map.Entry<String, Held<Frame.MeterAgg>> m : meters.entrySet()) {
            Frame.MeterAgg a = fresh(m.getValue(), t);
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
        return business.sources(lastMs);
    }

    /** Episodes open now, in entity order. */
    public List<Episode> openEpisodes() {
        List<Episode> l = new ArrayList<>();
        for (Entity e : all()) {
            if (e.track != null) {
                l.add(e.track.episode(Episode.State.OPEN, 0, lastMs, title(e, e.track)));
            }
        }
        for (Map.Entry<String, Signal> s : signals.entrySet()) {
            if (s.getValue().track != null) {
                Track tr = s.getValue().track;
                l.add(tr.episode(Episode.State.OPEN, 0, lastMs, Evidence.title(tr.entity, tr.kind, tr.collected)));
            }
        }
        return l;
    }
}
