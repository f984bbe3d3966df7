package io.wattguard.source.nvml;

import io.wattguard.config.Section;
import io.wattguard.core.SourceFactory;
import io.wattguard.core.SourceSpec;

/** {@code type: nvml}: the GPUs of this host through NVIDIA's NVML, into {@code gpu} and {@code gpu_process}. */
public final class NvmlFactory implements SourceFactory {
    @Override
    public String type() {
        return "nvml";
    }

    @Override
    public String description() {
        return "NVIDIA GPUs of this host through NVML: utilisation, power, energy, clocks and their processes";
    }

    @Override
    public SourceSpec read(SourceSpec.Common common, Section section, io.wattguard.core.Topology topology) {
        NvmlConfig config = NvmlConfig.read(section);
        // GPU-level attribution judges a busy GPU by the allowlist's verdict on its processes: without one it
        // gives no verdict for this host's GPUs, and the operator should know that before wondering why.
        String note = !config.processes()
                ? "processes off: no GPU-level verdict (unexplained_gpu)"
                : !config.allowlist().configured()
                        ? "no allowlist: no GPU-level verdict (unexplained_gpu)"
                        : "allowlist: GPU-level attribution (unexplained_gpu)";
        return SourceSpec.of(common, note, ctx -> new NvmlSource(common, config, ctx));
    }
}
