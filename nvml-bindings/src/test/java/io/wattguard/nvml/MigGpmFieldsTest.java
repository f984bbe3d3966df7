package io.wattguard.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.nvml.testing.FakeNvml;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class MigGpmFieldsTest {
    static Nvml load(FakeNvml fake) {
        return Nvml.load(LoadOptions.defaults().withLibraryPath(fake.path()));
    }

    @Test
    void migDevicesAreReportedAsSlicesOfTheirGpu() {
        FakeNvml fake = FakeNvml.start("""
                gpu 0 uuid=GPU-a100 name=A100 mig_current=1 mig_pending=1 util_gpu=0
                mig 0 0 gi=1 ci=0 uuid=MIG-11111111-2222-3333-4444-555555555555 name=A100_MIG_3g.20gb mem_total=20937965568 mem_used=512 mem_free=20937965056
                mig 0 3 gi=2 ci=0 uuid=MIG-66666666-7777-8888-9999-000000000000 name=A100_MIG_1g.5gb mem_total=4915724288 mem_used=1024 mem_free=4915723264
                gpu 1 uuid=GPU-other name=A100 mig_current=0 mig_pending=1
                gpu 2 uuid=GPU-old name=V100
                """);
        try (Nvml nvml = load(fake)) {
            GpuDevice gpu = nvml.devices().get(0);
            assertEquals(Optional.of(new MigMode(true, true)), gpu.migMode());
            List<GpuDevice> migs = gpu.migDevices();
            assertEquals(2, migs.size());
            GpuDevice m0 = migs.get(0);
            assertTrue(m0.isMigDevice());
            assertEquals(Optional.of(gpu), m0.parent());
            GpuInfo i0 = m0.info();
            assertEquals("MIG-11111111-2222-3333-4444-555555555555", i0.uuid());
            assertEquals("A100 MIG 3g.20gb", i0.name());
            assertTrue(i0.migDevice());
            assertEquals(OptionalInt.of(1), i0.gpuInstanceId());
            assertEquals(OptionalInt.of(0), i0.computeInstanceId());
            GpuSnapshot s0 = m0.snapshot();
            assertEquals(OptionalLong.of(20937965568L), s0.memoryTotalBytes());
            assertEquals(OptionalLong.of(512), s0.memoryUsedBytes());
            assertEquals(OptionalInt.empty(), s0.utilizationGpuPct(), "not served per MIG device");
            assertEquals(OptionalInt.of(2), migs.get(1).info().gpuInstanceId());
            assertEquals(OptionalLong.of(1024), migs.get(1).snapshot().memoryUsedBytes());

            assertEquals(
                    Optional.of(new MigMode(false, true)), nvml.devices().get(1).migMode());
            assertEquals(List.of(), nvml.devices().get(1).migDevices());
            assertEquals(Optional.empty(), nvml.devices().get(2).migMode());
            assertEquals(List.of(), nvml.devices().get(2).migDevices());
        }
    }

    @Test
    void gpmMetricsTellIntegerFromTensorWork() {
        FakeNvml fake = FakeNvml.start("""
                gpu 0 uuid=GPU-h100 gpm.1=99.5 gpm.2=97.25 gpm.4=88.125 gpm.5=0.5 gpm.10=93.75
                gpu 1 uuid=GPU-a100
                """);
        try (Nvml nvml = load(fake)) {
            GpuDevice h100 = nvml.devices().get(0);
            assertTrue(h100.gpmSupported());
            assertEquals(Optional.empty(), h100.gpmMetrics(), "the first call opens the interval");
            GpmMetrics m = h100.gpmMetrics().orElseThrow();
            assertEquals(
                    Map.of(
                            GpmMetric.GRAPHICS_UTIL,
                            99.5,
                            GpmMetric.SM_UTIL,
                            97.25,
                            GpmMetric.INTEGER_UTIL,
                            88.125,
                            GpmMetric.ANY_TENSOR_UTIL,
                            0.5,
                            GpmMetric.DRAM_BW_UTIL,
                            93.75),
                    m.asMap());
            assertEquals(OptionalDouble.empty(), m.get(GpmMetric.FP64_UTIL));
            fake.apply("gpu 0 gpm.4=1.0 gpm.5=75.0\n");
            GpmMetrics next = h100.gpmMetrics().orElseThrow();
            assertEquals(OptionalDouble.of(1.0), next.get(GpmMetric.INTEGER_UTIL));
            assertEquals(OptionalDouble.of(75.0), next.get(GpmMetric.ANY_TENSOR_UTIL));

            GpuDevice a100 = nvml.devices().get(1);
            assertFalse(a100.gpmSupported());
            assertEquals(Optional.empty(), a100.gpmMetrics());
        }
        assertEquals(2, fake.calls("nvmlGpmSampleAlloc"));
        assertEquals(2, fake.calls("nvmlGpmSampleFree"), "close frees the samples");
    }

    @Test
    void fieldValuesAreAnsweredOneByOne() {
        FakeNvml fake = FakeNvml.start("gpu 0 uuid=GPU-f energy_mj=4242 instant_power_mw=350500\n");
        try (Nvml nvml = load(fake)) {
            List<FieldValue> values =
                    nvml.devices().get(0).fieldValues(FieldValue.TOTAL_ENERGY_CONSUMPTION, FieldValue.POWER_INSTANT, 7);
            assertEquals(3, values.size());
            assertEquals(OptionalLong.of(4242), values.get(0).asLong());
            assertEquals(OptionalLong.of(350500), values.get(1).asLong());
            assertEquals(NvmlReturn.NOT_SUPPORTED, values.get(2).status());
            assertEquals(OptionalLong.empty(), values.get(2).asLong());
            assertEquals(
                    350.5, nvml.devices().get(0).snapshot().instantPowerWatts().getAsDouble(), 1e-9);
        }
    }

    @Test
    void pcieThroughputIsReadOnRequest() {
        FakeNvml fake = FakeNvml.start("gpu 0 uuid=GPU-x pcie_tx=1234 pcie_rx=5678\ngpu 1 uuid=GPU-y\n");
        try (Nvml nvml = load(fake)) {
            long[] t = nvml.devices().get(0).pcieThroughputKBps().orElseThrow();
            assertEquals(1234, t[0]);
            assertEquals(5678, t[1]);
            assertEquals(Optional.empty(), nvml.devices().get(1).pcieThroughputKBps());
        }
    }
}
