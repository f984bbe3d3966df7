package io.wattguard.simulator.site;

import io.wattguard.simulator.site.Event.Kind;
import io.wattguard.simulator.site.SiteSpec.RackSpec;
import java.util.List;
import java.util.SortedMap;

/**
 * A rack's PDU: its host outlets (read from the hosts), the spare outlet where a rogue rig may be plugged in,
 * and the inlet, which is the outlets' sum plus the PDU's own 10-20 W and a little metering noise, never below
 * the sum. Its points are missing during a PDU dropout; a PDU counter reset zeroes all its energy counters.
 */
final class RackSim {
    final RackSpec rack;
    final List<HostSim> hosts;
    final List<HostPoints> hostPoints;
    private final long key;
    private final double overheadW;
    private final EventCursor cursor;
    private final SortedMap<String, String> spareTags;
    private final SortedMap<String, String> inletTags;

    double spareW;
    double inletW;
    double spareKwh;
    double inletKwh;
    boolean dropout;
    private boolean reset;

    RackSim(
            long seed,
            String site,
            RackSpec rack,
            List<HostSim> hosts,
            List<HostPoints> hostPoints,
            List<Event> events) {
        this.rack = rack;
        this.hosts = hosts;
        this.hostPoints = hostPoints;
        this.key = Noise.combine(seed, Noise.hash("rack:" + rack.name()));
        this.overheadW = 10 + 10 * Noise.uniform(key, 0, 1);
        this.cursor = new EventCursor(events);
        this.spareKwh = Noise.uniform(key, 0, 2) * 20;
        this.inletKwh = 1000 + 20_000 * Noise.uniform(key, 0, 3);
        String dev = "pdu-" + rack.name();
        spareTags = Emitter.tags(
                "device",
                dev,
                "channel",
                Integer.toString(rack.spareOutlet()),
                "kind",
                "outlet",
                "rack",
                rack.name(),
                "room",
                rack.room(),
                "site",
                site);
        inletTags = Emitter.tags(
                "device",
                dev,
                "channel",
                "inlet", // as the generic-pdu profile names it, so a live poll of the same PDU continues the series
                "kind",
                "inlet",
                "rack",
                rack.name(),
                "room",
                rack.room(),
                "site",
                site);
    }

    /** Watts a rig draws at a step: its set draw with a slow +-2% wander (fans, temperature). */
    static double rigW(long key, long step, Event rig) {
        return rig.amount() * (1 + 0.02 * Noise.smooth(key, step, 11, 30) + 0.004 * Noise.gauss(key, step, 12));
    }

    /** Computes the spare outlet and the inlet from the hosts' outlets already evaluated for this step. */
    void evaluate(long step) {
        dropout = false;
        reset = false;
        spareW = 0;
        for (Event e : cursor.advance(step)) {
            if (e.kind() == Kind.ROGUE_RIG) spareW = rigW(key, step, e);
            else if (e.kind() == Kind.PDU_DROPOUT) dropout = true;
            else if (e.kind() == Kind.PDU_RESET) reset = step == e.start();
        }
        double sum = spareW;
        for (HostSim h : hosts) sum += Emitter.r1(h.outletW);
        inletW = sum + Math.max(2, overheadW + 1.0 * Noise.gauss(key, step, 13));
    }

    void accumulate(double stepSeconds) {
        if (reset) {
            spareKwh = 0;
            inletKwh = 0;
            for (HostSim h : hosts) h.outletKwh = 0;
        }
        spareKwh += spareW * stepSeconds / 3.6e6;
        inletKwh += inletW * stepSeconds / 3.6e6;
    }

    void emitMeters(long t, Emitter e) {
        for (HostPoints hp : hostPoints) hp.emitOutlet(t, e);
        if (e.take("meter"))
            e.accept(
                    "meter",
                    spareTags,
                    new FieldMap(HostPoints.METER_FIELDS, Emitter.r1(spareW), Math.round(spareKwh * 10_000) / 10_000.0),
                    t);
        if (e.take("meter"))
            e.accept(
                    "meter",
                    inletTags,
                    new FieldMap(HostPoints.METER_FIELDS, Emitter.r1(inletW), Math.round(inletKwh * 10_000) / 10_000.0),
                    t);
    }
}
