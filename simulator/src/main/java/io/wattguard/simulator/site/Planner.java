package io.wattguard.simulator.site;

import io.wattguard.simulator.site.Event.Kind;
import io.wattguard.simulator.site.SiteSpec.HostSpec;
import io.wattguard.simulator.site.SiteSpec.RackSpec;
import io.wattguard.simulator.site.SiteSpec.RoomSpec;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Decides, before any point is generated, every event of the run and its ground-truth label. Mining episodes
 * come first and each keeps its host free of training runs and batch jobs from eight days before to a day
 * after, so the episode's excess is clean and "the same hours a week earlier" is a fair comparison. Every
 * random stream is seeded from the site seed and a name (host, rack, scenario, kind), never from a position.
 */
final class Planner {
    static final long DAY_MS = 86_400_000L;
    /** An outlet-only burst lasts uniformly this many minutes: up to twice the detector's sustained window. */
    static final double OUTLET_BURST_MIN_MIN = 5;

    static final double OUTLET_BURST_MAX_MIN = 20;
    /** ... and draws uniformly this many watts at the outlet (AC): a PSU, fans, a small second device. */
    static final double OUTLET_BURST_MIN_W = 300;

    static final double OUTLET_BURST_MAX_W = 700;
    /** A power-limit ramp climbs for five days, then holds at 300 W for one to two more before the miner stops. */
    static final double RAMP_DAYS = 5;

    /** The plan: events per host, rack and room (sorted by start), labels whose excess may still be NaN. */
    record Plan(
            Map<String, List<Event>> hostEvents,
            Map<String, List<Event>> rackEvents,
            Map<String, List<Event>> roomEvents,
            List<Label> labels,
            Map<String, Event> eventOfLabel) {}

    private final SiteSpec spec;
    private final SiteClock clock;
    private final long steps;
    private final long stepsPerDay;
    private final long stepMs;
    private final Map<String, List<Event>> hostEvents = new HashMap<>();
    private final Map<String, List<Event>> rackEvents = new HashMap<>();
    private final Map<String, List<Event>> roomEvents = new HashMap<>();
    private final Map<String, List<long[]>> exclusions = new HashMap<>();
    private final List<Label> labels = new ArrayList<>();
    private final Map<String, Event> eventOfLabel = new HashMap<>();

    Planner(SiteSpec spec) {
        this.spec = spec;
        this.clock = new SiteClock(spec);
        this.steps = spec.steps();
        this.stepMs = spec.stepMs();
        this.stepsPerDay = DAY_MS / stepMs;
        for (HostSpec h : spec.hosts()) {
            hostEvents.put(h.name(), new ArrayList<>());
        }
        for (RackSpec r : spec.racks()) rackEvents.put(r.name(), new ArrayList<>());
        for (RoomSpec r : spec.rooms()) roomEvents.put(r.name(), new ArrayList<>());
    }

    Plan plan() {
        Set<String> usedTargets = new HashSet<>();
        for (Scenario s : Scenario.values()) {
            if (!s.mining()) continue;
            int count = spec.miningCounts().getOrDefault(s, 0);
            SplittableRandom rng = new SplittableRandom(Noise.combine(spec.seed(), Noise.hash("mining:" + s.id())));
            for (int i = 1; i <= count; i++) placeMining(s, i, rng, usedTargets);
        }
        for (HostSpec h : spec.hosts()) planHostBackground(h);
        for (RackSpec r : spec.racks()) planRackBackground(r);
        for (RoomSpec r : spec.rooms()) planRoomBackground(r);
        Comparator<Event> byStart = Comparator.comparingLong(Event::start).thenComparingLong(Event::end);
        hostEvents.values().forEach(l -> l.sort(byStart));
        rackEvents.values().forEach(l -> l.sort(byStart));
        roomEvents.values().forEach(l -> l.sort(byStart));
        labels.sort(Comparator.comparingLong(Label::startMs).thenComparing(Label::id));
        return new Plan(hostEvents, rackEvents, roomEvents, List.copyOf(labels), eventOfLabel);
    }

