package io.wattguard.nvml;

import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A process NVML lists on a GPU. Memory and MIG ids are absent where the driver reports "not available"
 * (all ones); utilisation is absent when the driver holds no sample for the process since the previous call.
 *
 * @param pid process id in the host's (the driver's) pid namespace
 * @param compute listed by the compute-process query (CUDA, OpenCL)
 * @param graphics listed by the graphics-process query
 */
public record GpuProcess(
        int pid,
        boolean compute,
        boolean graphics,
        OptionalLong usedGpuMemoryBytes,
        OptionalInt gpuInstanceId,
        OptionalInt computeInstanceId,
        OptionalInt smUtilPct,
        OptionalInt memUtilPct,
        OptionalInt encUtilPct,
        OptionalInt decUtilPct) {}
