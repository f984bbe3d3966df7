package io.wattguard.source.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.daemon.Daemon;
import io.wattguard.nvml.testing.FakeNvml;
import io.wattguard.testing.InfluxdTest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The allowlist end to end: scripted GPUs and real processes behind the C double of NVML, the daemon writing into a
 * real influxd, and what an operator reads back: {@code business} on each process, {@code business_load} per host.
 */
class NvmlBusinessLoadTest extends InfluxdTest {
    @TempDir
    Path tmp;

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void stopChildren() throws InterruptedException {
        for (Process p : children) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Process start(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).start();
        children.add(p);
        return p;
    }

    private Daemon daemon(String db, FakeNvml fake, String allowlist) {
        return new Daemon(NvmlSourceTest.settings(tmp, db, fake, allowlist), Clock.systemUTC());
    }

    private static List<Map<String, Object>> load(String db) {
        return query(db, "SELECT * FROM business_load WHERE time >= 0 AND time <= now()");
    }

    @Test
    void processesAreMarkedAndTheHostsBusinessLoadIsTheUtilisationTheyExplain() throws Exception {
        Process sleep = start("sleep", "600");
        Process tail = start("tail", "-f", "/dev/null");
        String user = System.getProperty("user.name");
        // gpu 0: 80% busy, the business process 60 of the 80 SM points it saw => 60% explained.
        // gpu 1: 50% busy, only the business process, no per-process sample => all 50% explained.
        // gpu 2: 40% busy with a process no rule allows => nothing explained.
        // gpu 3: 30% busy with a pid /proc does not show => nothing explained, whatever process: "*" would say.
        FakeNvml fake = FakeNvml.start("""
                gpu 0 uuid=GPU-0 util_gpu=80
                gpu 1 uuid=GPU-1 util_gpu=50
                gpu 2 uuid=GPU-2 util_gpu=40
                gpu 3 uuid=GPU-3 util_gpu=30
                proc 0 kind=compute pid=%1$d mem=1048576 sm=60 ts=1000
                proc 0 kind=compute pid=%2$d mem=1048576 sm=20 ts=1000
                proc 1 kind=compute pid=%1$d mem=1048576
                proc 2 kind=compute pid=%2$d mem=1048576
                proc 3 kind=compute pid=999999999 mem=1048576
                """.formatted(sleep.pid(), tail.pid()));
        String allowlist = """
                allowlist:
                  - {process: sleep, user: %s}
                  - {process: tail, user: nobody-at-all}
                  - {exe: "/nonexistent/**"}
                """.formatted(user);
        try (Daemon d = daemon("allow", fake, allowlist)) {
            d.start();
            await(
                    Duration.ofSeconds(20),
                    "three business_load points",
                    () -> load("allow").size() >= 3);
        }
        List<Map<String, Object>> points = load("allow");
        Map<String, Object> first = points.get(0);
        assertEquals("gpu-node-07", first.get("entity"));
        assertEquals("host", first.get("level"));
        assertEquals("allowlist", first.get("source"));
        assertEquals("a01", first.get("rack"), "topology tags, as on every point of a known host");
        assertEquals("hall-a", first.get("room"));
        // The first poll has per-process SM samples: (60 + 50 + 0 + 0) / 400.
        assertEquals(0.275, ((Number) first.get("value")).doubleValue(), 1e-9);
        assertEquals(1.0, ((Number) first.get("raw")).doubleValue(), "one business process (on two GPUs)");
        // Later polls have no sample (NVML gives each once): gpu 0 mixes business and not, so none of it counts.
        Map<String, Object> last = points.get(points.size() - 1);
        assertEquals(0.125, ((Number) last.get("value")).doubleValue(), 1e-9);

        Map<String, Object> business = new TreeMap<>();
        query("allow", "SELECT last(business) FROM gpu_process WHERE time >= 0 AND time <= now() GROUP BY gpu, process")
                .forEach(r -> business.put(r.get("gpu") + " " + r.get("process"), r.get("last")));
        assertEquals(
                Map.of(
                        "0 sleep",
                        true,
                        "0 tail",
                        false,
                        "1 sleep",
                        true,
                        "2 tail",
                        false,
                        "3 " + NvmlSource.NOT_IN_PROC,
                        false),
                business);
    }

    @Test
    void withoutAnAllowlistNoBusinessLoadIsClaimed() throws Exception {
        Process sleep = start("sleep", "600");
        FakeNvml fake = FakeNvml.start(
                "gpu 0 uuid=GPU-0 util_gpu=80\nproc 0 kind=compute pid=%d mem=1\n".formatted(sleep.pid()));
        try (Daemon d = daemon("none", fake, "")) {
            d.start();
            await(Duration.ofSeconds(20), "process points", () -> !query(
                            "none", "SELECT * FROM gpu_process WHERE time >= 0 AND time <= now()")
                    .isEmpty());
            Thread.sleep(500);
        }
        assertTrue(load("none").isEmpty(), "no business_load: a 0 would claim nothing explains the power");
        assertTrue(query("none", "SHOW FIELD KEYS FROM gpu_process").stream()
                .noneMatch(r -> "business".equals(r.get("fieldKey"))));
    }
}
