package io.wattguard.analytics;

import io.wattguard.analytics.Analyzer.RackPlace;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The energy balance, {@code unaccounted_power}: a rack's inlet watts (or all its outlets) against the watts of
 * the outlets that feed known hosts, through a fitted supply-loss line: what remains is hardware nobody
 * declared. A room: its meter against its racks, the same way. A sum with a silent part is no balance.
 */
final class EnergyBalance {
    /** A rack's balance floor is at least this share of its nameplate: a PDU's own accuracy is about 1%. */
    private static final double BALANCE_FLOOR_SHARE = 0.01;
    /** Racks and rooms are fitted each on its own ({@link Entity#ownModel}): none belongs to a group. */
    private static final Function<String, LoadModel> NO_GROUP_MODELS = group -> null;

    private final AnalysisSettings settings;
    private final Map<String, RackPlace> declaredRacks;
    private final HeldInputs inputs;
    private final Map<String, Entity> hosts;
    private final Explainer explainer;
    private final Entity.Detect detect;
    private final Map<String, Entity> racks = new TreeMap<>();
    private final Map<String, Entity> rooms = new TreeMap<>();
    private final Map<String, Entity> racksView = Collections.unmodifiableMap(racks);
    private final Map<String, Entity> roomsView = Collections.unmodifiableMap(rooms);

    /** {@code hosts}: the hosts under analysis, for the rack and room their outlets and meters belong to. */
    EnergyBalance(
            AnalysisSettings settings,
            Map<String, RackPlace> declaredRacks,
            HeldInputs inputs,
            Map<String, Entity> hosts,
            Explainer explainer,
            Entity.Detect detect) {
        this.settings = settings;
        this.declaredRacks = declaredRacks;
        this.inputs = inputs;
        this.hosts = hosts;
        this.explainer = explainer;
        this.detect = detect;
    }

    /** The racks under balance, by name (read-only). */
    Map<String, Entity> racks() {
        return racksView;
    }

    /** The rooms under balance, by name (read-only). */
    Map<String, Entity> rooms() {
        return roomsView;
    }

    /** The racks, then the rooms. */
    List<Entity> entities() {
        List<Entity> l = new ArrayList<>(racks.values());
        l.addAll(rooms.values());
        return l;
    }

    private Entity balance(Map<String, Entity> map, String name, String level) {
        return map.computeIfAbsent(name, n -> {
            Entity e = new Entity(n, level, "unaccounted_power", 1, settings.weeks(), NO_GROUP_MODELS);
            RackPlace p = "rack".equals(level) ? declaredRacks.get(n) : null;
            if (p != null) {
                e.room = p.room();
                e.nameplateW = p.nameplateW();
            }
            return e;
        });
    }

