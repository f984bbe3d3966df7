package io.wattguard.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.nvml.internal.NvmlFunctions;
import io.wattguard.nvml.testing.FakeNvml;
import io.wattguard.nvml.testing.FakeNvml.Variant;
import io.wattguard.nvml.testing.ProbeMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Doubles that abort the process when a symbol the binding should not call is called. They run in a JVM of their
 * own (an abort would take the test JVM down), scripted with GPUs that exercise every path.
 */
class SymbolTrapTest {
    static final String SCRIPT =
            FakeGpuTest.THREE_GPUS + ProcessesTest.PROCESSES.replace("gpu 1 uuid=GPU-p1 name=A100\n", "")
                    + "gpu 0 mig_current=1\nmig 0 0 gi=1 ci=0 uuid=MIG-x name=slice mem_total=1 mem_used=1 mem_free=0\n"
                    + "gpu 1 gpm.4=50\n";

    record Result(int exit, String out, String err) {}

    static Result probe(Variant variant, String mode, Set<String> trapped) throws IOException, InterruptedException {
        Path lib = FakeNvml.built(variant);
        Path script = Files.createTempFile(FakeNvml.moduleTarget(), "probe", ".script");
        Files.writeString(script, SCRIPT);
        Path out = Files.createTempFile(FakeNvml.moduleTarget(), "probe", ".out");
        Path err = Files.createTempFile(FakeNvml.moduleTarget(), "probe", ".err");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(
                        java,
                        "-XX:-CreateCoredumpOnCrash",
                        "-Xmx64m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ProbeMain.class.getName(),
                        lib.toString(),
                        mode)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().put("FAKE_NVML_SCRIPT", script.toString());
        pb.environment().put("FAKE_NVML_TRAP", String.join(",", trapped));
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("probe JVM did not finish in 120 s");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void theTrapWorks() throws Exception {
        Result r = probe(Variant.FULL, "full", Set.of("nvmlDeviceGetPowerUsage"));
        assertEquals(134, r.exit(), "SIGABRT; stderr: " + r.err());
        assertTrue(r.err().contains("fake-nvml: unexpected call to nvmlDeviceGetPowerUsage"), r.err());
        assertTrue(!r.out().contains("probe ok"));
    }

    @Test
    void loadingResolvesEverySymbolWithoutCallingAny() throws Exception {
        Set<String> needed = Set.of(
                "nvmlInit_v2",
                "nvmlShutdown",
                "nvmlSystemGetDriverVersion",
                "nvmlSystemGetNVMLVersion",
                "nvmlSystemGetCudaDriverVersion_v2",
                "nvmlDeviceGetCount_v2",
                "nvmlDeviceGetHandleByIndex_v2");
        Set<String> trapped =
                NvmlFunctions.SYMBOLS.stream().filter(s -> !needed.contains(s)).collect(Collectors.toSet());
        Result r = probe(Variant.FULL, "load", trapped);
        assertEquals(0, r.exit(), r.err());
        assertEquals("probe ok\n", r.out());
    }

    @Test
    void aCurrentDriverIsNeverCalledThroughItsOlderVersions() throws Exception {
        Set<String> older = Set.of(
                "nvmlInit",
                "nvmlInitWithFlags",
                "nvmlDeviceGetCount",
                "nvmlDeviceGetHandleByIndex",
                "nvmlSystemGetCudaDriverVersion",
                "nvmlDeviceGetPciInfo_v2",
                "nvmlDeviceGetMemoryInfo",
                "nvmlDeviceGetComputeRunningProcesses_v2",
                "nvmlDeviceGetComputeRunningProcesses",
                "nvmlDeviceGetGraphicsRunningProcesses_v2",
                "nvmlDeviceGetGraphicsRunningProcesses",
                "nvmlDeviceGetCurrentClocksThrottleReasons");
        Result r = probe(Variant.FULL, "full", older);
        assertEquals(0, r.exit(), r.err());
        assertEquals("probe ok\n", r.out());
    }

    @Test
    void anOlderDriverIsCalledOnlyThroughWhatItHas() throws Exception {
        Result r = probe(
                Variant.NO_V3,
                "full",
                Set.of(
                        "nvmlDeviceGetComputeRunningProcesses",
                        "nvmlDeviceGetGraphicsRunningProcesses",
                        "nvmlInit",
                        "nvmlDeviceGetHandleByIndex"));
        assertEquals(0, r.exit(), r.err());
        // Calls to the symbols this double lacks would land in nvmlErrorString: FallbackTest counts those.
        assertEquals("probe ok\n", r.out());
    }
}