    // ---- mining ----------------------------------------------------------------------------------------

    private void placeMining(Scenario s, int instance, SplittableRandom rng, Set<String> used) {
        for (int attempt = 0; attempt < 400; attempt++) {
            String target;
            List<long[]> intervals;
            int mask = 0;
            double amount = 0;
            String host = null;
            if (s == Scenario.ROGUE_OUTLET_RIG) {
                List<RackSpec> racks = spec.racks().stream()
                        .filter(r -> 0.12 * r.nameplateW() <= 1500 && !used.contains(r.name()))
                        .toList();
                if (racks.isEmpty()) return;
                RackSpec rack = racks.get(rng.nextInt(racks.size()));
                target = rack.name();
                // 800-1,500 W as an ASIC or a consumer GPU rig draws, and never under 12% of the rack's nameplate.
                amount = Math.max(800 + 700 * rng.nextDouble(), 0.12 * rack.nameplateW());
                intervals = continuous(rng, 2, 5);
            } else {
                List<HostSpec> cands = spec.hosts().stream()
                        .filter(h -> eligible(s, h) && !used.contains(h.name()))
                        .toList();
                if (cands.isEmpty()) return;
                HostSpec h = cands.get(rng.nextInt(cands.size()));
                target = h.name();
                host = h.name();
                intervals = switch (s) {
                    case NIGHT_GPU_MINER -> nights(rng, 3 + rng.nextInt(3));
                    case LOW_AND_SLOW -> continuous(rng, 14, 21);
                    case ALLOWLISTED_CONTAINER_MINER -> continuous(rng, 2, 4);
                    case CPU_RANDOMX -> offHoursWeek(rng);
                    case POWER_LIMIT_RAMP -> continuous(rng, (int) RAMP_DAYS + 1, (int) RAMP_DAYS + 2);
                    case ONE_GPU_OF_EIGHT -> workdayBouts(rng, 2 + rng.nextInt(2));
                    case UNCORROBORATED_MINER -> nightBouts(rng, 3 + rng.nextInt(2));
                    default -> throw new IllegalStateException(s.id());
                };
                if ("gpu".equals(s.level())) {
                    // The last GPU: a spare one (spares are the highest indexes), so no business job shares it.
                    int g = h.model().gpus() - 1;
                    mask = 1 << g;
                    target = h.name() + ":" + g;
                }
                switch (s) {
                    case POWER_LIMIT_RAMP -> amount = RAMP_DAYS * stepsPerDay;
                    // Utilisation the one-GPU miner holds; CPU share the hidden miner burns (50-140 W at the outlet:
                    // enough to pay, few enough cores to leave the host's jobs their usual speed).
                    case ONE_GPU_OF_EIGHT -> amount = 0.90 + 0.08 * rng.nextDouble();
                    case UNCORROBORATED_MINER -> amount = 0.20 + 0.35 * rng.nextDouble();
                    default -> {}
                }
                if (s == Scenario.LOW_AND_SLOW) {
                    HostTraits t = HostTraits.of(spec.seed(), h);
                    int n = h.model().gpus();
                    for (int g = n - lowAndSlowGpus(h, t); g < n; g++) mask |= 1 << g;
                }
                if (s == Scenario.ALLOWLISTED_CONTAINER_MINER && touchesHoliday(intervals)) continue;
            }
            if (intervals.isEmpty()) continue;
            used.add(host == null ? target : host);
            commitMining(s, instance, target, host, intervals, mask, amount);
            return;
        }
    }

    private boolean eligible(Scenario s, HostSpec h) {
        return switch (s) {
            case CPU_RANDOMX -> !h.model().hasGpus();
            case LOW_AND_SLOW -> h.model().hasGpus() && lowAndSlowGpus(h, HostTraits.of(spec.seed(), h)) > 0;
            case POWER_LIMIT_RAMP ->
                h.model().hasGpus() && HostTraits.of(spec.seed(), h).spareGpus() > 0;
            case ONE_GPU_OF_EIGHT ->
                h.model().gpus() == 8 && HostTraits.of(spec.seed(), h).spareGpus() > 0;
            case UNCORROBORATED_MINER -> !h.model().hasGpus() && !h.model().reportsComponentPower();
            default -> h.model().hasGpus();
        };
    }

