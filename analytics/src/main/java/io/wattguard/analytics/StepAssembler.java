package io.wattguard.analytics;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Sorts readings into analysis steps aligned to the epoch ({@code step} ms wide) and hands each finished
 * step to the consumer, in time order. Readings of one step may arrive in any order (the store reader goes
 * measurement by measurement through a time window); {@link #advanceTo} says that nothing earlier than the
 * given time will come, which finishes every step that ends by then. A reading older than a finished step
 * is counted and dropped: the analysis never rewrites the past.
 */
public final class StepAssembler implements Readings {
    private static final int CAP = 32;
    private final long stepMs;
    private final Consumer<Frame> out;
    private final TreeMap<Long, Frame> open = new TreeMap<>();
    private long finishedUntil = Long.MIN_VALUE;
    private long late;
    private Frame last;

    public StepAssembler(long stepMs, Consumer<Frame> out) {
        if (stepMs <= 0) {
            throw new IllegalArgumentException("step must be positive");
        }
        this.stepMs = stepMs;
        this.out = out;
    }

    public long stepMs() {
        return stepMs;
    }

    /** Readings that came after their step had been finished. */
    public long late() {
        return late;
    }

    private Frame frame(long timeMs) {
        if (timeMs < finishedUntil) {
            late++;
            return null;
        }
        long start = Math.floorDiv(timeMs, stepMs) * stepMs;
        Frame f = open.get(start);
        if (f == null) {
            f = last == null ? new Frame(start, 0, 0, 0)
                    : new Frame(start, last.hosts.size(), last.meters.size(), last.business.size());
            last = f;
            open.put(start, f);
        }
        return f;
    }

    /** Finishes every step that ends at or before {@code timeMs}. */
    public void advanceTo(long timeMs) {
        long limit = Math.floorDiv(timeMs, stepMs) * stepMs;
        while (!open.isEmpty() && open.firstKey() + stepMs <= timeMs) {
            out.accept(open.pollFirstEntry().getValue());
        }
        finishedUntil = Math.max(finishedUntil, limit);
    }

    @Override
    public void gpu(long timeMs, String host, String rack, String room, String gpu, String model, double utilPct,
            double memUtilPct, double powerW, double powerLimitW, double energyJ) {
        Frame f = frame(timeMs);
        if (f == null || host == null) {
            return;
        }
        Frame.HostAgg h = place(f.host(host), rack, room);
        Frame.GpuAgg g = h.gpus.computeIfAbsent(gpu == null ? "0" : gpu, k -> new Frame.GpuAgg());
        if (model != null) {
            g.model = model;
        }
        g.util.add(utilPct);
        g.memUtil.add(memUtilPct);
        g.power.add(powerW);
        if (!Double.isNaN(powerLimitW)) {
            g.limit = powerLimitW;
        }
        g.energy.add(timeMs, energyJ);
    }

    private static Frame.HostAgg place(Frame.HostAgg h, String rack, String room) {
        if (rack != null) {
            h.rack = rack;
        }
        if (room != null) {
            h.room = room;
        }
        return h;
    }

    @Override
    public void host(long timeMs, String host, String rack, String room, double cpuUtilPct, double cpuPowerW) {
        Frame f = frame(timeMs);
        if (f == null || host == null) {
            return;
        }
        Frame.HostAgg h = place(f.host(host), rack, room);
        h.cpuUtil.add(cpuUtilPct);
        h.cpuPower.add(cpuPowerW);
    }

    @Override
    public void meter(long timeMs, String device, String channel, String kind, String host, String rack, String room,
            double powerW, double energyKwh) {
        Frame f = frame(timeMs);
        if (f == null || device == null) {
            return;
        }
        String key = device + "/" + (channel == null ? "total" : channel);
        Frame.MeterAgg m = f.meters.get(key);
        if (m == null) {
            m = new Frame.MeterAgg();
            m.device = device;
            m.channel = channel == null ? "total" : channel;
            f.meters.put(key, m);
        }
        if (kind != null) {
            m.kind = kind;
        }
        if (host != null) {
            m.host = host;
        }
        if (rack != null) {
            m.rack = rack;
        }
        if (room != null) {
            m.room = room;
        }
        m.power.add(powerW);
        m.energy.add(timeMs, energyKwh);
    }

    @Override
    public void businessLoad(long timeMs, String entity, String level, String source, double value) {
        Frame f = frame(timeMs);
        if (f == null || entity == null || Double.isNaN(value)) {
            return;
        }
        Map<String, Frame.Mean> bySource = f.business.computeIfAbsent((level == null ? "host" : level) + "/" + entity,
                k -> Frame.newSources());
        bySource.computeIfAbsent(source == null ? "" : source, k -> new Frame.Mean()).add(Math.max(0, Math.min(1, value)));
    }

    @Override
    public void evidence(long timeMs, String host, String kind, String process, long pid, String detail, double score) {
        Frame f = frame(timeMs);
        if (f != null && host != null && kind != null) {
            Frame.addTo(f.evidence, host, new Frame.Finding(kind, process, pid, detail, score), CAP);
        }
    }

    @Override
    public void process(long timeMs, String host, String gpu, String process, long pid, double smUtilPct,
            Boolean business, String user, String container) {
        Frame f = frame(timeMs);
        if (f != null && host != null) {
            Frame.addTo(f.processes, host, new Frame.Proc(gpu, process, pid, smUtilPct, business, user, container), CAP);
        }
    }
}
