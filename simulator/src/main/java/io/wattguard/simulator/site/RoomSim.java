package io.wattguard.simulator.site;

import io.wattguard.simulator.site.Event.Kind;
import java.util.List;
import java.util.SortedMap;

/** A room's main meter: the sum of its racks' inlets with 0.2% metering noise; missing during its dropouts. */
final class RoomSim {
    final List<RackSim> racks;
    private final long key;
    private final EventCursor cursor;
    private final SortedMap<String, String> tags;
    double powerW;
    double kwh;
    boolean dropout;

    RoomSim(long seed, String site, SiteSpec.RoomSpec room, List<RackSim> racks, List<Event> events) {
        this.racks = racks;
        this.key = Noise.combine(seed, Noise.hash("room:" + room.name()));
        this.cursor = new EventCursor(events);
        this.kwh = 10_000 + 100_000 * Noise.uniform(key, 0, 1);
        tags = Emitter.tags(
                "device",
                "meter-" + room.name(),
                "channel",
                "total",
                "kind",
                "meter",
                "room",
                room.name(),
                "site",
                site);
    }

    void evaluate(long step) {
        dropout = false;
        for (Event e : cursor.advance(step)) if (e.kind() == Kind.ROOM_DROPOUT) dropout = true;
        double sum = 0;
        for (RackSim r : racks) sum += r.inletW;
        powerW = sum * (1 + 0.002 * Noise.gauss(key, step, 2));
    }

    void accumulate(double stepSeconds) {
        kwh += powerW * stepSeconds / 3.6e6;
    }

    void emit(long t, Emitter e) {
        if (!dropout && e.take("meter"))
            e.accept(
                    "meter",
                    tags,
                    new FieldMap(HostPoints.METER_FIELDS, Emitter.r1(powerW), Math.round(kwh * 10_000) / 10_000.0),
                    t);
    }
}