    /**
     * The spare GPUs a low-and-slow miner takes: up to three, and only if capping them at 60% of their power
     * limit adds at least 12% of the host's nameplate (otherwise the episode is below the detection target).
     */
    static int lowAndSlowGpus(HostSpec h, HostTraits t) {
        HostModel m = h.model();
        int n = Math.min(3, t.spareGpus());
        double excess = n * (0.6 * m.gpuLimitW() - m.gpuIdleW()) / HostModel.PSU_EFFICIENCY;
        return n >= 2 && excess >= 0.12 * m.nameplateW() ? n : 0;
    }

    private HostSpec hostSpec(String name) {
        return spec.hosts().stream()
                .filter(h -> h.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    /** {@code target}: the label's entity (rack, host or HOST:INDEX); {@code host}: where it runs, null for a rig. */
    private void commitMining(
            Scenario s, int instance, String target, String host, List<long[]> intervals, int mask, double amount) {
        Kind kind =
                switch (s) {
                    case NIGHT_GPU_MINER -> Kind.NIGHT_MINER;
                    case LOW_AND_SLOW -> Kind.LOW_AND_SLOW;
                    case ALLOWLISTED_CONTAINER_MINER -> Kind.CONTAINER_MINER;
                    case ROGUE_OUTLET_RIG -> Kind.ROGUE_RIG;
                    case CPU_RANDOMX -> Kind.RANDOMX;
                    case POWER_LIMIT_RAMP -> Kind.POWER_LIMIT_RAMP;
                    case ONE_GPU_OF_EIGHT -> Kind.ONE_GPU_MINER;
                    case UNCORROBORATED_MINER -> Kind.HIDDEN_MINER;
                    default -> throw new IllegalStateException(s.id());
                };
        boolean rack = host == null;
        Scenario labelled = s == Scenario.CPU_RANDOMX && !hostSpec(host).model().reportsComponentPower()
                ? Scenario.CPU_RANDOMX_NO_RAPL
                : s;
        int part = 0;
        for (long[] iv : intervals) {
            String id = intervals.size() == 1 ? s.id() + "-" + instance : s.id() + "-" + instance + "." + (++part);
            Event e = new Event(kind, iv[0], iv[1], amount, mask, id, Noise.hash(id) & 0x7fffffffL);
            (rack ? rackEvents.get(target) : hostEvents.get(host)).add(e);
            addLabel(e, labelled, s.level(), target, Double.NaN, true);
        }
        if (!rack) {
            long from = intervals.get(0)[0] - 8 * stepsPerDay;
            long to = intervals.get(intervals.size() - 1)[1] + stepsPerDay;
            exclusions.computeIfAbsent(host, k -> new ArrayList<>()).add(new long[] {from, to});
        }
    }

    /**
     * {@code n} bouts of 1-4 h on consecutive workdays (not holidays), each starting between 09:00 and 14:00
     * local: someone borrowing one GPU while the host's other jobs hide it, gone before the evening.
     */
    private List<long[]> workdayBouts(SplittableRandom rng, int n) {
        int first = pickDay(rng, n + 6);
        List<long[]> out = new ArrayList<>();
        for (int j = 0; out.size() < n && j < n + 6; j++) {
            LocalDate d = spec.startDate().plusDays(first + j);
            boolean weekend = d.getDayOfWeek() == DayOfWeek.SATURDAY || d.getDayOfWeek() == DayOfWeek.SUNDAY;
            if (weekend || spec.holidays().contains(d)) continue;
            long a = clock.stepAt(LocalDateTime.of(d, LocalTime.of(9, 0)))
                    + (long) (5 * 3_600_000L * rng.nextDouble() / stepMs);
            long b = a + (long) ((1 + 3 * rng.nextDouble()) * 3_600_000L / stepMs);
            addClipped(out, a, b);
        }
        return out;
    }

    /**
     * {@code n} bouts of 45 min to 6 h on consecutive nights, starting between 22:00 and 02:00 local: a miner that
     * keeps to the hours when nobody logs in, and stops now and then so no graph shows a plateau.
     */
    private List<long[]> nightBouts(SplittableRandom rng, int n) {
        int first = pickDay(rng, n + 1);
        List<long[]> out = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            LocalDate d = spec.startDate().plusDays(first + j);
            long a = clock.stepAt(LocalDateTime.of(d, LocalTime.of(22, 0)))
                    + (long) (4 * 3_600_000L * rng.nextDouble() / stepMs);
            long b = a + (long) ((0.75 + 5.25 * rng.nextDouble()) * 3_600_000L / stepMs);
            addClipped(out, a, b);
        }
        return out;
    }

    /** Nights 22:00-06:00 local (+-20 min) starting on a random day after the clean period. */
    private List<long[]> nights(SplittableRandom rng, int n) {
        int first = pickDay(rng, n + 1);
        List<long[]> out = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            LocalDate d = spec.startDate().plusDays(first + j);
            long a = clock.stepAt(LocalDateTime.of(d, LocalTime.of(22, 0))) + jitter(rng, 20);
            long b = clock.stepAt(LocalDateTime.of(d.plusDays(1), LocalTime.of(6, 0))) + jitter(rng, 20);
            addClipped(out, a, b);
        }
        return out;
    }

