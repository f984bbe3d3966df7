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
        return SourceSpec.of(common, ctx -> new NvmlSource(common, config, ctx));
    }
}
