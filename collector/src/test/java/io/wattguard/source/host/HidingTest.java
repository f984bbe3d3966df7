package io.wattguard.source.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.testing.InfluxdTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The libc-level rootkit trick: a preloaded library whose readdir skips a pid, so ps, top and any program
 * listing /proc miss the process. The library is compiled here from C with gcc, and the scanner runs in a JVM
 * that has it preloaded, exactly as it would on a host with a poisoned /etc/ld.so.preload.
 */
class HidingTest {
    private static final String HIDE_C = """
            #define _GNU_SOURCE
            #include <dirent.h>
            #include <dlfcn.h>
            #include <stdlib.h>
            #include <string.h>

            static int hide(const char *name) {
                const char *pid = getenv("HIDE_PID");
                return pid != NULL && *pid != 0 && strcmp(name, pid) == 0;
            }

            struct dirent *readdir(DIR *d) {
                static struct dirent *(*real)(DIR *);
                if (!real) real = dlsym(RTLD_NEXT, "readdir");
                struct dirent *e;
                while ((e = real(d)) != NULL && hide(e->d_name)) {}
                return e;
            }

            struct dirent64 *readdir64(DIR *d) {
                static struct dirent64 *(*real)(DIR *);
                if (!real) real = dlsym(RTLD_NEXT, "readdir64");
                struct dirent64 *e;
                while ((e = real(d)) != NULL && hide(e->d_name)) {}
                return e;
            }
            """;

    @TempDir
    Path tmp;

    private final TestProcesses procs = new TestProcesses();
    private Path library;

    @BeforeEach
    void compileTheHidingLibrary() throws Exception {
        Path src = Files.writeString(tmp.resolve("hide.c"), HIDE_C);
        library = tmp.resolve("libhide.so");
        Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O2", "-o", library.toString(), src.toString(), "-ldl")
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new AssertionError(
                    "gcc is needed to build the hiding library (run scripts/setup.sh test): " + e.getMessage());
        }
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(gcc.waitFor(60, TimeUnit.SECONDS) && gcc.exitValue() == 0, "gcc failed: " + out);
    }

    @AfterEach
    void stopProcesses() {
        procs.close();
    }

    private Process preloaded(List<String> command, long hide) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("LD_PRELOAD", library.toString());
        pb.environment().put("HIDE_PID", Long.toString(hide));
        return pb.start();
    }

    @Test
    void aProcessHiddenFromReaddirIsFound() throws Exception {
        Process hidden = procs.start(List.of("sleep", "120"), c -> c.equals("sleep 120"));
        long pid = hidden.pid();

        // The library works: ls under it does not list the process.
        Process ls = preloaded(List.of("ls", "/proc"), pid);
        List<String> listing = new String(ls.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .toList();
        assertTrue(ls.waitFor(30, TimeUnit.SECONDS));
        assertTrue(
                listing.contains("1") && !listing.contains(Long.toString(pid)),
                "ls /proc under the library hides " + pid);

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process scan = preloaded(
                List.of(
                        java,
                        "-Xmx128m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.wattguard.cli.Main",
                        "evidence",
                        "--json"),
                pid);
        byte[] stdout = scan.getInputStream().readAllBytes();
        assertTrue(scan.waitFor(120, TimeUnit.SECONDS), "evidence finished");
        assertEquals(0, scan.exitValue(), new String(scan.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        JsonNode report = new ObjectMapper().readTree(stdout);
        List<String> hiddenFindings = new ArrayList<>();
        for (JsonNode f : report.path("findings")) {
            if (f.path("kind").asText().equals(Finding.HIDDEN_PROCESS)) {
                hiddenFindings.add(f.path("pid").asLong() + " "
                        + f.path("process").asText() + ": " + f.path("detail").asText());
            }
        }
        assertEquals(
                List.of(pid + " sleep: /proc/" + pid + " answers but the /proc listing hides it (/usr/bin/sleep)"),
                hiddenFindings,
                new String(stdout, StandardCharsets.UTF_8));
    }

    @Test
    void withoutHidingNothingIsHidden() {
        Process p = procs.start(List.of("sleep", "120"), c -> c.equals("sleep 120"));
        try (EvidenceScanner s =
                new EvidenceScanner(EvidenceScanner.Options.defaults(), Signatures.builtIn(), Clock.systemUTC())) {
            EvidenceScan scan = s.scan(List.of((int) p.pid()));
            assertFalse(
                    scan.findings().stream().anyMatch(f -> f.kind().equals(Finding.HIDDEN_PROCESS)),
                    scan.findings().toString());
        }
    }

    @Test
    void aBusyProcessWithLdPreloadIsFound() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", "while :; do :; done");
        pb.environment().put("LD_PRELOAD", library.toString());
        Process busy = procs.start(pb, c -> c.startsWith("sh -c while"));
        InfluxdTest.await(Duration.ofSeconds(20), "a second of CPU", () -> cpuTicks(busy.pid()) >= 100);
        // Busy means at least busy_cpu_pct of a core since it started (first scan) or since the last scan. The
        // default is 50; this machine's two cores are shared with other builds, so the loop may get less.
        EvidenceScanner.Options d = EvidenceScanner.Options.defaults();
        EvidenceScanner.Options o = new EvidenceScanner.Options(
                d.root(),
                false,
                false,
                List.of(),
                d.poolResolveInterval(),
                List.of(),
                false,
                5,
                d.probePids(),
                d.filesInterval());
        try (EvidenceScanner s = new EvidenceScanner(o, Signatures.builtIn(), Clock.systemUTC())) {
            EvidenceScan scan = s.scan();
            Finding f = scan.findings().stream()
                    .filter(x -> x.pid() == busy.pid() && x.kind().equals(Finding.LD_PRELOAD))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no ld_preload finding: " + scan.findings()));
            assertEquals("busy, and runs with LD_PRELOAD=" + library, f.detail());
        }
    }

    private static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