    /** One run of {@code minDays..maxDays} days starting at a random minute after the clean period. */
    private List<long[]> continuous(SplittableRandom rng, int minDays, int maxDays) {
        double dur = minDays + (maxDays - minDays) * rng.nextDouble();
        double room = spec.days() - spec.cleanDays() - 0.5;
        dur = Math.min(dur, room);
        List<long[]> out = new ArrayList<>();
        if (dur < 0.25) return out;
        long a = (long) ((spec.cleanDays() + (room - dur) * rng.nextDouble()) * stepsPerDay);
        addClipped(out, a, a + (long) (dur * stepsPerDay));
        return out;
    }

    /** A week of nights (22:00-06:00) and whole weekends, from a random day at 22:00; merged runs. */
    private List<long[]> offHoursWeek(SplittableRandom rng) {
        int first = pickDay(rng, 8);
        List<long[]> raw = new ArrayList<>();
        for (int j = 0; j < 7; j++) {
            LocalDate d = spec.startDate().plusDays(first + j);
            long night = clock.stepAt(LocalDateTime.of(d, LocalTime.of(22, 0)));
            long morning = clock.stepAt(LocalDateTime.of(d.plusDays(1), LocalTime.of(6, 0)));
            boolean weekend = d.getDayOfWeek() == DayOfWeek.SATURDAY || d.getDayOfWeek() == DayOfWeek.SUNDAY;
            if (weekend && j > 0) raw.add(new long[] {clock.stepAt(d.atStartOfDay()), night});
            raw.add(new long[] {night, morning});
        }
        List<long[]> out = new ArrayList<>();
        for (long[] iv : raw) {
            if (!out.isEmpty() && out.get(out.size() - 1)[1] >= iv[0]) {
                long[] last = out.get(out.size() - 1);
                last[1] = Math.max(last[1], iv[1]);
            } else {
                out.add(new long[] {iv[0], iv[1]});
            }
        }
        List<long[]> clipped = new ArrayList<>();
        for (long[] iv : out) addClipped(clipped, iv[0], iv[1]);
        return clipped;
    }

    private int pickDay(SplittableRandom rng, int span) {
        int last = spec.days() - span;
        return last <= spec.cleanDays()
                ? spec.cleanDays()
                : spec.cleanDays() + rng.nextInt(last - spec.cleanDays() + 1);
    }

    private long jitter(SplittableRandom rng, int minutes) {
        long j = minutes * 60_000L / stepMs;
        return j == 0 ? 0 : rng.nextLong(-j, j + 1);
    }

