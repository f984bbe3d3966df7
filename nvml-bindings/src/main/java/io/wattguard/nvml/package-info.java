/**
 * NVIDIA NVML for Java: {@link io.wattguard.nvml.Nvml#load} finds and starts the library, {@link
 * io.wattguard.nvml.GpuDevice} reads a GPU, {@link io.wattguard.nvml.GpuSnapshot} holds one reading in which an
 * unsupported field is absent, never 0. Nothing here knows about the collector.
 */
package io.wattguard.nvml;
