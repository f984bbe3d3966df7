package io.wattguard.analytics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything read for one analysis step {@code [timeMs, timeMs + step)}: per host, per meter channel, the
 * business load per entity, and the evidence and GPU processes seen. Values are means over the step;
 * counters keep their last reading. Built by {@link StepAssembler}, read by {@link Analyzer}.
 */
public final class Frame {
    public final long timeMs;
    final Map<String, HostAgg> hosts;
    /** Keyed by {@code device/channel}. */
    final Map<String, MeterAgg> meters;
    /**
     * Keyed by {@code level/entity}: per source the mean. The analysis holds each source at its own cadence
     * ({@link BusinessFeeds}), then the largest fresh source wins.
     */
    final Map<String, Map<String, Mean>> business;

    final Map<String, List<Finding>> evidence = new HashMap<>();
    final Map<String, List<Proc>> processes = new HashMap<>();

    /** Sized like the previous step's frame: a step of a large site has thousands of entries. */
    Frame(long timeMs, int hosts, int meters, int business) {
        this.timeMs = timeMs;
        this.hosts = new HashMap<>(capacity(hosts));
        this.meters = new HashMap<>(capacity(meters));
        this.business = new HashMap<>(capacity(business));
    }

    private static int capacity(int n) {
        return Math.max(16, (int) (n / 0.75f) + 1);
    }

    /** A running mean, and when its newest reading was taken where the caller says. */
    static final class Mean {
        double sum;
        int n;
        long newestMs = Long.MIN_VALUE;

        void add(double v) {
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }

        void add(long timeMs, double v) {
            if (!Double.isNaN(v)) {
                add(v);
                newestMs = Math.max(newestMs, timeMs);
            }
        }

        double get() {
            return n == 0 ? Double.NaN : sum / n;
        }
    }

    /** The newest reading of a counter within the step. */
    static final class Last {
        long t = Long.MIN_VALUE;
        double v = Double.NaN;

        void add(long time, double value) {
            if (!Double.isNaN(value) && time >= t) {
                t = time;
                v = value;
            }
        }
    }

    static final class GpuAgg {
        String model;
        final Mean util = new Mean();
        final Mean memUtil = new Mean();
        final Mean power = new Mean();
        double limit = Double.NaN;
        final Last energy = new Last();
    }

    static final class HostAgg {
        String rack;
        String room;
        final Map<String, GpuAgg> gpus = new HashMap<>();
        final Mean cpuUtil = new Mean();
        final Mean cpuPower = new Mean();
    }

    static final class MeterAgg {
        String device;
        String channel;
        String kind;
        String host;
        String rack;
        String room;
        final Mean power = new Mean();
        final Last energy = new Last();
    }

    record Finding(String kind, String process, long pid, String detail, double score) {}

    /**
     * A GPU process. {@code business} is what the agent's allowlist said, null where the writer had no
     * allowlist: unjudged is not non-business.
     */
    record Proc(
            String gpu, String process, long pid, double smUtilPct, Boolean business, String user, String container) {
        boolean isBusiness() {
            return Boolean.TRUE.equals(business);
        }

        boolean isNonBusiness() {
            return Boolean.FALSE.equals(business);
        }
    }

    static <T> void addTo(Map<String, List<T>> map, String key, T item, int cap) {
        List<T> l = map.computeIfAbsent(key, k -> new ArrayList<>());
        if (l.size() < cap) {
            l.add(item);
        }
    }

    HostAgg host(String name) {
        return hosts.computeIfAbsent(name, k -> new HostAgg());
    }

    static Map<String, Mean> newSources() {
        return new HashMap<>(4);
    }
}
