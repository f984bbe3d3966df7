package io.wattguard.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.nvml.GpuSnapshot.Field;
import io.wattguard.nvml.testing.FakeNvml;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Scripted GPUs served by the C double compiled against nvml.h: every value must come back exactly. */
class FakeGpuTest {
    /** Three GPUs, every field set, all values distinct between GPUs and between fields. */
    static final String THREE_GPUS = """
            driver 535.261.03
            nvml 12.535.261.03
            cuda 12020
            gpu 0 name=NVIDIA_H100_80GB_HBM3 uuid=GPU-00000000-1111-2222-3333-444444444444 serial=1650123456789 bus_id=00000000:17:00.0 pci_domain=0 pci_bus=23 pci_device=0 pci_device_id=0x233010DE pci_subsys=0x16C110DE util_gpu=87 util_mem=41 power_mw=312345 power_limit_mw=700000 power_mgmt_limit_mw=650000 energy_mj=123456789012 temp_c=67 sm_clock=1980 mem_clock=2619 sm_clock_max=1985 mem_clock_max=2620 mem_total=85520809984 mem_used=40000000000 mem_free=44000000000 mem_reserved=1520809984 throttle=0x4 fan=0 pstate=0 instant_power_mw=318000
            gpu 1 name=NVIDIA_A100-SXM4-40GB uuid=GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee serial=1321234567890 bus_id=00000000:31:00.0 pci_domain=0 pci_bus=49 pci_device=0 pci_device_id=0x20B010DE pci_subsys=0x134F10DE util_gpu=12 util_mem=3 power_mw=61234 power_limit_mw=400000 power_mgmt_limit_mw=400000 energy_mj=98765432 temp_c=34 sm_clock=210 mem_clock=1215 sm_clock_max=1410 mem_clock_max=1215 mem_total=42949672960 mem_used=1234567 mem_free=42000000000 mem_reserved=948437393 throttle=0x1 fan=0 pstate=2 instant_power_mw=60000
            gpu 2 name=NVIDIA_GeForce_RTX_4090 uuid=GPU-12345678-9abc-def0-1234-56789abcdef0 serial=0 bus_id=00000000:65:00.0 pci_domain=0 pci_bus=101 pci_device=0 pci_device_id=0x268410DE pci_subsys=0x16F310DE util_gpu=100 util_mem=95 power_mw=449999 power_limit_mw=450000 power_mgmt_limit_mw=450000 energy_mj=5 temp_c=83 sm_clock=2520 mem_clock=10501 sm_clock_max=3105 mem_clock_max=10501 mem_total=25757220864 mem_used=24000000000 mem_free=1200000000 mem_reserved=557220864 throttle=0x24 fan=78 pstate=0 instant_power_mw=455000
            """;

    static Nvml load(FakeNvml fake) {
        return Nvml.load(LoadOptions.defaults().withLibraryPath(fake.path()));
    }

