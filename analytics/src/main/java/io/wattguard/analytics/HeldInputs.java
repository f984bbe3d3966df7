package io.wattguard.analytics;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The inputs held across dropouts: each meter's last reading, each host's last reported load, and the business
 * feeds ({@link BusinessFeeds}). A reading stands in for missing ones for {@code holdMs}.
 */
final class HeldInputs {
    /** A reading and when it was taken: a reading stands in for missing ones for {@code holdMs}. */
    record Held<T>(T value, long timeMs) {}

    /** What a host reported about its own load in one step. */
    record HostLoad(
            int gpus,
            double gpuUtil,
            double gpuMemUtil,
            double gpuW,
            double gpuLimitW,
            double cpuUtil,
            double cpuW,
            String model,
            String rack,
            String room,
            Frame.HostAgg agg) {}

    private final long holdMs;
    private final Map<String, Held<Frame.MeterAgg>> meters = new TreeMap<>();
    private final Map<String, Held<HostLoad>> loads = new HashMap<>();
    /** Business load per source, each held at its own cadence. */
    private final BusinessFeeds business;

    HeldInputs(long holdMs) {
        this.holdMs = holdMs;
        this.business = new BusinessFeeds(holdMs);
    }

    void remember(Frame f) {
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
                    business.report(s.getKey(), b.getKey(), v, t, s.getValue().newestMs);
                }
            }
        }
        business.finish(t);
    }

    <T> T fresh(Held<T> h, long t) {
        return h == null || t - h.timeMs() > holdMs ? null : h.value();
    }

    /** Every meter's last reading, in key order; stale ones too. */
    Map<String, Held<Frame.MeterAgg>> meters() {
        return meters;
    }

    /** The host's last reported load, however old; null when it never reported. */
    Held<HostLoad> heldLoad(String host) {
        return loads.get(host);
    }

    /** The host's load, null when its agent has been silent for longer than {@code holdMs}. */
    HostLoad load(String host, long t) {
        return fresh(loads.get(host), t);
    }

    /** The host a meter feeds, null when none or unknown. */
    String meterHost(String key) {
        Held<Frame.MeterAgg> m = meters.get(key);
        return m == null ? null : m.value().host;
    }

    BusinessFeeds business() {
        return business;
    }

    /**
     * The largest business load its sources report fresh for the host or its rack, each held at its own
     * cadence ({@link BusinessFeeds}); 0 where no source claims it; NaN where a silent source covered it.
     */
    double businessOf(Entity e, long t) {
        return business.load(e.businessKey, e.rackBusinessKey(), t);
    }

    private static HostLoad load(Frame.HostAgg a) {
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
        return new HostLoad(
                a.gpus.size(),
                util,
                mem,
                power ? gpuW : Double.NaN,
                limit,
                Double.isNaN(cpu) ? 0 : cpu / 100,
                a.cpuPower.get(),
                model,
                a.rack,
                a.room,
                a);
    }

    static double nz(double v) {
        return Double.isNaN(v) ? 0 : v;
    }
}
