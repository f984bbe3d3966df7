package io.wattguard.source.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.daemon.Daemon;
import io.wattguard.daemon.Settings;
import io.wattguard.testing.Configs;
import io.wattguard.testing.InfluxdTest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host source inside the daemon: {@code host} and {@code evidence} points as InfluxDB stores them. */
class HostSourceInfluxTest extends InfluxdTest {
    @TempDir
    Path tmp;

    @Test
    void hostAndEvidencePointsReachInfluxdb() throws Exception {
        try (TestProcesses procs = new TestProcesses()) {
            Path xmrig = TestProcesses.copyOfSleep(tmp.resolve("bin"), "xmrig");
            long pid = procs.start(List.of(xmrig.toString(), "120"), c -> c.startsWith(xmrig.toString()))
                    .pid();
            Settings settings = Configs.load(tmp, """
                    instance: gpu-07
                    influxdb: {url: %s, database: hostdb}
                    batch: {max_points: 100, max_delay: 100ms}
                    spool: {dir: %s}
                    http: {enabled: false}
                    self_interval: 1h
                    topology:
                      rooms:
                        - name: hall-a
                          racks:
                            - name: r01
                              hosts: [{name: gpu-07}]
                    sources:
                      - name: host
                        type: host
                        interval: 1s
                        evidence_interval: 1s
                        probe_pids: 1024
                    """.formatted(influxd.url(), tmp.resolve("spool")));
            try (Daemon daemon = new Daemon(settings, Clock.systemUTC())) {
                daemon.start();
                await(
                        Duration.ofSeconds(60),
                        "first points in InfluxDB",
                        () -> daemon.sink().stats().pointsWritten.get() > 0);
                await(
                        Duration.ofSeconds(60),
                        "host points with CPU utilisation and an xmrig evidence point",
                        () -> !query(
                                                "hostdb",
                                                "SELECT cpu_util_pct FROM host WHERE time > now() - 1h AND time < now() + 1h")
                                        .isEmpty()
                                && !query(
                                                "hostdb",
                                                "SELECT pid FROM evidence WHERE process = 'xmrig' AND time > now() - 1h "
                                                        + "AND time < now() + 1h")
                                        .isEmpty());
            }
            Map<String, Object> host = query(
                            "hostdb", "SELECT * FROM host WHERE time > now() - 1h AND time < now() + 1h")
                    .get(0);
            assertEquals("gpu-07", host.get("host"));
            assertEquals("r01", host.get("rack"));
            assertTrue(((Number) host.get("mem_used_pct")).doubleValue() > 0, host.toString());
            List<Map<String, Object>> evidence =
                    query("hostdb", "SELECT * FROM evidence WHERE time > now() - 1h AND time < now() + 1h");
            Map<String, Object> miner = evidence.stream()
                    .filter(r -> "miner_process".equals(r.get("kind")) && "xmrig".equals(r.get("process")))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no miner_process point: " + evidence));
            assertEquals(pid, miner.get("pid"));
            assertEquals(0.9, ((Number) miner.get("score")).doubleValue());
            assertEquals("gpu-07", miner.get("host"));
            assertEquals("r01", miner.get("rack"));
            assertTrue(((String) miner.get("detail")).contains(xmrig.toString()), miner.toString());
            assertTrue(
                    evidence.stream()
                            .anyMatch(r -> "temp_executable".equals(r.get("kind")) && pid == (Long) r.get("pid")),
                    evidence.toString());
        }
    }
}
