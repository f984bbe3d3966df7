package io.wattguard.simulator.site;

import io.wattguard.simulator.site.Event.Kind;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;

/**
 * Turns one host's evaluated step into points: gpu, host, business_load, gpu_process and evidence (the host
 * agent's view, missing during a host dropout) and its PDU outlet meter (the PDU's view). Tag maps are built
 * once per series and shared by all its points.
 */
final class HostPoints {
    static final String[] GPU_FIELDS = {"util_pct", "mem_util_pct", "power_w", "power_limit_w", "energy_j", "temp_c"};
    static final String[] HOST_FIELDS = {"cpu_util_pct", "cpu_power_w", "mem_used_pct"};
    /** A host without RAPL: the agent has no package power to report. */
    static final String[] HOST_FIELDS_NO_POWER = {"cpu_util_pct", "mem_used_pct"};

    static final String[] METER_FIELDS = {"power_w", "energy_kwh"};
    static final String[] BUSINESS_FIELDS = {"value", "raw"};
    static final String[] PROCESS_FIELDS = {"pid", "sm_util_pct", "user", "container", "exe", "business"};
    static final String[] EVIDENCE_FIELDS = {"pid", "detail", "score"};
    /** An address from TEST-NET-3 (RFC 5737) on a stratum port: a pool no real network can reach. */
    static final String POOL = "203.0.113.7:3333";

    private final HostSim sim;
    private final String site;
    private final SortedMap<String, String>[] gpuTags;
    private final SortedMap<String, String> hostTags;
    private final SortedMap<String, String> outletTags;
    private final SortedMap<String, String> businessTags;
    private final Map<String, SortedMap<String, String>> processTags = new HashMap<>();
    private final boolean componentPower;
    private final long feedEveryMs;

    @SuppressWarnings("unchecked")
    HostPoints(String site, HostSim sim) {
        this.sim = sim;
        this.site = site;
        SiteSpec.HostSpec h = sim.host;
        gpuTags = new SortedMap[sim.gpus];
        for (int g = 0; g < sim.gpus; g++)
            gpuTags[g] = Emitter.tags(
                    "host",
                    h.name(),
                    "rack",
                    h.rack(),
                    "room",
                    h.room(),
                    "site",
                    site,
                    "gpu",
                    Integer.toString(g),
                    "uuid",
                    uuid(sim.key, g),
                    "model",
                    h.model().gpuModel());
        hostTags = Emitter.tags("host", h.name(), "rack", h.rack(), "room", h.room(), "site", site);
        outletTags = Emitter.tags(
                "device",
                "pdu-" + h.rack(),
                "channel",
                Integer.toString(h.outlet()),
                "kind",
                "outlet",
                "rack",
                h.rack(),
                "room",
                h.room(),
                "host",
                h.name(),
                "site",
                site);
        businessTags =
                Emitter.tags("entity", h.name(), "level", "host", "source", sim.gpus > 0 ? "allowlist" : "scheduler");
        componentPower = h.model().reportsComponentPower();
        feedEveryMs = sim.telemetry.feedCadences() ? sim.traits.feedCadenceMin() * 60_000L : 1;
    }

    /** The host agent's points; the caller skips them during a host dropout. */
    void emitAgent(long step, long t, Emitter e, boolean lean, long evidenceEvery) {
        for (int g = 0; g < sim.gpus; g++) {
            if (e.take("gpu"))
                e.accept(
                        "gpu",
                        gpuTags[g],
                        new FieldMap(
                                GPU_FIELDS,
                                Emitter.r1(sim.util[g] * 100),
                                Emitter.r1(sim.mem[g] * 100),
                                Emitter.r1(sim.power[g]),
                                sim.limitW[g],
                                (double) Math.round(sim.energyJ[g]),
                                Emitter.r1(sim.temp[g])),
                        t);
        }
        if (e.take("host"))
            e.accept(
                    "host",
                    hostTags,
                    componentPower
                            ? new FieldMap(
                                    HOST_FIELDS,
                                    Emitter.r1(sim.cpuUtil * 100),
                                    Emitter.r1(sim.cpuPowerW),
                                    Emitter.r1(sim.memUsedPct))
                            : new FieldMap(
                                    HOST_FIELDS_NO_POWER, Emitter.r1(sim.cpuUtil * 100), Emitter.r1(sim.memUsedPct)),
                    t);
        // The business feed writes at its own cadence (on the wall clock's 1, 5 or 15-minute marks), and nothing
        // while it is stopped.
        if (Math.floorMod(t, feedEveryMs) == 0 && !sim.feedStopped && e.take("business_load"))
            e.accept(
                    "business_load",
                    businessTags,
                    new FieldMap(
                            BUSINESS_FIELDS,
                            Math.round(sim.businessValue * 10_000) / 10_000.0,
                            Emitter.r1(sim.businessRaw)),
                    t);
        if (!lean && sim.gpus > 0) emitProcesses(t, e);
        if (sim.miner != null
                && sim.miner.kind() == Kind.CONTAINER_MINER
                && step % evidenceEvery == 0
                && e.take("evidence")) {
            SortedMap<String, String> tags = processTags.computeIfAbsent(
                    "evidence",
                    k -> Emitter.tags(
                            "host",
                            sim.host.name(),
                            "rack",
                            sim.host.rack(),
                            "room",
                            sim.host.room(),
                            "site",
                            site,
                            "kind",
                            "pool_connection",
                            "process",
                            "python3"));
            e.accept("evidence", tags, new FieldMap(EVIDENCE_FIELDS, minerPid(), POOL, 0.9), t);
        }
    }