    @Test
    void everyFieldOfEveryGpuReadsBackExactly() {
        FakeNvml fake = FakeNvml.start(THREE_GPUS);
        try (Nvml nvml = load(fake)) {
            assertEquals("535.261.03", nvml.driverVersion());
            assertEquals("12.535.261.03", nvml.nvmlVersion());
            assertEquals(OptionalInt.of(12020), nvml.cudaDriverVersion());
            assertEquals(3, nvml.devices().size());

            GpuDevice g0 = nvml.devices().get(0);
            GpuInfo i0 = g0.info();
            assertEquals("NVIDIA H100 80GB HBM3", i0.name());
            assertEquals("GPU-00000000-1111-2222-3333-444444444444", i0.uuid());
            assertEquals(Optional.of("1650123456789"), i0.serial());
            assertEquals(Optional.of(new PciInfo("00000000:17:00.0", 0, 23, 0, 0x233010DE, 0x16C110DE)), i0.pci());
            assertEquals(OptionalInt.of(1985), i0.maxSmClockMhz());
            assertEquals(OptionalInt.of(2620), i0.maxMemoryClockMhz());
            assertFalse(i0.migDevice());

            GpuSnapshot s0 = g0.snapshot();
            assertEquals(0, s0.index());
            assertEquals("GPU-00000000-1111-2222-3333-444444444444", s0.uuid());
            assertEquals("NVIDIA H100 80GB HBM3", s0.name());
            assertEquals(OptionalInt.of(87), s0.utilizationGpuPct());
            assertEquals(OptionalInt.of(41), s0.utilizationMemoryPct());
            assertEquals(OptionalLong.of(312345), s0.powerMilliwatts());
            assertEquals(312.345, s0.powerWatts().getAsDouble(), 1e-9);
            assertEquals(700.0, s0.powerLimitWatts().getAsDouble(), 1e-9);
            assertEquals(650.0, s0.powerManagementLimitWatts().getAsDouble(), 1e-9);
            assertEquals(OptionalLong.of(123456789012L), s0.energyMillijoules());
            assertEquals(OptionalInt.of(67), s0.temperatureC());
            assertEquals(OptionalInt.of(1980), s0.smClockMhz());
            assertEquals(OptionalInt.of(2619), s0.memoryClockMhz());
            assertEquals(OptionalLong.of(85520809984L), s0.memoryTotalBytes());
            assertEquals(OptionalLong.of(40000000000L), s0.memoryUsedBytes());
            assertEquals(OptionalLong.of(44000000000L), s0.memoryFreeBytes());
            assertEquals(OptionalLong.of(1520809984L), s0.memoryReservedBytes());
            assertEquals(OptionalLong.of(0x4), s0.throttleReasons());
            assertEquals(OptionalInt.of(0), s0.fanSpeedPct());
            assertEquals(OptionalInt.of(0), s0.performanceState());
            assertEquals(OptionalInt.of(0), s0.processCount());
            assertEquals(318.0, s0.instantPowerWatts().getAsDouble(), 1e-9);

            GpuSnapshot s1 = nvml.devices().get(1).snapshot();
            assertEquals("NVIDIA A100-SXM4-40GB", s1.name());
            assertEquals(OptionalInt.of(12), s1.utilizationGpuPct());
            assertEquals(OptionalInt.of(3), s1.utilizationMemoryPct());
            assertEquals(OptionalLong.of(61234), s1.powerMilliwatts());
            assertEquals(OptionalLong.of(98765432), s1.energyMillijoules());
            assertEquals(OptionalInt.of(34), s1.temperatureC());
            assertEquals(OptionalInt.of(210), s1.smClockMhz());
            assertEquals(OptionalLong.of(1234567), s1.memoryUsedBytes());
            assertEquals(OptionalLong.of(0x1), s1.throttleReasons());
            assertEquals(OptionalInt.of(2), s1.performanceState());

            GpuSnapshot s2 = nvml.devices().get(2).snapshot();
            assertEquals("NVIDIA GeForce RTX 4090", s2.name());
            assertEquals(OptionalInt.of(100), s2.utilizationGpuPct());
            assertEquals(OptionalLong.of(449999), s2.powerMilliwatts());
            assertEquals(OptionalLong.of(5), s2.energyMillijoules());
            assertEquals(OptionalInt.of(83), s2.temperatureC());
            assertEquals(OptionalInt.of(78), s2.fanSpeedPct());
            assertEquals(OptionalLong.of(0x24), s2.throttleReasons());
            assertEquals(OptionalInt.of(10501), s2.memoryClockMhz());
            for (Field f : Field.values()) {
                assertTrue(s2.has(f), f + " should be present");
            }
        }
    }

