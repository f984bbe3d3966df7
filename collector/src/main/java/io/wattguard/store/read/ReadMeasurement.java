package io.wattguard.store.read;

import io.wattguard.analytics.Readings;
import io.wattguard.analytics.Readings.BusinessLoadReading;
import io.wattguard.analytics.Readings.EvidenceReading;
import io.wattguard.analytics.Readings.GpuReading;
import io.wattguard.analytics.Readings.HostReading;
import io.wattguard.analytics.Readings.MeterReading;
import io.wattguard.analytics.Readings.ProcessReading;
import io.wattguard.store.Schema;
import io.wattguard.store.Schema.BusinessLoad;
import io.wattguard.store.Schema.Evidence;
import io.wattguard.store.Schema.Gpu;
import io.wattguard.store.Schema.GpuProcess;
import io.wattguard.store.Schema.Host;
import io.wattguard.store.Schema.Meter;
import java.util.List;

/**
 * One measurement the analysis reads: the fields and tags asked for, and how a decoded row becomes a
 * {@link Readings} call. Columns are taken by their {@link Schema} names, so the query and the replay cannot
 * disagree on which position holds what.
 */
record ReadMeasurement(String name, List<String> fields, List<String> tags, Replay replay) {
    @FunctionalInterface
    interface Replay {
        void row(ResultTable t, int r, Readings out);
    }

    /** Every measurement the analysis reads, in the order they are queried. */
    static final List<ReadMeasurement> ANALYSIS = List.of(
            new ReadMeasurement(
                    Gpu.NAME,
                    List.of(Gpu.UTIL_PCT, Gpu.MEM_UTIL_PCT, Gpu.POWER_W, Gpu.POWER_LIMIT_W, Gpu.ENERGY_J),
                    List.of(Schema.HOST, Schema.RACK, Schema.ROOM, Gpu.GPU, Gpu.MODEL),
                    (t, r, out) -> out.gpu(new GpuReading(
                            t.time[r],
                            t.tag(r, Schema.HOST),
                            t.tag(r, Schema.RACK),
                            t.tag(r, Schema.ROOM),
                            t.tag(r, Gpu.GPU),
                            t.tag(r, Gpu.MODEL),
                            t.d(r, Gpu.UTIL_PCT),
                            t.d(r, Gpu.MEM_UTIL_PCT),
                            t.d(r, Gpu.POWER_W),
                            t.d(r, Gpu.POWER_LIMIT_W),
                            t.d(r, Gpu.ENERGY_J)))),
            new ReadMeasurement(
                    Host.NAME,
                    List.of(Host.CPU_UTIL_PCT, Host.CPU_POWER_W),
                    List.of(Schema.HOST, Schema.RACK, Schema.ROOM),
                    (t, r, out) -> out.host(new HostReading(
                            t.time[r],
                            t.tag(r, Schema.HOST),
                            t.tag(r, Schema.RACK),
                            t.tag(r, Schema.ROOM),
                            t.d(r, Host.CPU_UTIL_PCT),
                            t.d(r, Host.CPU_POWER_W)))),
            new ReadMeasurement(
                    Meter.NAME,
                    List.of(Meter.POWER_W, Meter.ENERGY_KWH),
                    List.of(Meter.DEVICE, Meter.CHANNEL, Meter.KIND, Schema.HOST, Schema.RACK, Schema.ROOM),
                    (t, r, out) -> out.meter(new MeterReading(
                            t.time[r],
                            t.tag(r, Meter.DEVICE),
                            t.tag(r, Meter.CHANNEL),
                            t.tag(r, Meter.KIND),
                            t.tag(r, Schema.HOST),
                            t.tag(r, Schema.RACK),
                            t.tag(r, Schema.ROOM),
                            t.d(r, Meter.POWER_W),
                            t.d(r, Meter.ENERGY_KWH)))),
            new ReadMeasurement(
                    BusinessLoad.NAME,
                    List.of(BusinessLoad.VALUE),
                    List.of(BusinessLoad.ENTITY, BusinessLoad.LEVEL, BusinessLoad.SOURCE),
                    (t, r, out) -> out.businessLoad(new BusinessLoadReading(
                            t.time[r],
                            t.tag(r, BusinessLoad.ENTITY),
                            t.tag(r, BusinessLoad.LEVEL),
                            t.tag(r, BusinessLoad.SOURCE),
                            t.d(r, BusinessLoad.VALUE)))),
            new ReadMeasurement(
                    Evidence.NAME,
                    List.of(Evidence.PID, Evidence.DETAIL, Evidence.SCORE),
                    List.of(Schema.HOST, Evidence.KIND, Evidence.PROCESS),
                    (t, r, out) -> out.evidence(new EvidenceReading(
                            t.time[r],
                            t.tag(r, Schema.HOST),
                            t.tag(r, Evidence.KIND),
                            t.tag(r, Evidence.PROCESS),
                            (long) t.d(r, Evidence.PID),
                            t.s(r, Evidence.DETAIL),
                            t.d(r, Evidence.SCORE)))),
            new ReadMeasurement(
                    GpuProcess.NAME,
                    List.of(
                            GpuProcess.PID,
                            GpuProcess.SM_UTIL_PCT,
                            GpuProcess.BUSINESS,
                            GpuProcess.USER,
                            GpuProcess.CONTAINER),
                    List.of(Schema.HOST, GpuProcess.GPU, GpuProcess.PROCESS),
                    (t, r, out) -> out.process(new ProcessReading(
                            t.time[r],
                            t.tag(r, Schema.HOST),
                            t.tag(r, GpuProcess.GPU),
                            t.tag(r, GpuProcess.PROCESS),
                            (long) t.d(r, GpuProcess.PID),
                            t.d(r, GpuProcess.SM_UTIL_PCT),
                            t.bool(r, GpuProcess.BUSINESS),
                            t.s(r, GpuProcess.USER),
                            t.s(r, GpuProcess.CONTAINER)))));
}