    private void emitProcesses(long t, Emitter e) {
        for (int g = 0; g < sim.gpus; g++) {
            double b = sim.businessUtil[g] - (isContainerMiner() ? sim.minerUtil[g] : 0);
            if (b > 0.05 && e.take("gpu_process")) {
                boolean train = sim.training != null;
                String name = train ? "torchrun" : "tritonserver";
                long pid = train ? 10_000 + sim.training.job() % 50_000 : 3_000 + (Noise.mix(sim.key + g) & 0x3ff);
                e.accept(
                        "gpu_process",
                        processTags(g, name),
                        new FieldMap(
                                PROCESS_FIELDS,
                                pid,
                                Emitter.r1(b * 100),
                                train ? "ml-train" : "svc-infer",
                                train ? "train-" + sim.training.job() % 10_000 : container(),
                                train ? "/opt/conda/bin/python3.11" : "/opt/tritonserver/bin/tritonserver",
                                Boolean.TRUE),
                        t);
            }
            if (sim.extraUtil[g] > 0.05 && e.take("gpu_process"))
                // A user's notebook kernel: unexplained but short. Its own process name, so its series never
                // collides with a miner's on the same GPU and step.
                e.accept(
                        "gpu_process",
                        processTags(g, "ipykernel_launcher"),
                        new FieldMap(
                                PROCESS_FIELDS,
                                40_000L + (Noise.mix(sim.key + 7) & 0xfff),
                                Emitter.r1(sim.extraUtil[g] * 100),
                                "alice",
                                "",
                                "/opt/conda/bin/python3.11",
                                Boolean.FALSE),
                        t);
            if (sim.minerUtil[g] > 0.01 && e.take("gpu_process")) {
                Kind k = sim.miner.kind();
                // The night miner is renamed to look like a backup script; the low-and-slow one like a data loader;
                // the container miner runs as the inference user inside an allowlisted container.
                // The power-limit ramp poses as a render worker; the one-GPU miner is a user's own Python.
                String name =
                        switch (k) {
                            case LOW_AND_SLOW -> "dataloader";
                            case POWER_LIMIT_RAMP -> "render-worker";
                            case ONE_GPU_MINER -> "python";
                            default -> "python3";
                        };
                String user =
                        switch (k) {
                            case NIGHT_MINER -> "svc-backup";
                            case LOW_AND_SLOW -> "jdoe";
                            case POWER_LIMIT_RAMP -> "vfx";
                            case ONE_GPU_MINER -> "intern";
                            default -> "svc-infer";
                        };
                String container = k == Kind.CONTAINER_MINER ? container() : "";
                String exe =
                        switch (k) {
                            case LOW_AND_SLOW -> "/home/jdoe/.local/bin/dataloader";
                            case CONTAINER_MINER -> "/opt/conda/bin/python3";
                            case POWER_LIMIT_RAMP -> "/opt/render/bin/render-worker";
                            case ONE_GPU_MINER -> "/home/intern/miniconda3/bin/python";
                            default -> "/usr/bin/python3";
                        };
                e.accept(
                        "gpu_process",
                        processTags(g, name),
                        new FieldMap(
                                PROCESS_FIELDS,
                                minerPid(),
                                Emitter.r1(sim.minerUtil[g] * 100),
                                user,
                                container,
                                exe,
                                k == Kind.CONTAINER_MINER),
                        t);
            }
        }
    }

    void emitOutlet(long t, Emitter e) {
        if (e.take("meter"))
            e.accept(
                    "meter",
                    outletTags,
                    new FieldMap(METER_FIELDS, Emitter.r1(sim.outletW), Math.round(sim.outletKwh * 10_000) / 10_000.0),
                    t);
    }

    private boolean isContainerMiner() {
        return sim.miner != null && sim.miner.kind() == Kind.CONTAINER_MINER;
    }

    private long minerPid() {
        return 20_000 + sim.miner.job() % 20_000;
    }

    private String container() {
        return "triton-" + sim.host.name();
    }

    private SortedMap<String, String> processTags(int g, String process) {
        return processTags.computeIfAbsent(
                g + "|" + process,
                k -> Emitter.tags(
                        "host",
                        sim.host.name(),
                        "rack",
                        sim.host.rack(),
                        "room",
                        sim.host.room(),
                        "site",
                        site,
                        "gpu",
                        Integer.toString(g),
                        "process",
                        process));
    }

    /** NVML-style board UUID, stable per host and index. */
    static String uuid(long key, int g) {
        long a = Noise.mix(key + 31L * g + 1);
        long b = Noise.mix(a);
        String h = String.format("%016x%016x", a, b);
        return "GPU-" + h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-"
                + h.substring(16, 20) + "-" + h.substring(20, 32);
    }
}
