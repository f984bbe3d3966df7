package io.wattguard.nvml;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * What does not change while the driver runs: identity, bus position, maximum clocks. For a MIG device,
 * {@code index} is its parent's and the instance ids say which slice it is.
 */
public record GpuInfo(
        int index,
        String name,
        String uuid,
        Optional<String> serial,
        Optional<PciInfo> pci,
        OptionalInt maxSmClockMhz,
        OptionalInt maxMemoryClockMhz,
        boolean migDevice,
        OptionalInt gpuInstanceId,
        OptionalInt computeInstanceId) {}
