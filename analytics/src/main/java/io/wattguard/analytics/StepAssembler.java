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
            f = last == null
                    ? new Frame(start, 0, 0, 0)
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
    public void gpu(Readings.GpuReading r) {
        Frame f = frame(r.timeMs());
        if (f == null || r.host() == null) {
            return;
        }
        Frame.HostAgg h = place(f.host(r.host()), r.rack(), r.room());
        Frame.GpuAgg g = h.gpus.computeIfAbsent(r.gpu() == null ? "0" : r.gpu(), k -> new Frame.GpuAgg());
        if (r.model() != null) {
            g.model = r.model();
        }
        g.util.add(r.utilPct());
        g.memUtil.add(r.memUtilPct());
        g.power.add(r.timeMs(), r.powerW());
        if (!Double.isNaN(r.powerLimitW())) {
            g.limit = r.powerLimitW();
        }
        g.energy.add(r.timeMs(), r.energyJ());
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
    public void host(Readings.HostReading r) {
        Frame f = frame(r.timeMs());
        if (f == null || r.host() == null) {
            return;
        }
        Frame.HostAgg h = place(f.host(r.host()), r.rack(), r.room());
        h.cpuUtil.add(r.cpuUtilPct());
        h.cpuPower.add(r.timeMs(), r.cpuPowerW());
    }

    @Override
    public void meter(Readings.MeterReading r) {
        Frame f = frame(r.timeMs());
        if (f == null || r.device() == null) {
            return;
        }
        String channel = r.channel() == null ? "total" : r.channel();
        String key = r.device() + "/" + channel;
        Frame.MeterAgg m = f.meters.get(key);
        if (m == null) {
            m = new Frame.MeterAgg();
            m.device = r.device();
            m.channel = channel;
            f.meters.put(key, m);
        }
        if (r.kind() != null) {
            m.kind = r.kind();
        }
        if (r.host() != null) {
            m.host = r.host();
        }
        if (r.rack() != null) {
            m.rack = r.rack();
        }
        if (r.room() != null) {
            m.room = r.room();
        }
        m.power.add(r.timeMs(), r.powerW());
        m.energy.add(r.timeMs(), r.energyKwh());
    }

    @Override
    public void businessLoad(Readings.BusinessLoadReading r) {
        Frame f = frame(r.timeMs());
        if (f == null || r.entity() == null || Double.isNaN(r.value())) {
            return;
        }
        Map<String, Frame.Mean> bySource = f.business.computeIfAbsent(
                (r.level() == null ? "host" : r.level()) + "/" + r.entity(), k -> Frame.newSources());
        bySource.computeIfAbsent(r.source() == null ? "" : r.source(), k -> new Frame.Mean())
                .add(r.timeMs(), Math.max(0, Math.min(1, r.value())));
    }

    @Override
    public void evidence(Readings.EvidenceReading r) {
        Frame f = frame(r.timeMs());
        if (f != null && r.host() != null && r.kind() != null) {
            Frame.addTo(
                    f.evidence,
                    r.host(),
                    new Frame.Finding(r.kind(), r.process(), r.pid(), r.detail(), r.score()),
                    CAP);
        }
    }

    @Override
    public void process(Readings.ProcessReading r) {
        Frame f = frame(r.timeMs());
        if (f != null && r.host() != null) {
            Frame.addTo(
                    f.processes,
                    r.host(),
                    new Frame.Proc(r.gpu(), r.process(), r.pid(), r.smUtilPct(), r.business(), r.user(), r.container()),
                    CAP);
        }
    }
}
