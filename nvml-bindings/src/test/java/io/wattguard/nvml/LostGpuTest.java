package io.wattguard.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.nvml.testing.FakeNvml;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A GPU that falls off the bus is marked lost, left alone until its retry time, and read again once back. */
class LostGpuTest {
    static final String GPUS = """
            gpu 0 uuid=GPU-zero power_mw=100000 energy_mj=1000
            gpu 1 uuid=GPU-one power_mw=200000 energy_mj=2000
            gpu 2 uuid=GPU-two power_mw=300000 energy_mj=3000
            """;

    @Test
    void oneLostGpuDoesNotStopTheOthersAndComesBack() {
        FakeNvml fake = FakeNvml.start(GPUS);
        AtomicLong now = new AtomicLong(1_000_000_000L);
        LoadOptions options = LoadOptions.defaults()
                .withLibraryPath(fake.path())
                .withLostRetryInterval(Duration.ofSeconds(30))
                .withTicker(now::get);
        try (Nvml nvml = Nvml.load(options)) {
            GpuDevice one = nvml.devices().get(1);
            assertEquals(OptionalLong.of(200000), one.snapshot().powerMilliwatts());

            fake.apply("gpu 1 lost=15\n");
            GpuLostException lost = assertThrows(GpuLostException.class, one::snapshot);
            assertEquals(NvmlReturn.GPU_IS_LOST, lost.returnCode());
            assertEquals(1, lost.gpuIndex());
            assertTrue(
                    lost.getMessage()
                            .startsWith("GPU 1 (GPU-one) is lost: nvmlDeviceGetUtilizationRates returned "
                                    + "15 (GPU is lost)"),
                    lost.getMessage());
            assertTrue(one.isLost());
            assertEquals(
                    OptionalLong.of(100000), nvml.devices().get(0).snapshot().powerMilliwatts());
            assertEquals(
                    OptionalLong.of(300000), nvml.devices().get(2).snapshot().powerMilliwatts());

            // Before the retry time the driver is not asked at all.
            long handleCalls = fake.calls("nvmlDeviceGetHandleByIndex_v2");
            long utilCalls = fake.calls("nvmlDeviceGetUtilizationRates");
            now.addAndGet(Duration.ofSeconds(29).toNanos());
            GpuLostException still = assertThrows(GpuLostException.class, one::snapshot);
            assertTrue(still.getMessage().contains("next retry in 1000 ms"), still.getMessage());
            assertEquals(handleCalls, fake.calls("nvmlDeviceGetHandleByIndex_v2"));
            assertEquals(utilCalls, fake.calls("nvmlDeviceGetUtilizationRates"));

            // At the retry time it is asked again; still lost, so the next retry is 30 s later.
            now.addAndGet(Duration.ofSeconds(1).toNanos());
            assertThrows(GpuLostException.class, one::snapshot);
            assertEquals(handleCalls + 1, fake.calls("nvmlDeviceGetHandleByIndex_v2"));

            fake.apply("gpu 1 lost=0 power_mw=210000\n");
            now.addAndGet(Duration.ofSeconds(30).toNanos());
            GpuSnapshot back = one.snapshot();
            assertEquals(OptionalLong.of(210000), back.powerMilliwatts());
            assertEquals("GPU-one", back.uuid());
            assertTrue(!one.isLost());
        }
    }

