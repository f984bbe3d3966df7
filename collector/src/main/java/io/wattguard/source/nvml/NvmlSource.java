package io.wattguard.source.nvml;

import io.wattguard.core.Emitter;
import io.wattguard.core.Sample;
import io.wattguard.core.Source;
import io.wattguard.core.SourceSpec;
import io.wattguard.nvml.EnergyCounter;
import io.wattguard.nvml.GpuDevice;
import io.wattguard.nvml.GpuInfo;
import io.wattguard.nvml.GpuLostException;
import io.wattguard.nvml.GpuProcess;
import io.wattguard.nvml.GpuSnapshot;
import io.wattguard.nvml.LoadOptions;
import io.wattguard.nvml.Nvml;
import io.wattguard.source.business.BusinessLoad;
import io.wattguard.store.Schema;
import io.wattguard.store.Schema.Gpu;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every GPU NVML lists at each poll into a {@code gpu} point, its MIG devices into {@code gpu} points tagged
 * {@code mig}, and its processes into {@code gpu_process} points resolved through {@code /proc}. A lost GPU is an
 * error on that GPU only: its points stop, the others carry on, and it is read again once NVML answers for it.
 * With an allowlist, each process point says whether it is business, and each poll writes the host's
 * {@code business_load}: the share of its GPU capacity that business processes explain.
 */
final class NvmlSource implements Source {
    private static final Logger log = LoggerFactory.getLogger(NvmlSource.class);
    /** The process tag of a pid NVML lists but /proc does not show: another pid namespace, or a hidden process. */
    static final String NOT_IN_PROC = "(not in /proc)";

    private final SourceSpec.Common common;
    private final NvmlConfig config;
    private final SourceSpec.Context ctx;
    private final String host;
    private final ProcessResolver resolver;
    /** By UUID, not index: an index can name another board after a reset or a swap, a UUID cannot. */
    private final Map<String, EnergyCounter> energy = new HashMap<>();

    private Nvml nvml;
    private boolean closed;

    NvmlSource(SourceSpec.Common common, NvmlConfig config, SourceSpec.Context ctx) {
        this.common = common;
        this.config = config;
        this.ctx = ctx;
        this.host = config.host().orElse(ctx.instance());
        this.resolver = new ProcessResolver(config.hostRoot());
    }

    NvmlConfig config() {
        return config;
    }

    @Override
    public String name() {
        return common.name();
    }

    @Override
    public String type() {
        return "nvml";
    }

    @Override
    public Duration interval() {
        return common.interval();
    }

    @Override
    public Duration timeout() {
        return common.timeout();
    }

    static LoadOptions options(NvmlConfig config, java.time.Clock clock) {
        // Lost-GPU retries follow the daemon's clock, so simulated time drives them like everything else.
        LoadOptions o = LoadOptions.defaults()
                .withLostRetryInterval(config.lostRetry())
                .withTicker(() -> clock.millis() * 1_000_000L);
        return config.library().map(o::withLibraryPath).orElse(o);
    }

    /**
     * Loads NVML. Without it this throws the binding's {@link io.wattguard.nvml.NvmlUnavailableException}, whose
     * message says what was tried and what to install; the daemon shows it in /health, logs it once and then every
     * 60th try, and retries at each poll.
     */
    @Override
    public synchronized void start() {
        if (nvml != null || closed) {
            return;
        }
        nvml = Nvml.load(options(config, ctx.clock()));
        log.info(
                "source {}: NVML {} (driver {}) at {}, GPUs: {}",
                common.name(),
                nvml.nvmlVersion(),
                nvml.driverVersion(),
                nvml.libraryFile(),
                nvml.devices().size());
    }

    @Override
    public void poll(Emitter out) {
        Nvml n;
        synchronized (this) {
            if (nvml == null) {
                start();
            }
            n = nvml;
        }
        if (n == null) {
            return; // closed while the scheduler was handing out this poll
        }
        Set<Integer> businessPids = new HashSet<>();
        double explainedPct = 0;
        int gpus = 0;
        for (GpuDevice gpu : n.devices()) {
            try {
                GpuLoad load = pollGpu(gpu, out, businessPids);
                if (load.utilPct().isPresent()) {
                    explainedPct += load.utilPct().getAsInt() * load.businessShare();
                    gpus++;
                }
            } catch (GpuLostException e) {
                out.error("gpu " + gpu.index(), e.getMessage());
            }
        }
        // A GPU without a utilisation reading (lost, or a MIG parent) is left out of both sides rather than counted
        // as idle capacity, which would make the business look smaller than it is. Without an allowlist nothing is
        // known about the business, and a 0 would read as "nothing explains this power": no point at all.
        if (config.allowlist().configured() && gpus > 0) {
            out.emit(BusinessLoad.point(
                            host,
                            BusinessLoad.Level.HOST,
                            "allowlist",
                            BusinessLoad.clamp01(explainedPct / (100.0 * gpus)),
                            businessPids.size(),
                            out.tickMs())
                    .withDefaultTags(common.tags()));
        }
    }