    @Test
    void unsupportedFieldsAreAbsentNotZero() {
        FakeNvml fake = FakeNvml.start("""
                gpu 0 name=Tesla_T4 uuid=GPU-t4 util_gpu=5 util_mem=1 temp_c=40 sm_clock=300 mem_clock=405 mem_total=16000000000 mem_used=1000 mem_free=15000000000 power_mw=27000 fail.power=4
                """);
        try (Nvml nvml = load(fake)) {
            GpuSnapshot s = nvml.devices().get(0).snapshot();
            assertEquals(OptionalInt.of(5), s.utilizationGpuPct());
            assertEquals(OptionalInt.of(40), s.temperatureC());
            for (Field f : List.of(
                    Field.POWER_LIMIT,
                    Field.POWER_MANAGEMENT_LIMIT,
                    Field.ENERGY,
                    Field.THROTTLE_REASONS,
                    Field.FAN_SPEED,
                    Field.PERFORMANCE_STATE,
                    Field.INSTANT_POWER)) {
                assertFalse(s.has(f), f + " is not supported and must be absent");
                assertEquals(Optional.empty(), s.failure(f), f + " is unsupported, not failed");
            }
            // A field the driver refuses (Insufficient Permissions) is absent too, and says why.
            assertEquals(OptionalLong.empty(), s.powerMilliwatts());
            assertEquals(Optional.of(NvmlReturn.NO_PERMISSION), s.failure(Field.POWER));
            assertEquals(OptionalLong.of(0), s.memoryReservedBytes());
            assertEquals(Optional.empty(), nvml.devices().get(0).info().serial());
            assertEquals(Optional.empty(), nvml.devices().get(0).info().pci());

            fake.apply("gpu 0 fail.memory=4\n");
            GpuSnapshot refused = nvml.devices().get(0).snapshot();
            assertEquals(OptionalLong.empty(), refused.memoryUsedBytes());
            assertEquals(Optional.of(NvmlReturn.NO_PERMISSION), refused.failure(Field.MEMORY_USED));
            assertEquals(Optional.of(NvmlReturn.NO_PERMISSION), refused.failure(Field.MEMORY_FREE));
            assertEquals(OptionalInt.of(5), refused.utilizationGpuPct(), "the other fields are still read");
        }
    }

    @Test
    void closeIsIdempotentAndShutsNvmlDownOnce() {
        FakeNvml fake = FakeNvml.start(THREE_GPUS);
        Nvml nvml = load(fake);
        GpuDevice d = nvml.devices().get(0);
        d.snapshot();
        nvml.close();
        nvml.close();
        assertEquals(1, fake.calls("nvmlShutdown"));
        assertEquals(1, fake.calls("nvmlInit_v2"));
        IllegalStateException e = assertThrows(IllegalStateException.class, d::snapshot);
        assertEquals("NVML is closed", e.getMessage());
    }

    @Test
    void initFlagsStartNvmlThroughNvmlInitWithFlags() {
        FakeNvml fake = FakeNvml.start("gpu 0 uuid=GPU-f power_mw=1\n");
        try (Nvml nvml =
                Nvml.load(LoadOptions.defaults().withLibraryPath(fake.path()).withInitFlags(1))) {
            assertEquals(1, nvml.devices().size());
            assertEquals(1, fake.calls("nvmlInitWithFlags"));
            assertEquals(0, fake.calls("nvmlInit_v2"));
        }
    }

    @Test
    void twoLibrariesLoadedTogetherKeepTheirOwnBindings() {
        FakeNvml a = FakeNvml.start("gpu 0 uuid=GPU-a power_mw=1000\n");
        FakeNvml b = FakeNvml.start("gpu 0 uuid=GPU-b power_mw=2000\ngpu 1 uuid=GPU-c power_mw=3000\n");
        try (Nvml na = load(a);
                Nvml nb = load(b)) {
            assertEquals(1, na.devices().size());
            assertEquals(2, nb.devices().size());
            assertEquals(OptionalLong.of(1000), na.devices().get(0).snapshot().powerMilliwatts());
            assertEquals(OptionalLong.of(2000), nb.devices().get(0).snapshot().powerMilliwatts());
            assertEquals("GPU-c", nb.devices().get(1).snapshot().uuid());
        }
    }

    @Test
    void initFailureInTheDoubleGivesTheOperatorMessage() {
        FakeNvml fake = FakeNvml.start("init 18\n");
        NvmlUnavailableException e = assertThrows(NvmlUnavailableException.class, () -> load(fake));
        assertEquals(NvmlReturn.LIB_RM_VERSION_MISMATCH, e.returnCode());
        assertTrue(
                e.getMessage().contains("nvmlInit_v2 returned 18 (Driver/library version mismatch)"), e.getMessage());
        assertTrue(e.getMessage().contains("reboot or reload the nvidia module"), e.getMessage());
        assertTrue(e.getMessage().contains("set the nvml source's library to the driver's own"), e.getMessage());
        assertEquals(List.of(fake.path()), e.pathsTried());
    }
}
