package io.wattguard.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.nvml.testing.FakeNvml;
import io.wattguard.nvml.testing.FakeNvml.Variant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Older drivers: the binding falls back _v3 -> _v2 -> unversioned and marks the rest unsupported. */
class FallbackTest {
    @Test
    void withoutV3SymbolsTheV2FunctionsAreUsed() {
        FakeNvml fake = FakeNvml.start(
                Variant.NO_V3,
                ProcessesTest.PROCESSES
                        + "gpu 0 mem_total=1000 mem_used=400 mem_reserved=100 mem_free=500 bus_id=00000000:17:00.0 pci_bus=23\n");
        try (Nvml nvml = Nvml.load(LoadOptions.defaults().withLibraryPath(fake.path()))) {
            assertEquals(Optional.of("nvmlDeviceGetComputeRunningProcesses_v2"), nvml.processListFunction());
            assertTrue(nvml.missingSymbols().contains("nvmlDeviceGetComputeRunningProcesses_v3"));
            assertTrue(nvml.missingSymbols().contains("nvmlGpmMetricsGet"));
            GpuDevice gpu = nvml.devices().get(0);
            ProcessesTest.assertPaperProcesses(gpu.processes(), true);
            assertEquals(OptionalInt.of(24), nvml.processInfoStride());
            GpuSnapshot s = gpu.snapshot();
            // nvmlMemory_t (v1) folds reserved memory into used and has no reserved field.
            assertEquals(OptionalLong.of(1000), s.memoryTotalBytes());
            assertEquals(OptionalLong.of(500), s.memoryUsedBytes());
            assertEquals(OptionalLong.empty(), s.memoryReservedBytes());
            assertEquals(23, gpu.info().pci().orElseThrow().bus(), "PCI info through _v2");
            assertFalse(gpu.gpmSupported());
            assertEquals(0, fake.calls("nvmlDeviceGetComputeRunningProcesses"), "never the older one while _v2 exists");

            // Everything else once more: a missing symbol is bound to nvmlErrorString, so none may reach it.
            gpu.migMode();
            gpu.migDevices();
            gpu.gpmMetrics();
            gpu.fieldValues(83);
            gpu.pcieThroughputKBps();
            assertEquals(0, fake.calls("nvmlErrorString"), "a symbol this driver lacks was called");
            assertEquals("Not Supported", nvml.errorString(3));
            assertEquals(1, fake.calls("nvmlErrorString"), "the counter sees real calls");
        }
    }

    @Test
    void withOnlyUnversionedProcessFunctionsTheV1LayoutIsRead() {
        FakeNvml fake = FakeNvml.start(Variant.NO_V2_PROCS, ProcessesTest.PROCESSES);
        try (Nvml nvml = Nvml.load(LoadOptions.defaults().withLibraryPath(fake.path()))) {
            assertEquals(Optional.of("nvmlDeviceGetComputeRunningProcesses"), nvml.processListFunction());
            assertEquals(OptionalInt.of(16), nvml.processInfoStride(), "nvmlProcessInfo_v1_t");
            ProcessesTest.assertPaperProcesses(nvml.devices().get(0).processes(), false);
            assertEquals(OptionalInt.of(4), nvml.devices().get(0).snapshot().processCount());
        }
    }
}
