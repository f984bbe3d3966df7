package io.wattguard.source.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.wattguard.daemon.Daemon;
import io.wattguard.daemon.Settings;
import io.wattguard.nvml.testing.FakeNvml;
import io.wattguard.testing.Configs;
import io.wattguard.testing.InfluxdTest;
import java.io.IOException;
import java.nio.file.Files;
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
 * The GPU source in the daemon, against the C test double of libnvidia-ml.so.1 (NVIDIA's struct layouts), writing into
 * a real influxd: what an operator reads back from the store.
 */
class NvmlSourceTest extends InfluxdTest {
    static final String H100 = "GPU-00000000-1111-2222-3333-444444444444";
    static final String A100 = "GPU-55555555-6666-7777-8888-999999999999";
    static final String T4 = "GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
    static final String GPUS = """
            gpu 0 uuid=%s name=NVIDIA_H100_80GB_HBM3 util_gpu=97 util_mem=45 power_mw=650125 power_limit_mw=700000 energy_mj=12500000000 temp_c=71 sm_clock=1980 mem_clock=2619 mem_total=85899345920 mem_used=42949672960 mem_free=42949672960 throttle=0x44
            gpu 1 uuid=%s name=NVIDIA_A100-SXM4-80GB util_gpu=3 util_mem=1 power_mw=61000 power_limit_mw=400000 energy_mj=777000 temp_c=34 sm_clock=210 mem_clock=1593 mem_total=85899345920 mem_used=1048576 mem_free=85898297344 throttle=1
            gpu 2 uuid=%s name=Tesla_T4 util_gpu=50 util_mem=20 temp_c=60 fail.procs_compute=3 fail.procs_graphics=3
            """.formatted(H100, A100, T4);

    @TempDir
    Path tmp;

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void stopChildren() throws InterruptedException {
        for (Process p : children) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Settings settings(String db, FakeNvml fake, String extra) {
        return settings(tmp, db, fake, extra);
    }

    /** A GPU agent of host gpu-node-07 in rack a01 polling the fake library every 200 ms into {@code db}. */
    static Settings settings(Path tmp, String db, FakeNvml fake, String extra) {
        return Configs.load(
                tmp, """
                instance: gpu-node-07
                influxdb: {url: %s, database: %s}
                batch: {max_points: 200, max_delay: 100ms}
                spool: {dir: %s}
                http: {enabled: false}
                self_interval: 1h
                topology:
                  site: lab
                  rooms: [{name: hall-a, racks: [{name: a01, hosts: [{name: gpu-node-07}]}]}]
                sources:
                  - name: gpus
                    type: nvml
                    interval: 200ms
                    library: %s
                    lost_retry: 0s
                %s""".formatted(influxd.url(), db, tmp.resolve("spool-" + db), fake.path(), extra.indent(4)));
    }

    /** Rows of a query; none while the daemon has not created the database yet. */
    static List<Map<String, Object>> rows(String db, String influxQl) {
        try {
            return query(db, influxQl);
        } catch (AssertionError e) {
            if (e.getMessage().contains("database not found")) {
                return List.of();
            }
            throw e;
        }
    }

    /** The newest row of each series (tags plus fields, nulls and time left out), keyed by its distinguishing tags. */
    private static Map<String, Map<String, Object>> latest(String db, String measurement, String... keyTags) {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        for (Map<String, Object> row :
                rows(db, "SELECT * FROM " + measurement + " WHERE time >= 0 AND time <= now()")) {
            StringBuilder key = new StringBuilder();
            for (String t : keyTags) {
                key.append(key.length() == 0 ? "" : " ").append(row.get(t));
            }
            Map<String, Object> values = new TreeMap<>();
            row.forEach((k, v) -> {
                if (v != null && !k.equals("time")) {
                    values.put(k, v instanceof Number n ? (Object) n.doubleValue() : v);
                }
            });
            out.put(key.toString(), values);
        }
        return out;
    }

    private static long count(String db, String where) {
        List<Map<String, Object>> r = rows(db, "SELECT count(temp_c) FROM gpu WHERE " + where);
        return r.isEmpty() ? 0 : ((Number) r.get(0).get("count")).longValue();
    }

    private static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1] instanceof Number n ? (Object) n.doubleValue() : kv[i + 1]);
        }
        return m;
    }

    private Process sleeper() throws IOException {
        Process p = new ProcessBuilder("sleep", "600").start();
        children.add(p);
        return p;
    }

    @Test
    void everyFieldOfEveryScriptedGpuIsStoredExactlyAndAbsentOnesStayAbsent() {
        FakeNvml fake = FakeNvml.start(GPUS);
        try (Daemon daemon = new Daemon(settings("fields", fake, ""), Clock.systemUTC())) {
            daemon.start();
            await(
                    Duration.ofSeconds(20),
                    "points of all three GPUs",
                    () -> latest("fields", "gpu", "gpu").size() == 3);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        Map<String, Map<String, Object>> gpus = latest("fields", "gpu", "gpu");
        Map<String, Object> where = row("host", "gpu-node-07", "site", "lab", "room", "hall-a", "rack", "a01");
        Map<String, Object> h100 = row(
                "gpu",
                "0",
                "uuid",
                H100,
                "model",
                "NVIDIA H100 80GB HBM3",
                "util_pct",
                97,
                "mem_util_pct",
                45,
                "power_w",
                650.125,
                "power_limit_w",
                700,
                "energy_j",
                12_500_000,
                "temp_c",
                71,
                "sm_clock_mhz",
                1980,
                "mem_clock_mhz",
                2619,
                "mem_used_bytes",
                42949672960L,
                "throttle_reasons",
                0x44,
                "processes",
                0);
        h100.putAll(where);
        assertEquals(h100, gpus.get("0"));
        Map<String, Object> a100 = row(
                "gpu",
                "1",
                "uuid",
                A100,
                "model",
                "NVIDIA A100-SXM4-80GB",
                "util_pct",
                3,
                "mem_util_pct",
                1,
                "power_w",
                61,
                "power_limit_w",
                400,
                "energy_j",
                777,
                "temp_c",
                34,
                "sm_clock_mhz",
                210,
                "mem_clock_mhz",
                1593,
                "mem_used_bytes",
                1048576,
                "throttle_reasons",
                1,
                "processes",
                0);
        a100.putAll(where);
        assertEquals(a100, gpus.get("1"));
        // A T4 in a VM: no power, energy, clocks, memory or process list through NVML. Absent, never 0.
        Map<String, Object> t4 =
                row("gpu", "2", "uuid", T4, "model", "Tesla T4", "util_pct", 50, "mem_util_pct", 20, "temp_c", 60);
        t4.putAll(where);
        assertEquals(t4, gpus.get("2"));

        Map<String, String> types = new TreeMap<>();
        query("fields", "SHOW FIELD KEYS FROM gpu")
                .forEach(r -> types.put((String) r.get("fieldKey"), (String) r.get("fieldType")));
        Map<String, String> expected = new TreeMap<>();
        NvmlConfig.GPU_FIELDS.forEach(f -> expected.put(f, "float"));
        expected.put("throttle_reasons", "integer");
        expected.put("processes", "integer");
        assertEquals(expected, types, "the schema's types: integers where DESIGN.md says (int), floats elsewhere");
    }

    @Test
    void processesAreNamedThroughProcWithTheirUserExecutableAndContainer() throws Exception {
        Process a = sleeper();
        Process b = sleeper();
        long low = Math.min(a.pid(), b.pid());
        long high = Math.max(a.pid(), b.pid());
        FakeNvml fake = FakeNvml.start(GPUS + """
                proc 0 kind=compute pid=%d mem=1073741824 sm=88 memutil=40 ts=1000
                proc 0 kind=compute pid=%d mem=2147483648 sm=7 memutil=2 ts=1001
                proc 1 kind=graphics pid=999999999 mem=5242880
                """.formatted(low, high));
        try (Daemon daemon = new Daemon(settings("procs", fake, ""), Clock.systemUTC())) {
            daemon.start();
            await(
                    Duration.ofSeconds(20),
                    "three gpu_process series",
                    () -> latest("procs", "gpu_process", "gpu", "process").size() == 3);
        }
        String exe = Path.of("/proc/" + low + "/exe").toRealPath().toString();
        String user = System.getProperty("user.name");
        String container = ProcessResolver.containerId(Files.readString(Path.of("/proc/" + low + "/cgroup")))
                .orElse(null);
        Map<String, Map<String, Object>> procs = latest("procs", "gpu_process", "gpu", "process");
        Map<String, Object> first = row(
                "host",
                "gpu-node-07",
                "site",
                "lab",
                "room",
                "hall-a",
                "rack",
                "a01",
                "gpu",
                "0",
                "process",
                "sleep",
                "pid",
                low,
                "mem_bytes",
                1073741824L,
                "user",
                user,
                "exe",
                exe);
        Map<String, Object> second = row(
                "host",
                "gpu-node-07",
                "site",
                "lab",
                "room",
                "hall-a",
                "rack",
                "a01",
                "gpu",
                "0",
                "process",
                "sleep#" + high,
                "pid",
                high,
                "mem_bytes",
                2147483648L,
                "user",
                user,
                "exe",
                exe);
        if (container != null) {
            first.put("container", container);
            second.put("container", container);
        }
        // Utilisation samples come once: the first poll takes them, later polls have none for the process.
        Map<String, Object> gotFirst = new TreeMap<>(procs.get("0 sleep"));
        Map<String, Object> gotSecond = new TreeMap<>(procs.get("0 sleep#" + high));
        gotFirst.remove("sm_util_pct");
        gotSecond.remove("sm_util_pct");
        assertEquals(first, gotFirst);
        assertEquals(second, gotSecond, "a second process of one name gets a series of its own");
        List<Map<String, Object>> sm = query(
                "procs",
                "SELECT max(sm_util_pct) FROM gpu_process WHERE time >= 0 AND " + "time <= now() GROUP BY process");
        assertEquals(
                List.of(88.0, 7.0),
                sm.stream().map(r -> ((Number) r.get("max")).doubleValue()).toList());
        assertEquals(
                row(
                        "host",
                        "gpu-node-07",
                        "site",
                        "lab",
                        "room",
                        "hall-a",
                        "rack",
                        "a01",
                        "gpu",
                        "1",
                        "process",
                        NvmlSource.NOT_IN_PROC,
                        "pid",
                        999999999,
                        "mem_bytes",
                        5242880),
                procs.get("1 " + NvmlSource.NOT_IN_PROC),
                "a pid /proc does not show is still written, and says so");
        Map<String, Map<String, Object>> gpus = latest("procs", "gpu", "gpu");
        assertEquals(2.0, gpus.get("0").get("processes"));
        assertEquals(1.0, gpus.get("1").get("processes"));
    }

    @Test
    void aGpuLostMidRunStopsOnlyItsOwnPointsAndComesBack() throws Exception {
        FakeNvml fake = FakeNvml.start(GPUS);
        try (Daemon daemon = new Daemon(settings("lost", fake, ""), Clock.systemUTC())) {
            daemon.start();
            await(
                    Duration.ofSeconds(20),
                    "points of all three GPUs",
                    () -> latest("lost", "gpu", "gpu").size() == 3);
            long lostAt = System.currentTimeMillis();
            fake.apply("gpu 1 lost=15\n");
            await(
                    Duration.ofSeconds(20),
                    "ten more polls of the other GPUs",
                    () -> count("lost", "gpu = '0' AND time > " + lostAt + "ms") >= 10
                            && count("lost", "gpu = '2' AND time > " + lostAt + "ms") >= 10);
            await(Duration.ofSeconds(20), "the lost GPU in /health", () -> daemon.health()
                    .path("sources")
                    .path(0)
                    .path("last_error")
                    .asText()
                    .contains("GPU 1"));
            JsonNode source = daemon.health().path("sources").path(0);
            assertEquals("gpus", source.path("name").asText());
            assertEquals("failing", source.path("state").asText());
            assertTrue(source.path("errors").asLong() >= 1);
            assertTrue(
                    source.path("last_error").asText().startsWith("gpu 1: GPU 1 (" + A100 + ") is lost"),
                    source.path("last_error").asText());
            long backAt = System.currentTimeMillis();
            assertEquals(
                    0,
                    count("lost", "gpu = '1' AND time > " + lostAt + "ms AND time <= " + backAt + "ms"),
                    "no points of the lost GPU");
            fake.apply("gpu 1 lost=0 power_mw=75000\n");
            await(
                    Duration.ofSeconds(20),
                    "the GPU back",
                    () -> count("lost", "gpu = '1' AND time > " + backAt + "ms") > 0);
            await(Duration.ofSeconds(20), "the source healthy again", () -> "ok"
                    .equals(daemon.health()
                            .path("sources")
                            .path(0)
                            .path("state")
                            .asText()));
        }
        assertEquals(75.0, latest("lost", "gpu", "gpu").get("1").get("power_w"));
    }

    @Test
    void energyKeepsGrowingThroughACounterReset() throws Exception {
        FakeNvml fake = FakeNvml.start(GPUS);
        try (Daemon daemon = new Daemon(settings("energy", fake, ""), Clock.systemUTC())) {
            daemon.start();
            await(Duration.ofSeconds(20), "the first energy reading", () -> energy("energy") == 12_500_000.0);
            fake.apply("gpu 0 energy_mj=12600000000\n");
            await(Duration.ofSeconds(20), "100 kJ more", () -> energy("energy") == 12_600_000.0);
            fake.apply("gpu 0 energy_mj=5000\n"); // the driver reloaded: its counter starts again from 0
            await(Duration.ofSeconds(20), "5 J after the reset", () -> energy("energy") == 12_600_005.0);
            fake.apply("gpu 0 energy_mj=105000\n");
            await(Duration.ofSeconds(20), "100 J more", () -> energy("energy") == 12_600_105.0);
        }
        List<Double> series =
                query("energy", "SELECT energy_j FROM gpu WHERE gpu = '0' AND time >= 0 AND time <= now()").stream()
                        .map(r -> ((Number) r.get("energy_j")).doubleValue())
                        .toList();
        for (int i = 1; i < series.size(); i++) {
            assertTrue(series.get(i) >= series.get(i - 1), "energy_j never falls: " + series);
        }
    }

    private static double energy(String db) {
        List<Map<String, Object>> r =
                rows(db, "SELECT last(energy_j) FROM gpu WHERE gpu = '0' AND time >= 0 AND " + "time <= now()");
        return r.isEmpty() ? -1 : ((Number) r.get(0).get("last")).doubleValue();
    }

    @Test
    void migDevicesAreGpuPointsTaggedWithTheirInstancesAndSoAreTheirProcesses() throws Exception {
        Process p = sleeper();
        FakeNvml fake = FakeNvml.start("""
                gpu 0 uuid=GPU-a100 name=NVIDIA_A100-SXM4-40GB util_gpu=0 power_mw=90000 mig_current=1 mig_pending=1
                mig 0 0 gi=1 ci=0 uuid=MIG-11111111-2222-3333-4444-555555555555 name=NVIDIA_A100-SXM4-40GB_MIG_3g.20gb mem_total=20937965568 mem_used=1073741824 mem_free=19864223744
                mig 0 3 gi=2 ci=0 uuid=MIG-66666666-7777-8888-9999-000000000000 name=NVIDIA_A100-SXM4-40GB_MIG_1g.5gb mem_total=4915724288 mem_used=0 mem_free=4915724288
                proc 0 kind=compute pid=%d mem=1073741824 gi=1 ci=0
                """.formatted(p.pid()));
        try (Daemon daemon =
                new Daemon(settings("mig", fake, "fields: [util_pct, power_w, mem_used_bytes]"), Clock.systemUTC())) {
            daemon.start();
            await(
                    Duration.ofSeconds(20),
                    "the GPU and its two MIG devices",
                    () -> latest("mig", "gpu", "gpu", "mig").size() == 3
                            && !latest("mig", "gpu_process", "process").isEmpty());
        }
        Map<String, Map<String, Object>> gpus = latest("mig", "gpu", "gpu", "mig");
        Map<String, Object> where =
                row("host", "gpu-node-07", "site", "lab", "room", "hall-a", "rack", "a01", "gpu", "0");
        Map<String, Object> parent =
                row("uuid", "GPU-a100", "model", "NVIDIA A100-SXM4-40GB", "util_pct", 0, "power_w", 90);
        parent.putAll(where);
        assertEquals(parent, gpus.get("0 null"), "only the configured fields");
        Map<String, Object> slice = row(
                "mig",
                "1/0",
                "uuid",
                "MIG-11111111-2222-3333-4444-555555555555",
                "model",
                "NVIDIA A100-SXM4-40GB MIG 3g.20gb",
                "mem_used_bytes",
                1073741824);
        slice.putAll(where);
        assertEquals(slice, gpus.get("0 1/0"));
        assertEquals(0.0, gpus.get("0 2/0").get("mem_used_bytes"));
        Map<String, Object> proc = latest("mig", "gpu_process", "process").get("sleep");
        assertEquals("1/0", proc.get("mig"), "the process's slice, from NVML's instance ids");
        assertEquals((double) p.pid(), proc.get("pid"));
    }
}
