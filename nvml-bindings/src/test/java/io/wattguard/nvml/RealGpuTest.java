package io.wattguard.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The binding against this machine's NVIDIA driver. Not part of a normal build: the real-gpu profile runs it,
 * switched on by WATTGUARD_REAL_GPU=1 (nvml-bindings/scripts/real-gpu-profile.sh does). It fails, never skips, on a
 * machine without a GPU. WATTGUARD_NVML_LIBRARY overrides where the library is.
 */
class RealGpuTest {
    static Nvml load() {
        String path = System.getenv("WATTGUARD_NVML_LIBRARY");
        LoadOptions o = LoadOptions.defaults();
        return Nvml.load(path == null || path.isEmpty() ? o : o.withLibraryPath(path));
    }

    @Test
    void everyGpuAnswersWithPlausibleValues() {
        try (Nvml nvml = load()) {
            assertTrue(nvml.driverVersion().matches("\\d+\\.\\d+(\\.\\d+)?"), nvml.driverVersion());
            assertFalse(nvml.devices().isEmpty(), "NVML loaded but lists no GPU");
            for (GpuDevice d : nvml.devices()) {
                GpuInfo info = d.info();
                assertTrue(info.uuid().startsWith("GPU-"), info.uuid());
                assertFalse(info.name().isBlank());
                GpuSnapshot s = d.snapshot();
                int t = s.temperatureC().orElseThrow();
                assertTrue(t > 0 && t < 120, "temperature " + t);
                long total = s.memoryTotalBytes().orElseThrow();
                assertTrue(total > 0 && s.memoryUsedBytes().orElseThrow() <= total, s.toString());
                assertTrue(s.smClockMhz().orElseThrow() > 0, s.toString());
                assertTrue(s.processCount().isPresent(), s.toString());
                s.powerWatts().ifPresent(w -> assertTrue(w > 0 && w < 2000, "power " + w));
                s.utilizationGpuPct().ifPresent(u -> assertTrue(u >= 0 && u <= 100, "util " + u));
            }
        }
    }

    @Test
    void processListsReadWithTheDetectedStride() {
        try (Nvml nvml = load()) {
            for (GpuDevice d : nvml.devices()) {
                for (int i = 0; i < 50; i++) {
                    List<GpuProcess> ps = d.processes();
                    for (GpuProcess p : ps) {
                        assertTrue(p.pid() > 0 && p.pid() <= 4_194_304, "implausible pid " + p + ": wrong stride?");
                    }
                    if (!ps.isEmpty()) {
                        int stride = nvml.processInfoStride().orElseThrow();
                        assertTrue(stride == 16 || stride == 24 || stride == 32, "stride " + stride);
                    }
                }
            }
        }
    }

    @Test
    void theEnergyCounterNeverGoesBackwardsWhileTheDriverRuns() {
        try (Nvml nvml = load()) {
            for (GpuDevice d : nvml.devices()) {
                if (d.snapshot().energyMillijoules().isEmpty()) {
                    continue; // pre-Volta boards have no energy counter: absent, as it should be
                }
                long first = d.snapshot().energyMillijoules().getAsLong();
                long deadline = System.nanoTime() + 5_000_000_000L;
                long now = first;
                while (now == first && System.nanoTime() < deadline) {
                    now = d.snapshot().energyMillijoules().getAsLong();
                }
                assertTrue(now > first, "energy counter did not move in 5 s: " + first);
            }
        }
    }

    @Test
    void migAndGpmAnswerWhereTheGpuHasThem() {
        try (Nvml nvml = load()) {
            for (GpuDevice d : nvml.devices()) {
                Optional<MigMode> mig = d.migMode();
                if (mig.isPresent() && mig.get().enabled()) {
                    for (GpuDevice m : d.migDevices()) {
                        assertTrue(m.info().uuid().startsWith("MIG-"), m.info().uuid());
                        assertTrue(m.info().gpuInstanceId().isPresent());
                    }
                }
                if (d.gpmSupported()) {
                    assertEquals(Optional.empty(), d.gpmMetrics());
                    long deadline = System.nanoTime() + 5_000_000_000L;
                    Optional<GpmMetrics> m = d.gpmMetrics();
                    while (m.isEmpty() && System.nanoTime() < deadline) {
                        m = d.gpmMetrics();
                    }
                    double sm = m.orElseThrow().get(GpmMetric.SM_UTIL).orElseThrow();
                    assertTrue(sm >= 0 && sm <= 100, "SM util " + sm);
                }
            }
        }
    }
}