    /** Keeps only what lies inside the run and lasts at least 30 minutes (the detection target's floor). */
    private void addClipped(List<long[]> out, long a, long b) {
        a = Math.max(0, a);
        b = Math.min(steps, b);
        if ((b - a) * stepMs >= 30 * 60_000L) out.add(new long[] {a, b});
    }

    private boolean touchesHoliday(List<long[]> intervals) {
        long from = intervals.get(0)[0] - 8 * stepsPerDay;
        long to = intervals.get(intervals.size() - 1)[1] + stepsPerDay;
        for (LocalDate h : spec.holidays()) {
            long a = clock.stepAt(h.atStartOfDay());
            if (a + stepsPerDay > from && a < to) return true;
        }
        return false;
    }

    private boolean excluded(String host, long a, long b) {
        for (long[] x : exclusions.getOrDefault(host, List.of())) if (a < x[1] && b > x[0]) return true;
        return false;
    }

    // ---- benign background -----------------------------------------------------------------------------

    private void planHostBackground(HostSpec h) {
        long key = Noise.combine(spec.seed(), Noise.hash("bg:" + h.name()));
        SiteSpec.Background bg = spec.background();
        List<Event> ev = hostEvents.get(h.name());
        HostModel m = h.model();
        String name = h.name();
        if (m.hasGpus()) {
            SplittableRandom r = stream(key, Kind.TRAINING);
            int k = 0;
            for (long t = gap(r, bg.trainingEveryDays()); t < steps; ) {
                long dur = (long) ((6 + 42 * r.nextDouble()) * stepsPerDay / 24);
                long end = Math.min(steps, t + dur);
                if (!excluded(name, t, end)) {
                    double nominal = m.gpus()
                            * (m.gpuPowerW(0.96, 0.74, 0) - m.gpuPowerW(0.25, 0.23, 0))
                            / HostModel.PSU_EFFICIENCY;
                    benign(ev, Kind.TRAINING, t, end, 1, 0, Scenario.TRAINING_RUN, name, ++k, nominal);
                }
                t = end + gap(r, bg.trainingEveryDays());
            }
            r = stream(key, Kind.NVML_RESET);
            k = 0;
            for (long t = gap(r, bg.nvmlResetEveryDays()); t < steps; t += Math.max(1, gap(r, bg.nvmlResetEveryDays())))
                benignCounted(
                        ev, Kind.NVML_RESET, t, t + 1, 0, 0, "counter_reset-" + name + "-" + (++k), "host", name, 0);
        } else {
            SplittableRandom r = stream(key, Kind.BATCH);
            int k = 0;
            for (long t = gap(r, bg.batchEveryDays()); t < steps; ) {
                long end = Math.min(steps, t + (long) ((1 + 7 * r.nextDouble()) * stepsPerDay / 24));
                double share = 0.3 + 0.6 * r.nextDouble();
                if (!excluded(name, t, end))
                    benign(
                            ev,
                            Kind.BATCH,
                            t,
                            end,
                            share,
                            0,
                            Scenario.CPU_BATCH,
                            name,
                            ++k,
                            share * m.cpuFullExtraW() / HostModel.PSU_EFFICIENCY);
                t = end + gap(r, bg.batchEveryDays());
            }
        }
        if (h.backup()) {
            SplittableRandom r = stream(key, Kind.BACKUP);
            for (int d = 0; d <= spec.days(); d++) {
                long a = clock.stepAt(LocalDateTime.of(spec.startDate().plusDays(d), LocalTime.of(2, 0)))
                        + (long) (10 * 60_000L * r.nextDouble() / stepMs);
                // Clipped to the declared window's end: on the spring DST night 02:00 is 03:00.
                long windowEnd = clock.stepAt(LocalDateTime.of(spec.startDate().plusDays(d), LocalTime.of(4, 0)));
                long b = Math.min(windowEnd, a + Math.max(1, (long) ((45 + 30 * r.nextDouble()) * 60_000L / stepMs)));
                double share = 0.4 + 0.2 * r.nextDouble();
                if (a >= 0 && b <= steps)
                    benign(
                            ev,
                            Kind.BACKUP,
                            a,
                            b,
                            share,
                            0,
                            Scenario.NIGHTLY_BACKUP,
                            name,
                            d + 1,
                            share * m.cpuFullExtraW() / HostModel.PSU_EFFICIENCY);
            }
        }
        SplittableRandom r = stream(key, Kind.SPIKE);
        int k = 0;
        for (long t = gap(r, bg.spikeEveryDays()); t < steps; t += Math.max(1, gap(r, bg.spikeEveryDays()))) {
            long end = Math.min(steps, t + Math.max(1, (long) ((2 + 8 * r.nextDouble()) * 60_000L / stepMs)));
            int mask = 0;
            if (m.hasGpus()) {
                int want = 2 + r.nextInt(3);
                while (Integer.bitCount(mask) < Math.min(want, m.gpus())) mask |= 1 << r.nextInt(m.gpus());
            }
            // A spike on a host already saturated (training, batch, a miner) would add nothing to see or label.
            if (!busy(ev, t, end))
                benign(ev, Kind.SPIKE, t, end, 0.9, mask, Scenario.BENIGN_SPIKE, name, ++k, Double.NaN);
        }
        // Outlet-only bursts, at any hour and whatever the host runs: the draw is not the host's components, so
        // its load says nothing about when one comes.
        r = stream(key, Kind.OUTLET_BURST);
        k = 0;
        for (long t = gap(r, bg.outletBurstEveryDays());
                t < steps;
                t += Math.max(1, gap(r, bg.outletBurstEveryDays()))) {
            long end = Math.min(
                    steps,
                    t
                            + Math.max(1, (long) ((OUTLET_BURST_MIN_MIN
                                            + (OUTLET_BURST_MAX_MIN - OUTLET_BURST_MIN_MIN) * r.nextDouble())
                                    * 60_000L
                                    / stepMs)));
            double watts = OUTLET_BURST_MIN_W + (OUTLET_BURST_MAX_W - OUTLET_BURST_MIN_W) * r.nextDouble();
            benign(ev, Kind.OUTLET_BURST, t, end, watts, 0, Scenario.OUTLET_BURST, name, ++k, Double.NaN);
            t = end;
        }
        // Business feed stops: the exporter is silent for 1-3 h, the host's jobs run on. Kept off mining hosts'
        // windows like training and batch, so a mining episode is never also a feed outage.
        r = stream(key, Kind.FEED_STOP);
        k = 0;
        for (long t = gap(r, bg.feedStopEveryDays()); t < steps; t += Math.max(1, gap(r, bg.feedStopEveryDays()))) {
            long end = Math.min(steps, t + Math.max(1, (long) ((1 + 2 * r.nextDouble()) * 3_600_000L / stepMs)));
            if (!excluded(name, t, end))
                benign(ev, Kind.FEED_STOP, t, end, 0, 0, Scenario.BUSINESS_FEED_STOP, name, ++k, 0);
            t = end;
        }
        r = stream(key, Kind.HOST_DROPOUT);
        k = 0;
        for (long t = gap(r, bg.hostDropoutEveryDays());
                t < steps;
                t += Math.max(1, gap(r, bg.hostDropoutEveryDays()))) {
            long end = Math.min(steps, t + Math.max(1, (long) ((5 + 55 * r.nextDouble()) * 60_000L / stepMs)));
            benignCounted(ev, Kind.HOST_DROPOUT, t, end, 0, 0, "sensor_dropout-" + name + "-" + (++k), "host", name, 0);
            t = end;
        }
    }

