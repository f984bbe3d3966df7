/**
 * Not API: the raw JNA layer (symbols, direct mapping, NVIDIA's structure layouts). It may change with any driver
 * or JNA release; use {@code io.wattguard.nvml}.
 */
package io.wattguard.nvml.internal;
