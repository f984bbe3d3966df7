package io.wattguard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.nvml.testing.Components;
import io.wattguard.nvml.testing.FakeNvml;
import io.wattguard.source.nvml.ProcessResolver;
import io.wattguard.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code wattguard gpus} as an operator runs it: against NVIDIA's real library here, and against the C double. */
class GpusCommandTest {

    static final String SCRIPT = """
            gpu 0 uuid=GPU-00000000-1111-2222-3333-444444444444 name=NVIDIA_H100_80GB_HBM3 util_gpu=97 util_mem=45 power_mw=650125 power_limit_mw=700000 energy_mj=12500000000 temp_c=71 sm_clock=1980 mem_clock=2619 mem_total=85899345920 mem_used=42949672960 mem_free=42949672960 throttle=0x44
            gpu 1 uuid=GPU-55555555-6666-7777-8888-999999999999 name=NVIDIA_A100-SXM4-40GB util_gpu=0 power_mw=90000 power_limit_mw=400000 energy_mj=360000 throttle=0 mig_current=1 mig_pending=1
            mig 1 0 gi=1 ci=0 uuid=MIG-11111111-2222-3333-4444-555555555555 name=NVIDIA_A100-SXM4-40GB_MIG_3g.20gb mem_total=20937965568 mem_used=1073741824 mem_free=19864223744
            gpu 2 uuid=GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee name=Tesla_T4 util_gpu=50 temp_c=60
            gpu 3 uuid=GPU-ffffffff-0000-1111-2222-333333333333 name=Tesla_V100 lost=15
            """;

    @Test
    void withoutADriverItExitsTwoWithTheBindingsMessage() {
        String lib = Components.realLibrary().toString();
        Cli.Result r = Cli.run("gpus", "--library", lib);
        System.out.println("$ wattguard gpus --library " + lib + "\n" + r.err() + "(exit " + r.code() + ")");
        assertEquals(2, r.code());
        assertEquals("", r.out());
        assertTrue(
                r.err()
                        .startsWith("NVML at " + lib + " loaded, but nvmlInit_v2 returned 9 (Driver Not Loaded): the "
                                + "NVIDIA kernel driver is not running on this machine"),
                r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace");
        assertEquals(1, r.err().lines().count(), "one message");
    }

    @Test
    void aRelativeLibraryPathIsTakenFromTheWorkingDirectory() {
        Path lib = Components.realLibrary();
        Path relative = Path.of("").toAbsolutePath().relativize(lib);
        Cli.Result r = Cli.run("gpus", "--library", relative.toString());
        assertEquals(2, r.code());
        assertTrue(
                r.err().startsWith("NVML at " + lib + " loaded, but nvmlInit_v2 returned 9 (Driver Not Loaded)"),
                r.err());
    }

    private static final String LIBRARY_ADVICE = ". Give the path of the driver's libnvidia-ml.so.1 with --library "
            + "PATH, or leave --library out for the default search: the system's library path, then the folders "
            + "NVIDIA drivers install it in.\n";

    @Test
    void aMissingLibraryIsBadInputNamingTheOption() {
        Cli.Result r = Cli.run("gpus", "--library", "/opt/nowhere/libnvidia-ml.so.1");
        assertEquals(2, r.code());
        assertEquals("--library /opt/nowhere/libnvidia-ml.so.1: no such file" + LIBRARY_ADVICE, r.err());
    }

    @Test
    void aFileThatIsNotNvmlIsNotCalledMissing() {
        Cli.Result r = Cli.run("gpus", "--library", "/etc/passwd");
        assertEquals(2, r.code());
        assertEquals(
                "--library /etc/passwd: the file exists but is not a loadable NVML library" + LIBRARY_ADVICE, r.err());
    }

    @Test
    void withoutLibraryTheAdviceNamesTheOption() {
        Cli.Result r = Cli.run("gpus");
        // Machine-dependent, never skipped: a GPU host lists its GPUs; any other says how to point at NVML.
        if (r.code() == 0) {
            assertTrue(r.err().isEmpty() && !r.out().isEmpty(), r.out() + r.err());
            return;
        }
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().endsWith(", or give its path with --library PATH.\n"), r.err());
    }