    /** One GPU's part of the host's business load: its utilisation and the share of it business processes explain. */
    private record GpuLoad(OptionalInt utilPct, double businessShare) {}

    private GpuLoad pollGpu(GpuDevice gpu, Emitter out, Set<Integer> businessPids) {
        GpuInfo info = gpu.info();
        GpuSnapshot s = gpu.snapshot();
        emitGpu(out, gpu.index(), info, s, Optional.empty());
        if (config.mig()) {
            for (GpuDevice m : gpu.migDevices()) {
                try {
                    GpuInfo mi = m.info();
                    String mig =
                            MigId.of(mi.gpuInstanceId(), mi.computeInstanceId()).orElse(mi.uuid());
                    emitGpu(out, gpu.index(), mi, m.snapshot(), Optional.of(mig));
                } catch (GpuLostException e) {
                    out.error("gpu " + gpu.index() + " mig", e.getMessage());
                }
            }
        }
        double share = 0;
        if (config.processes()) {
            share = emitProcesses(out, gpu.index(), gpu.processes(), businessPids);
        }
        return new GpuLoad(s.utilizationGpuPct(), share);
    }

    private void emitGpu(Emitter out, int index, GpuInfo info, GpuSnapshot s, Optional<String> mig) {
        Set<String> want = config.fields();
        Sample.Builder b = out.point(Gpu.NAME)
                .tags(common.tags())
                .tag(Schema.HOST, host)
                .tag(Gpu.GPU, Integer.toString(index))
                .tag(Gpu.UUID, info.uuid())
                .tag(Gpu.MODEL, info.name())
                .tag(Gpu.MIG, mig.orElse(null));
        put(b, want, Gpu.UTIL_PCT, s.utilizationGpuPct());
        put(b, want, Gpu.MEM_UTIL_PCT, s.utilizationMemoryPct());
        put(b, want, Gpu.POWER_W, s.powerWatts());
        put(b, want, Gpu.POWER_LIMIT_W, s.powerLimitWatts());
        OptionalLong raw = s.energyMillijoules();
        if (raw.isPresent()) {
            // A board without a UUID (rare, old) is followed by its index rather than not at all.
            String key = info.uuid().isEmpty()
                    ? "index " + index + mig.map(m -> " mig " + m).orElse("")
                    : info.uuid();
            EnergyCounter c = energy.computeIfAbsent(key, u -> new EnergyCounter());
            int resets = c.resets();
            c.update(raw.getAsLong());
            if (c.resets() > resets) {
                log.info(
                        "source {}: GPU {} ({}) energy counter restarted (driver reloaded); energy_j carries on from "
                                + "{} J",
                        common.name(),
                        index,
                        info.uuid(),
                        String.format(java.util.Locale.ROOT, "%.3f", c.cumulativeJoules() - raw.getAsLong() / 1000.0));
            }
            if (want.contains(Gpu.ENERGY_J)) {
                b.field(Gpu.ENERGY_J, c.cumulativeJoules());
            }
        }
        put(b, want, Gpu.TEMP_C, s.temperatureC());
        put(b, want, Gpu.SM_CLOCK_MHZ, s.smClockMhz());
        put(b, want, Gpu.MEM_CLOCK_MHZ, s.memoryClockMhz());
        OptionalLong used = s.memoryUsedBytes();
        if (used.isPresent() && want.contains(Gpu.MEM_USED_BYTES)) {
            // A float like every gauge of the schema; exact for any memory size below 8 PiB.
            b.field(Gpu.MEM_USED_BYTES, (double) used.getAsLong());
        }
        if (s.throttleReasons().isPresent() && want.contains(Gpu.THROTTLE_REASONS)) {
            b.field(Gpu.THROTTLE_REASONS, s.throttleReasons().getAsLong());
        }
        if (s.processCount().isPresent() && want.contains(Gpu.PROCESSES)) {
            b.field(Gpu.PROCESSES, (long) s.processCount().getAsInt());
        }
        if (b.hasFields()) {
            out.emit(b.build());
        }
    }

    private static void put(Sample.Builder b, Set<String> want, String field, OptionalInt v) {
        if (v.isPresent() && want.contains(field)) {
            b.field(field, (double) v.getAsInt());
        }
    }

