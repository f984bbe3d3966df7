package io.wattguard.source.nvml;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * The {@code mig} tag: {@code GI/CI}, the GPU instance and compute instance ids as nvidia-smi shows them. NVML gives
 * the same pair for a MIG device and for each process running on it, so a process's point names its slice without
 * a lookup, and the pair stays the same for as long as the slice exists.
 */
public final class MigId {
    private MigId() {}

    public static Optional<String> of(OptionalInt gpuInstance, OptionalInt computeInstance) {
        if (gpuInstance.isEmpty() || computeInstance.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(gpuInstance.getAsInt() + "/" + computeInstance.getAsInt());
    }
}
