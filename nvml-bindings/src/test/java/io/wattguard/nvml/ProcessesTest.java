package io.wattguard.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.nvml.testing.FakeNvml;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Process lists: distinct values per process catch a wrong element stride at once. */
class ProcessesTest {
    static final String PROCESSES = """
            gpu 0 uuid=GPU-p0 name=H100 util_gpu=99
            proc 0 kind=compute pid=4101 mem=1111111111 gi=1 ci=0 sm=91 memutil=45 enc=0 dec=0 ts=1000
            proc 0 kind=compute pid=4102 mem=2222222222 gi=2 ci=1 sm=7 memutil=3 enc=1 dec=2 ts=1001
            proc 0 kind=compute pid=4103 mem=3333333333 ts=1002
            proc 0 kind=graphics pid=4102 mem=2222222222 gi=2 ci=1
            proc 0 kind=graphics pid=2001 mem=18446744073709551615
            gpu 1 uuid=GPU-p1 name=A100
            proc 1 kind=compute pid=777 mem=123 sm=50 memutil=10 enc=20 dec=30 ts=5000
            """;

    static Nvml load(FakeNvml fake) {
        return Nvml.load(LoadOptions.defaults().withLibraryPath(fake.path()));
    }

    static void assertPaperProcesses(List<GpuProcess> ps, boolean migIds) {
        assertEquals(4, ps.size(), ps.toString());
        OptionalInt none = OptionalInt.empty();
        GpuProcess p1 = ps.get(0);
        assertEquals(4101, p1.pid());
        assertTrue(p1.compute());
        assertEquals(OptionalLong.of(1111111111L), p1.usedGpuMemoryBytes());
        assertEquals(migIds ? OptionalInt.of(1) : none, p1.gpuInstanceId());
        assertEquals(migIds ? OptionalInt.of(0) : none, p1.computeInstanceId());
        assertEquals(OptionalInt.of(91), p1.smUtilPct());
        assertEquals(OptionalInt.of(45), p1.memUtilPct());
        GpuProcess p2 = ps.get(1);
        assertEquals(4102, p2.pid());
        assertTrue(p2.compute() && p2.graphics(), "listed by both queries");
        assertEquals(OptionalLong.of(2222222222L), p2.usedGpuMemoryBytes());
        assertEquals(migIds ? OptionalInt.of(2) : none, p2.gpuInstanceId());
        assertEquals(migIds ? OptionalInt.of(1) : none, p2.computeInstanceId());
        assertEquals(OptionalInt.of(7), p2.smUtilPct());
        assertEquals(OptionalInt.of(1), p2.encUtilPct());
        assertEquals(OptionalInt.of(2), p2.decUtilPct());
        GpuProcess p3 = ps.get(2);
        assertEquals(4103, p3.pid());
        assertEquals(OptionalLong.of(3333333333L), p3.usedGpuMemoryBytes());
        assertEquals(none, p3.gpuInstanceId(), "0xFFFFFFFF means no MIG instance");
        assertEquals(none, p3.smUtilPct(), "no utilisation sample for this process");
        GpuProcess g = ps.get(3);
        assertEquals(2001, g.pid());
        assertTrue(g.graphics() && !g.compute());
        assertEquals(OptionalLong.empty(), g.usedGpuMemoryBytes(), "NVML_VALUE_NOT_AVAILABLE is absent");
    }

    @Test
    void severalProcessesPerGpuReadBackWithTheirOwnValues() {
        FakeNvml fake = FakeNvml.start(PROCESSES);
        try (Nvml nvml = load(fake)) {
            assertEquals(Optional.of("nvmlDeviceGetComputeRunningProcesses_v3"), nvml.processListFunction());
            GpuDevice g0 = nvml.devices().get(0);
            assertPaperProcesses(g0.processes(), true);
            assertEquals(OptionalInt.of(24), nvml.processInfoStride(), "nvml.h's nvmlProcessInfo_t");
            assertEquals(OptionalInt.of(4), g0.snapshot().processCount(), "4101, 4102 (twice), 4103, 2001");

            List<GpuProcess> p1 = nvml.devices().get(1).processes();
            assertEquals(1, p1.size());
            assertEquals(
                    new GpuProcess(
                            777,
                            true,
                            false,
                            OptionalLong.of(123),
                            OptionalInt.empty(),
                            OptionalInt.empty(),
                            OptionalInt.of(50),
                            OptionalInt.of(10),
                            OptionalInt.of(20),
                            OptionalInt.of(30)),
                    p1.get(0));
        }
    }

    @Test
    void utilisationComesFromSamplesNewerThanThePreviousCall() {
        FakeNvml fake = FakeNvml.start(PROCESSES);
        try (Nvml nvml = load(fake)) {
            GpuDevice g1 = nvml.devices().get(1);
            assertEquals(OptionalInt.of(50), g1.processes().get(0).smUtilPct());
            // No new sample since: the driver answers NOT_FOUND, the process is listed without utilisation.
            assertEquals(OptionalInt.empty(), g1.processes().get(0).smUtilPct());
            fake.apply("procs 1 clear\nproc 1 kind=compute pid=777 mem=123 sm=64 memutil=1 ts=6000\n");
            assertEquals(OptionalInt.of(64), g1.processes().get(0).smUtilPct());
        }
    }

    @Test
    void earlyR535LayoutOfTheV3ListIsDetectedAtRunTime() {
        // 535.43-era drivers wrote 32-byte elements from the same _v3 symbols (one more field, no version bump).
        FakeNvml fake = FakeNvml.start("stride_v3 32\n" + PROCESSES);
        try (Nvml nvml = load(fake)) {
            assertEquals(OptionalInt.empty(), nvml.processInfoStride(), "unknown until a list is seen");
            assertPaperProcesses(nvml.devices().get(0).processes(), true);
            assertEquals(OptionalInt.of(32), nvml.processInfoStride());
            assertEquals(OptionalInt.of(4), nvml.devices().get(0).snapshot().processCount());
        }
    }

    @Test
    void aListThatGrowsBetweenCallsIsRetriedUntilItFits() {
        StringBuilder script = new StringBuilder("gpu 0 uuid=GPU-busy\n");
        for (int i = 0; i < 20; i++) {
            script.append("proc 0 kind=compute pid=")
                    .append(10_000 + i)
                    .append(" mem=")
                    .append(1_000_000L * (i + 1))
                    .append('\n');
        }
        for (int i = 0; i < 6; i++) {
            // 'late' processes appear once the driver has answered INSUFFICIENT_SIZE: the list grew meanwhile.
            script.append("proc 0 kind=compute late=1 pid=")
                    .append(20_000 + i)
                    .append(" mem=")
                    .append(7_000 + i)
                    .append('\n');
        }
        FakeNvml fake = FakeNvml.start(script.toString());
        try (Nvml nvml = load(fake)) {
            List<GpuProcess> ps = nvml.devices().get(0).processes();
            assertEquals(26, ps.size());
            for (int i = 0; i < 20; i++) {
                assertEquals(10_000 + i, ps.get(i).pid());
                assertEquals(OptionalLong.of(1_000_000L * (i + 1)), ps.get(i).usedGpuMemoryBytes());
            }
            for (int i = 0; i < 6; i++) {
                assertEquals(20_000 + i, ps.get(20 + i).pid());
                assertEquals(OptionalLong.of(7_000 + i), ps.get(20 + i).usedGpuMemoryBytes());
            }
            // Buffer of 16: too small for 20 (answer 20), then 26 appeared (answer 26), then it fits.
            assertEquals(3, fake.calls("nvmlDeviceGetComputeRunningProcesses_v3"));
        }
    }
}