    @Test
    void gpusSampledFromSeveralThreadsCarryOnWhileOneIsLost() throws Exception {
        FakeNvml fake = FakeNvml.start(GPUS + "gpu 1 lost=15\n");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try (Nvml nvml =
                Nvml.load(LoadOptions.defaults().withLibraryPath(fake.path()).withLostRetryInterval(Duration.ZERO))) {
            List<java.util.concurrent.Future<long[]>> results = new java.util.ArrayList<>();
            for (GpuDevice d : nvml.devices()) {
                results.add(pool.submit(() -> {
                    long ok = 0;
                    long lost = 0;
                    long power = 0;
                    for (int i = 0; i < 2000; i++) {
                        try {
                            power = d.snapshot().powerMilliwatts().getAsLong();
                            ok++;
                        } catch (GpuLostException e) {
                            lost++;
                        }
                    }
                    return new long[] {ok, lost, power};
                }));
            }
            long[] zero = results.get(0).get(60, java.util.concurrent.TimeUnit.SECONDS);
            long[] one = results.get(1).get(60, java.util.concurrent.TimeUnit.SECONDS);
            long[] two = results.get(2).get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(List.of(2000L, 0L, 100000L), List.of(zero[0], zero[1], zero[2]));
            assertEquals(List.of(0L, 2000L), List.of(one[0], one[1]), "retried every time (interval 0), never read");
            assertEquals(List.of(2000L, 0L, 300000L), List.of(two[0], two[1], two[2]));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void unknownErrorAlsoMarksTheGpuLost() {
        FakeNvml fake = FakeNvml.start(GPUS);
        try (Nvml nvml = Nvml.load(LoadOptions.defaults().withLibraryPath(fake.path()))) {
            fake.apply("gpu 2 fail.energy=999\n");
            GpuLostException e = assertThrows(
                    GpuLostException.class, () -> nvml.devices().get(2).snapshot());
            assertEquals(NvmlReturn.UNKNOWN, e.returnCode());
            assertEquals("nvmlDeviceGetTotalEnergyConsumption", e.function());
            assertEquals(OptionalLong.of(1000), nvml.devices().get(0).snapshot().energyMillijoules());
        }
    }

    @Test
    void aGpuLostAtStartIsListedAndRetried() {
        FakeNvml fake = FakeNvml.start(GPUS + "gpu 0 lost=15\n");
        AtomicLong now = new AtomicLong();
        try (Nvml nvml = Nvml.load(LoadOptions.defaults()
                .withLibraryPath(fake.path())
                .withTicker(now::get)
                .withLostRetryInterval(Duration.ofSeconds(10)))) {
            assertEquals(3, nvml.devices().size());
            assertTrue(nvml.devices().get(0).isLost());
            assertEquals(
                    OptionalLong.of(200000), nvml.devices().get(1).snapshot().powerMilliwatts());
            assertThrows(GpuLostException.class, () -> nvml.devices().get(0).snapshot());
            fake.apply("gpu 0 lost=0\n");
            now.addAndGet(Duration.ofSeconds(10).toNanos());
            assertEquals(
                    OptionalLong.of(100000), nvml.devices().get(0).snapshot().powerMilliwatts());
        }
    }

    @Test
    void energyCounterResetByADriverReloadKeepsTheCumulativeValueGrowing() {
        FakeNvml fake = FakeNvml.start("gpu 0 uuid=GPU-e energy_mj=500000\n");
        try (Nvml nvml = Nvml.load(LoadOptions.defaults().withLibraryPath(fake.path()))) {
            GpuDevice gpu = nvml.devices().get(0);
            EnergyCounter counter = new EnergyCounter();
            assertEquals(
                    500_000, counter.update(gpu.snapshot().energyMillijoules().getAsLong()));
            fake.apply("gpu 0 energy_mj=750000\n");
            assertEquals(
                    750_000, counter.update(gpu.snapshot().energyMillijoules().getAsLong()));
            fake.apply("gpu 0 energy_mj=1200\n"); // the driver reloaded: the counter restarted from zero
            GpuSnapshot afterReset = gpu.snapshot();
            assertEquals(OptionalLong.of(1200), afterReset.energyMillijoules(), "the raw counter is exposed as is");
            assertEquals(751_200, counter.update(afterReset.energyMillijoules().getAsLong()));
            fake.apply("gpu 0 energy_mj=3200\n");
            assertEquals(
                    753_200, counter.update(gpu.snapshot().energyMillijoules().getAsLong()));
            assertEquals(1, counter.resets());
            assertEquals(753.2, counter.cumulativeJoules(), 1e-9);
        }
    }
}