    private static void put(Sample.Builder b, Set<String> want, String field, OptionalDouble v) {
        if (v.isPresent() && want.contains(field)) {
            b.field(field, v.getAsDouble());
        }
    }

    /** Writes the processes of one GPU and returns the share (0..1) of its utilisation that the business explains. */
    private double emitProcesses(Emitter out, int index, List<GpuProcess> processes, Set<Integer> businessPids) {
        Allowlist allowlist = config.allowlist();
        long smAll = 0;
        long smBusiness = 0;
        boolean anySm = false;
        boolean allBusiness = !processes.isEmpty();
        record Row(GpuProcess p, Optional<ProcessResolver.ProcessInfo> info, String name, Optional<String> mig) {}
        List<Row> rows = new ArrayList<>();
        for (GpuProcess p : processes) {
            Optional<ProcessResolver.ProcessInfo> pi = resolver.resolve(p.pid());
            rows.add(new Row(
                    p,
                    pi,
                    pi.map(ProcessResolver.ProcessInfo::name).orElse(NOT_IN_PROC),
                    MigId.of(p.gpuInstanceId(), p.computeInstanceId())));
        }
        // Points with the same tags and timestamp overwrite each other in InfluxDB, so two processes of one name on
        // one GPU (two python3 jobs) would leave one point. The lowest pid keeps the plain name, so a long-running
        // job keeps its series when another of its name starts; the others are written as NAME#PID.
        rows.sort(Comparator.comparingInt(r -> r.p().pid()));
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (Row r : rows) {
            String key = r.mig().orElse("") + "\u0000" + r.name();
            String process = seen.merge(key, 1, Integer::sum) == 1 ? r.name() : r.name() + "#" + r.p().pid();
            Sample.Builder b = out.point(Schema.GpuProcess.NAME)
                    .tags(common.tags())
                    .tag(Schema.HOST, host)
                    .tag(Schema.GpuProcess.GPU, Integer.toString(index))
                    .tag(Schema.GpuProcess.MIG, r.mig().orElse(null))
                    .tag(Schema.GpuProcess.PROCESS, process)
                    .field(Schema.GpuProcess.PID, (long) r.p().pid());
            if (allowlist.configured()) {
                // A process /proc does not show (hidden, or another pid namespace) is never business, whatever a
                // broad rule such as process: "*" would say of its placeholder name.
                boolean business = r.info().isPresent()
                        && allowlist.business(facts(r.info().get()));
                b.field(Schema.GpuProcess.BUSINESS, business);
                allBusiness &= business;
                if (business) {
                    businessPids.add(r.p().pid());
                }
                if (r.p().smUtilPct().isPresent()) {
                    anySm = true;
                    smAll += r.p().smUtilPct().getAsInt();
                    smBusiness += business ? r.p().smUtilPct().getAsInt() : 0;
                }
            }
            r.p().usedGpuMemoryBytes().ifPresent(m -> b.field(Schema.GpuProcess.MEM_BYTES, m));
            r.p().smUtilPct().ifPresent(u -> b.field(Schema.GpuProcess.SM_UTIL_PCT, (double) u));
            r.info().ifPresent(i -> {
                i.user().ifPresent(u -> b.field(Schema.GpuProcess.USER, u));
                i.container().ifPresent(c -> b.field(Schema.GpuProcess.CONTAINER, c));
                i.exe().ifPresent(e -> b.field(Schema.GpuProcess.EXE, e));
            });
            out.emit(b.build());
        }
        if (anySm && smAll > 0) {
            return (double) smBusiness / smAll; // a process without a sample did not run since the last poll
        }
        // No per-process utilisation (an old driver, or no sample since the last poll): all or nothing.
        return allBusiness ? 1 : 0;
    }

    private Allowlist.Facts facts(ProcessResolver.ProcessInfo i) {
        return new Allowlist.Facts(i.name(), i.user(), i.exe(), i.container(), cgroupPaths(i.pid()));
    }

    /** The paths of /proc/PID/cgroup, so a container rule can also name a pod, slice or runtime by its path. */
    private List<String> cgroupPaths(int pid) {
        try {
            List<String> out = new ArrayList<>();
            for (String line : java.nio.file.Files.readAllLines(resolver.root().resolve("proc/" + pid + "/cgroup"))) {
                int colon = line.indexOf(':', line.indexOf(':') + 1);
                if (colon >= 0) {
                    out.add(line.substring(colon + 1));
                }
            }
            return out;
        } catch (java.io.IOException | RuntimeException e) {
            return List.of(); // gone since it was resolved: its container rule cannot match
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (nvml != null) {
            nvml.close();
            nvml = null;
        }
    }
}
