package io.wattguard.simulator.site;

import io.wattguard.simulator.site.Event.Kind;
import io.wattguard.simulator.site.SiteSpec.HostSpec;
import io.wattguard.simulator.site.SiteSpec.RackSpec;
import io.wattguard.simulator.site.SiteSpec.RoomSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A synthetic site with ground truth: streams the points of {@link SiteSpec} step by step, in time order, and
 * knows the {@link #labels()} of everything it injected. Memory is the topology plus the planned events, never
 * the points: a 1,000-host month streams in a small heap.
 *
 * <p>Deterministic: the same spec gives the same points, byte for byte, whatever range or filter is asked
 * (counters are always integrated from the start of the run), on any JVM: noise is integer hashing and the
 * few transcendental functions are {@link StrictMath}'s. Instances are immutable; each run builds its own
 * state, so runs may proceed concurrently.
 */
public final class SyntheticSite {
    private final SiteSpec spec;
    private final Planner.Plan plan;
    private final List<Label> labels;

    public SyntheticSite(SiteSpec spec) {
        this.spec = spec;
        this.plan = new Planner(spec).plan();
        this.labels = List.copyOf(measureExcess(plan.labels()));
    }

    public SiteSpec spec() {
        return spec;
    }

    /** Every labelled event, mining and benign, sorted by start. */
    public List<Label> labels() {
        return labels;
    }

    public List<Label> miningLabels() {
        return labels.stream().filter(Label::mining).toList();
    }

    public long startMs() {
        return spec.startMs();
    }

    public long endMs() {
        return spec.endMs();
    }

    public long stepMs() {
        return spec.stepMs();
    }

    public double hostDays() {
        return spec.hostDays();
    }

    /** Streams every point of the run. */
    public void run(Consumer<SitePoint> out) {
        run(Long.MIN_VALUE, Long.MAX_VALUE, null, out);
    }

    /** Streams the points with timestamps in {@code [fromMs, toMs)}; steps before are simulated, not built. */
    public void run(long fromMs, long toMs, Consumer<SitePoint> out) {
        run(fromMs, toMs, null, out);
    }

    /**
     * Streams the points in {@code [fromMs, toMs)} whose measurement is in {@code measurements} (null or empty:
     * all). Cost: simulating every step up to {@code toMs} (cheap, no allocation) plus building the points
     * asked for (the dominant cost of a full run).
     */
    public void run(long fromMs, long toMs, Set<String> measurements, Consumer<SitePoint> out) {
        simulate(fromMs, toMs, new Emitter(out, measurements));
    }

    /** How many points {@link #run(Consumer)} streams, without building them. */
    public long count() {
        return count(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    public long count(long fromMs, long toMs) {
        Emitter e = new Emitter(null, null);
        simulate(fromMs, toMs, e);
        return e.count;
    }

    private void simulate(long fromMs, long toMs, Emitter e) {
        List<RoomSim> rooms = build();
        SiteClock clock = new SiteClock(spec);
        long start = spec.startMs();
        long stepMs = spec.stepMs();
        double stepSeconds = stepMs / 1000.0;
        long evidenceEvery = Math.max(1, 300_000 / stepMs);
        long steps = spec.steps();
        boolean lean = spec.lean();
        for (long step = 0; step < steps; step++) {
            long t = start + step * stepMs;
            if (t >= toMs) break;
            boolean emit = t >= fromMs;
            clock.at(step);
            for (int i = 0; i < rooms.size(); i++) {
                RoomSim room = rooms.get(i);
                for (int j = 0; j < room.racks.size(); j++) {
                    RackSim rack = room.racks.get(j);
                    for (int k = 0; k < rack.hosts.size(); k++) {
                        HostSim h = rack.hosts.get(k);
                        h.evaluate(step, clock, h.events.advance(step), null);
                        h.accumulate(stepSeconds);
                        if (emit && !h.dropout) rack.hostPoints.get(k).emitAgent(step, t, e, lean, evidenceEvery);
                    }
                    rack.evaluate(step);
                    rack.accumulate(stepSeconds);
                    if (emit && !rack.dropout) rack.emitMeters(t, e);
                }
                room.evaluate(step);
                room.accumulate(stepSeconds);
                if (emit) room.emit(t, e);
            }
        }
    }

    private List<RoomSim> build() {
        long seed = spec.seed();
        List<RoomSim> rooms = new ArrayList<>();
        for (RoomSpec room : spec.rooms()) {
            List<RackSim> racks = new ArrayList<>();
            for (RackSpec rack : room.racks()) {
                List<HostSim> hosts = new ArrayList<>();
                List<HostPoints> points = new ArrayList<>();
                for (HostSpec h : rack.hosts()) {
                    HostSim sim = new HostSim(
                            seed,
                            spec.stepMs(),
                            spec.telemetry(),
                            h,
                            plan.hostEvents().get(h.name()));
                    hosts.add(sim);
                    points.add(new HostPoints(spec.site(), sim));
                }
                racks.add(new RackSim(
                        seed,
                        spec.site(),
                        rack,
                        hosts,
                        points,
                        plan.rackEvents().get(rack.name())));
            }
            rooms.add(new RoomSim(
                    seed, spec.site(), room, racks, plan.roomEvents().get(room.name())));
        }
        return rooms;
    }

    /**
     * Fills in the true excess of mining episodes, benign spikes and outlet bursts: the mean over the episode of the outlet
     * (or, for a rig, the spare outlet) with the episode minus the same step without it; same noise, same
     * business, so this is what the episode alone added.
     */
    private List<Label> measureExcess(List<Label> planned) {
        Map<String, HostSpec> hosts = new HashMap<>();
        for (HostSpec h : spec.hosts()) hosts.put(h.name(), h);
        SiteClock clock = new SiteClock(spec);
        List<Label> out = new ArrayList<>(planned.size());
        for (Label l : planned) {
            if (!Double.isNaN(l.excessW())) {
                out.add(l);
                continue;
            }
            Event ev = plan.eventOfLabel().get(l.id());
            double sum = 0;
            if (ev.kind() == Kind.ROGUE_RIG) {
                long key = Noise.combine(spec.seed(), Noise.hash("rack:" + l.entity()));
                for (long s = ev.start(); s < ev.end(); s++) sum += RackSim.rigW(key, s, ev);
            } else {
                // A GPU-level label's entity is HOST:INDEX; its excess is the host outlet's all the same.
                String host = "gpu".equals(l.level())
                        ? l.entity().substring(0, l.entity().lastIndexOf(':'))
                        : l.entity();
                HostSim sim = new HostSim(
                        spec.seed(),
                        spec.stepMs(),
                        spec.telemetry(),
                        hosts.get(host),
                        plan.hostEvents().get(host));
                for (long s = ev.start(); s < ev.end(); s++) {
                    List<Event> active = sim.events.advance(s);
                    clock.at(s);
                    sim.evaluate(s, clock, active, null);
                    double with = sim.outletW;
                    sim.evaluate(s, clock, active, ev);
                    sum += with - sim.outletW;
                }
            }
            double excess = Math.round(sum / Math.max(1, ev.end() - ev.start()) * 10) / 10.0;
            out.add(new Label(l.id(), l.scenario(), l.level(), l.entity(), l.startMs(), l.endMs(), excess, l.mining()));
        }
        return out;
    }
}