    private static boolean busy(List<Event> ev, long a, long b) {
        for (Event e : ev) {
            boolean saturating =
                    switch (e.kind()) {
                        case TRAINING, BATCH, NIGHT_MINER, LOW_AND_SLOW, CONTAINER_MINER, RANDOMX -> true;
                        default -> false;
                    };
            if (saturating && e.start() < b && e.end() > a) return true;
        }
        return false;
    }

    private void planRackBackground(RackSpec rack) {
        long key = Noise.combine(spec.seed(), Noise.hash("bg:" + rack.name()));
        SiteSpec.Background bg = spec.background();
        List<Event> ev = rackEvents.get(rack.name());
        SplittableRandom r = stream(key, Kind.PDU_DROPOUT);
        int k = 0;
        for (long t = gap(r, bg.pduDropoutEveryDays()); t < steps; t += Math.max(1, gap(r, bg.pduDropoutEveryDays()))) {
            long end = Math.min(steps, t + Math.max(1, (long) ((5 + 55 * r.nextDouble()) * 60_000L / stepMs)));
            benignCounted(
                    ev,
                    Kind.PDU_DROPOUT,
                    t,
                    end,
                    0,
                    0,
                    "sensor_dropout-" + rack.name() + "-" + (++k),
                    "rack",
                    rack.name(),
                    0);
            t = end;
        }
        r = stream(key, Kind.PDU_RESET);
        k = 0;
        for (long t = gap(r, bg.pduResetEveryDays()); t < steps; t += Math.max(1, gap(r, bg.pduResetEveryDays())))
            benignCounted(
                    ev,
                    Kind.PDU_RESET,
                    t,
                    t + 1,
                    0,
                    0,
                    "counter_reset-" + rack.name() + "-" + (++k),
                    "rack",
                    rack.name(),
                    0);
    }