    /** One step of every rack and room that has a meter of its own. */
    void step(long t, int how) {
        Map<String, double[]> total = new TreeMap<>(); // rack -> {inlets, host outlets, other outlets}
        Map<String, Map<String, Double>> inletKwh = new TreeMap<>();
        Map<String, double[]> roomMeter = new TreeMap<>();
        Map<String, List<Frame.MeterAgg>> orphans = new TreeMap<>();
        Map<String, List<String>> present = new TreeMap<>(); // rack or room -> meters read this step
        // rack or room -> the meters of its whole supply (rack inlets, room meters), by key
        Map<String, Map<String, HeldInputs.Held<Frame.MeterAgg>>> wholeRack = new TreeMap<>();
        Map<String, Map<String, HeldInputs.Held<Frame.MeterAgg>>> wholeRoom = new TreeMap<>();
        for (Map.Entry<String, HeldInputs.Held<Frame.MeterAgg>> m :
                inputs.meters().entrySet()) {
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
                balance(racks, rack, "rack").inletMetered = true;
                wholeRack.computeIfAbsent(rack, k -> new TreeMap<>()).put(m.getKey(), m.getValue());
                continue;
            } else if (rack != null) {
                total.computeIfAbsent(rack, k -> new double[3])[2] += w;
                orphans.computeIfAbsent(rack, k -> new ArrayList<>()).add(a);
            } else if (a.room != null) {
                wholeRoom.computeIfAbsent(a.room, k -> new TreeMap<>()).put(m.getKey(), m.getValue());
                continue;
            } else {
                continue;
            }
            if (rack != null) {
                present.computeIfAbsent("rack/" + rack, k -> new ArrayList<>()).add(m.getKey());
            }
        }
        for (Map.Entry<String, Map<String, HeldInputs.Held<Frame.MeterAgg>>> r : wholeRack.entrySet()) {
            String rack = r.getKey();
            for (Map.Entry<String, HeldInputs.Held<Frame.MeterAgg>> m :
                    unreplaced(balance(racks, rack, "rack"), r.getValue(), t)) {
                Frame.MeterAgg a = m.getValue().value();
                total.computeIfAbsent(rack, k -> new double[3])[0] += a.power.get();
                if (!Double.isNaN(a.energy.v) && m.getValue().timeMs() == t) {
                    inletKwh.computeIfAbsent(rack, k -> new TreeMap<>()).put(m.getKey(), a.energy.v);
                }
                present.computeIfAbsent("rack/" + rack, k -> new ArrayList<>()).add(m.getKey());
            }
        }
        for (Map.Entry<String, Map<String, HeldInputs.Held<Frame.MeterAgg>>> r : wholeRoom.entrySet()) {
            String room = r.getKey();
            for (Map.Entry<String, HeldInputs.Held<Frame.MeterAgg>> m :
                    unreplaced(balance(rooms, room, "room"), r.getValue(), t)) {
                roomMeter.computeIfAbsent(room, k -> new double[1])[0] +=
                        m.getValue().value().power.get();
                present.computeIfAbsent("room/" + room, k -> new ArrayList<>()).add(m.getKey());
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
            if (!e.complete(present.get("rack/" + r.getKey()), t)) {
                continue; // a meter of the rack is silent: a sum without it is not a balance
            }
            double rackW = e.inletMetered ? v[0] : v[1] + v[2];
            if (e.room != null) {
                roomRacks.computeIfAbsent(e.room, k -> new double[1])[0] += rackW;
                present.computeIfAbsent("room/" + e.room, k -> new ArrayList<>())
                        .add("rack/" + r.getKey());
            }
            balanceEntity(
                    e,
                    t,
                    how,
                    rackW,
                    v[1],
                    e.inletMetered ? e.counterKwh(inletKwh.get(r.getKey()), settings) : Double.NaN,
                    orphans.getOrDefault(r.getKey(), List.of()));
        }
        for (Map.Entry<String, double[]> r : roomMeter.entrySet()) {
            double[] racksW = roomRacks.get(r.getKey());
            Entity e = balance(rooms, r.getKey(), "room");
            if (racksW != null && e.complete(present.get("room/" + r.getKey()), t)) {
                balanceEntity(e, t, how, r.getValue()[0], racksW[0], Double.NaN, List.of());
            }
        }
    }

    /**
     * The meters of a rack's or room's whole supply that still measure it. A meter read for the first time while
     * another of the same supply is silent (held from an earlier step) measures that supply in its place: a PDU
     * replaced, a channel renamed, the meter moved to another collector. Held beside it, the silent one would
     * count the supply twice for its hold, then leave the balance without a verdict until it is taken as
     * removed, a day later. So the silent ones leave the balance at once, their held reading with them; one that
     * reports again rejoins it.
     * A genuinely new feed (a B feed added) that appears while the old one has a dropout costs the balance
     * that feed's watts until it reports again: an under-count, no false alarm.
     */
    private static List<Map.Entry<String, HeldInputs.Held<Frame.MeterAgg>>> unreplaced(
            Entity e, Map<String, HeldInputs.Held<Frame.MeterAgg>> meters, long t) {
        boolean newcomer = false;
        for (Map.Entry<String, HeldInputs.Held<Frame.MeterAgg>> m : meters.entrySet()) {
            newcomer |= m.getValue().timeMs() == t && !e.parts.containsKey(m.getKey());
        }
        e.replaced.keySet().retainAll(meters.keySet());
        List<Map.Entry<String, HeldInputs.Held<Frame.MeterAgg>>> l = new ArrayList<>(meters.size());
        for (Map.Entry<String, HeldInputs.Held<Frame.MeterAgg>> m : meters.entrySet()) {
            long read = m.getValue().timeMs();
            if (newcomer && read != t) {
                e.replaced.put(m.getKey(), read);
                e.parts.remove(m.getKey());
            } else if (!Long.valueOf(read).equals(e.replaced.get(m.getKey()))) {
                e.replaced.remove(m.getKey());
                l.add(m);
            }
        }
        return l;
    }

    private String roomOf(String rack) {
        for (Entity h : hosts.values()) {
            if (rack.equals(h.rack) && h.room != null) {
                return h.room;
            }
        }
        return null;
    }

    private void balanceEntity(
            Entity e,
            long t,
            int how,
            double actualW,
            double explainedW,
            double counterKwh,
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
        detect.detect(e, null, t, t, actualW - e.expected, floor, true, Long.MAX_VALUE);
        explainer.detected(e, null, t, actualW - e.expected, 0);
        if (e.track != null && e.track == before || e.track != null && before == null) {
            for (Frame.MeterAgg o : orphanOutlets) {
                e.track.collected.outlet(o.device, o.channel, o.power.get(), null);
            }
        }
    }
}