    @Test
    void aTableOfGpusAndTheirProcesses() throws Exception {
        Process sleep = new ProcessBuilder("sleep", "600").start();
        try {
            FakeNvml fake = FakeNvml.start(SCRIPT + """
                    proc 0 kind=compute pid=%d mem=1073741824 sm=88 memutil=40 ts=1000
                    proc 1 kind=compute pid=999999999 mem=524288000 gi=1 ci=0
                    """.formatted(sleep.pid()));
            Cli.Result r = Cli.run("gpus", "--library", fake.path());
            System.out.println("$ wattguard gpus --library " + fake.path() + "\n" + r.out() + r.err());
            assertEquals(0, r.code(), r.err());
            String user = System.getProperty("user.name");
            String exe = Path.of("/proc/" + sleep.pid() + "/exe").toRealPath().toString();
            String[] lines = r.out().split("\n");
            assertEquals("NVML 12.535.261.03, driver 535.261.03, CUDA 12.2, 4 GPUs (" + fake.path() + ")", lines[0]);
            assertEquals("", lines[1]);
            assertEquals(
                    List.of(
                            "GPU        MODEL                              UTIL  MEM UTIL  POWER / LIMIT  ENERGY SINCE LOAD  TEMP  "
                                    + "SM CLOCK  MEM CLOCK  MEMORY USED      THROTTLE",
                            "0          NVIDIA H100 80GB HBM3              97 %  45 %      650.1 / 700 W  3.472 kWh          71 C  "
                                    + "1980 MHz  2619 MHz   40.0 / 80.0 GiB  sw power cap, hw thermal",
                            "1          NVIDIA A100-SXM4-40GB              0 %   0 %       90 / 400 W     0.000 kWh          -     "
                                    + "-         -          -                none",
                            "1 mig 1/0  NVIDIA A100-SXM4-40GB MIG 3g.20gb  -     -         -              -                  -     "
                                    + "-         -          1.0 / 19.5 GiB   -",
                            "2          Tesla T4                           50 %  0 %       -              -                  60 C  "
                                    + "-         -          -                -",
                            "3          (lost)",
                            "GPU 3 is lost: nvmlDeviceGetHandleByIndex_v2 returned 15 (GPU is lost)",
                            ""),
                    List.of(lines).subList(2, 10));
            // Process columns are as wide as this machine's user name and pids: compare cells.
            assertEquals(
                    List.of("GPU", "PID", "USER", "NAME", "GPU MEMORY", "SM", "CONTAINER", "EXECUTABLE"),
                    List.of(lines[10].split(" {2,}")));
            String container = ProcessResolver.containerId(
                            Files.readString(Path.of("/proc/" + sleep.pid() + "/cgroup")))
                    .map(c -> c.substring(0, 12))
                    .orElse("-");
            assertEquals(
                    List.of("0", Long.toString(sleep.pid()), user, "sleep", "1.0 GiB", "88 %", container, exe),
                    List.of(lines[11].split(" {2,}")));
            assertEquals(
                    List.of("1 mig 1/0", "999999999", "-", "(not in /proc)", "500 MiB", "-", "-", "-"),
                    List.of(lines[12].split(" {2,}")));
            assertEquals(13, lines.length);

            Cli.Result j = Cli.run("gpus", "--library", fake.path(), "--json");
            assertEquals(0, j.code(), j.err());
            JsonNode root = new ObjectMapper().readTree(j.out());
            assertEquals("535.261.03", root.path("driver").asText());
            JsonNode h100 = root.path("gpus").path(0);
            assertEquals(650.125, h100.path("power_w").asDouble());
            assertEquals(12_500_000.0, h100.path("energy_since_driver_load_j").asDouble());
            assertEquals(
                    "[\"sw power cap\",\"hw thermal\"]", h100.path("throttle").toString());
            assertEquals(0x44, h100.path("throttle_reasons").asInt());
            JsonNode t4 = root.path("gpus").path(3);
            assertEquals("Tesla T4", t4.path("model").asText());
            assertFalse(t4.has("power_w") || t4.has("energy_since_driver_load_j"), "absent, not 0: " + t4);
            assertEquals("1/0", root.path("gpus").path(2).path("mig").asText());
            assertEquals(
                    "GPU 3 is lost: nvmlDeviceGetHandleByIndex_v2 returned 15 (GPU is lost)",
                    root.path("gpus").path(4).path("lost").asText());
            JsonNode p = root.path("processes").path(0);
            assertEquals(sleep.pid(), p.path("pid").asLong());
            assertEquals("sleep", p.path("name").asText());
            assertEquals(user, p.path("user").asText());
            assertEquals(1073741824L, p.path("mem_bytes").asLong());
            assertEquals("1/0", root.path("processes").path(1).path("mig").asText());
        } finally {
            sleep.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