    private void planRoomBackground(RoomSpec room) {
        long key = Noise.combine(spec.seed(), Noise.hash("bg:" + room.name()));
        SplittableRandom r = stream(key, Kind.ROOM_DROPOUT);
        int k = 0;
        double every = spec.background().roomDropoutEveryDays();
        for (long t = gap(r, every); t < steps; t += Math.max(1, gap(r, every))) {
            long end = Math.min(steps, t + Math.max(1, (long) ((5 + 55 * r.nextDouble()) * 60_000L / stepMs)));
            benignCounted(
                    roomEvents.get(room.name()),
                    Kind.ROOM_DROPOUT,
                    t,
                    end,
                    0,
                    0,
                    "sensor_dropout-" + room.name() + "-" + (++k),
                    "room",
                    room.name(),
                    0);
            t = end;
        }
    }

    private void benign(
            List<Event> ev,
            Kind kind,
            long a,
            long b,
            double amount,
            int mask,
            Scenario s,
            String host,
            int k,
            double excessW) {
        String id = s.id() + "-" + host + "-" + k;
        benignCounted(ev, kind, a, b, amount, mask, id, "host", host, excessW);
    }

    private void benignCounted(
            List<Event> ev,
            Kind kind,
            long a,
            long b,
            double amount,
            int mask,
            String id,
            String level,
            String entity,
            double excessW) {
        Event e = new Event(kind, a, b, amount, mask, id, Noise.hash(id) & 0x7fffffffL);
        ev.add(e);
        if (!Double.isNaN(excessW)) excessW = Math.round(excessW * 10) / 10.0;
        String scenario = id.substring(0, id.indexOf('-'));
        addLabel(e, Scenario.byId(scenario), level, entity, excessW, false);
    }

    private void addLabel(Event e, Scenario s, String level, String entity, double excessW, boolean mining) {
        long start = spec.startMs();
        labels.add(new Label(
                e.labelId(),
                s.id(),
                level,
                entity,
                start + e.start() * stepMs,
                start + e.end() * stepMs,
                excessW,
                mining));
        eventOfLabel.put(e.labelId(), e);
    }

    private static SplittableRandom stream(long key, Kind kind) {
        return new SplittableRandom(Noise.combine(key, kind.ordinal() + 1));
    }

    /** Exponential gap in steps with the given mean in days: benign events arrive as a Poisson process. */
    private long gap(SplittableRandom r, double meanDays) {
        return (long) (-StrictMath.log(1 - r.nextDouble()) * meanDays * stepsPerDay);
    }
}
