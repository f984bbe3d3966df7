package io.wattguard.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.core.Sample;
import io.wattguard.store.spool.FsyncPolicy;
import io.wattguard.store.spool.Spool;
import io.wattguard.testing.Configs;
import io.wattguard.testing.InfluxdTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Once a reading has been taken it reaches InfluxDB, whatever happens to InfluxDB or the daemon. */
class DurabilityTest extends InfluxdTest {
    @TempDir
    Path tmp;

    private String config(String db, Path spool, String interval) {
        return """
                instance: durability
                influxdb: {url: %s, database: %s, timeout: 2s}
                batch: {max_points: 500, max_delay: 200ms}
                spool: {dir: %s}
                http: {enabled: false}
                self_interval: 1h
                sources:
                  - name: steady
                    type: synthetic
                    interval: %s
                    series:
                      - measurement: gpu
                        repeat: 10
                        tags: {host: "h{i:02}", gpu: "0"}
                        fields:
                          power_w: {sine: {mean: 300, amplitude: 120, period: 7m}}
                          energy_j: {counter: {rate: 300}}
                """.formatted(influxd.url(), db, spool, interval);
    }

    @Test
    void influxdbStoppedForThirtySecondsLosesNothing() throws Exception {
        Settings settings = Configs.load(tmp, config("outage", tmp.resolve("spool"), "200ms"));
        List<Sample> emitted = Collections.synchronizedList(new ArrayList<>());
        // Only the source's own points: the collector's self-metrics (hourly here) pass the tap too.
        try (Daemon daemon = new Daemon(settings, Clock.systemUTC(), batch -> batch.stream()
                .filter(x -> x.measurement().equals("gpu"))
                .forEach(emitted::add))) {
            daemon.start();
            await(
                    Duration.ofSeconds(20),
                    "first points in InfluxDB",
                    () -> daemon.sink().stats().pointsWritten.get() > 0);
            influxd.stop();
            long stoppedAt = System.nanoTime();
            await(Duration.ofSeconds(40), "30 s of outage", () -> System.nanoTime() - stoppedAt > 30_000_000_000L);
            assertTrue(daemon.sink().spoolBytes() > 0, "samples were spooled during the outage");
            assertEquals(
                    "unreachable", daemon.health().path("sink").path("influxdb").asText());
            influxd.start();
            await(Duration.ofSeconds(20), "more samples after the restart", () -> emitted.size() > 0);
            daemon.scheduler().close(); // stop the stream; what was emitted must all arrive
            await(
                    Duration.ofSeconds(90),
                    "the spool to drain",
                    () -> daemon.sink().spoolBytes() == 0);
            assertTrue(daemon.sink().flush(Duration.ofSeconds(30)));
        }
        List<Map<String, Object>> stored =
                query("outage", "SELECT power_w, energy_j, host FROM gpu WHERE time >= 0 AND time <= now()");
        Map<String, Map<String, Object>> byKey = new HashMap<>();
        stored.forEach(r -> byKey.put(r.get("host") + "@" + r.get("time"), r));
        assertTrue(emitted.size() > 30 * 5 * 10, "a steady stream through the outage: " + emitted.size());
        Set<String> emittedKeys = new HashSet<>();
        List<String> twice = new ArrayList<>();
        for (Sample s : emitted) {
            if (!emittedKeys.add(s.tag("host") + "@" + s.timestampMs())) {
                twice.add(s.tag("host") + "@" + s.timestampMs());
            }
        }
        Set<String> missing = new java.util.TreeSet<>(emittedKeys);
        missing.removeAll(byKey.keySet());
        assertEquals(Set.of(), missing, "emitted but not stored (" + emitted.size() + " emitted)");
        assertEquals(List.of(), twice, "a tick polled twice");
        assertEquals(emitted.size(), stored.size(), "every emitted sample is stored, once");
        for (Sample s : emitted) {
            Map<String, Object> r = byKey.get(s.tag("host") + "@" + s.timestampMs());
            assertTrue(r != null, "missing in InfluxDB: " + s);
            assertEquals((Double) s.field("power_w"), ((Number) r.get("power_w")).doubleValue(), 0.0, s.toString());
            assertEquals((Double) s.field("energy_j"), ((Number) r.get("energy_j")).doubleValue(), 0.0, s.toString());
        }
    }

    @Test
    void sigkilledThreeTimesWhileInfluxdbIsDownEverySpooledSampleIsDelivered() throws Exception {
        Path spool = tmp.resolve("spool");
        Path cfg = Files.writeString(tmp.resolve("wattguard.yaml"), config("killed", spool, "100ms"));
        influxd.stop();
        for (int round = 0; round < 3; round++) {
            Process p = daemon(cfg, "run-" + round);
            long before = spooledBytes(spool);
            await(Duration.ofSeconds(30), "the daemon to spool more", () -> spooledBytes(spool) > before + 20_000);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no shutdown hook, no flush
        }
        Set<String> spooled = spooledLines(spool);
        assertTrue(spooled.size() > 200, "spooled before the kills: " + spooled.size());

        influxd.start();
        Process p = daemon(cfg, "run-final");
        try {
            await(Duration.ofSeconds(120), "every spooled sample in InfluxDB", () -> stored("killed")
                    .containsAll(spooled));
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
        assertTrue(stored("killed").containsAll(spooled));
    }

    private Process daemon(Path cfg, String name) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(
                        java,
                        "-Xmx64m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.wattguard.cli.Main",
                        "run",
                        "--config",
                        cfg.toString())
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".log").toFile())
                .start();
    }

    private static long spooledBytes(Path spool) {
        if (!Files.isDirectory(spool)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(spool)) {
            return s.filter(p -> p.toString().endsWith(".seg"))
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Every line in the spool, read with a copy so the original is left as the daemon will find it. */
    private Set<String> spooledLines(Path spool) throws IOException {
        Path copy = tmp.resolve("spool-copy");
        Files.createDirectories(copy);
        try (Stream<Path> s = Files.list(spool)) {
            for (Path p : s.toList()) {
                if (p.toFile().isFile()) {
                    Files.copy(p, copy.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Set<String> lines = new HashSet<>();
        try (Spool s = new Spool(copy, Long.MAX_VALUE, 1 << 24, FsyncPolicy.NEVER, 1000, Clock.systemUTC())) {
            Spool.Entry e;
            while ((e = s.peek()) != null) {
                for (String line : e.text().split("\n")) {
                    if (line.startsWith("gpu,")) {
                        lines.add(key(line));
                    }
                }
                s.ack(e);
            }
        }
        return lines;
    }

    /** host, time and power as written: "h03 1764000000000 301.5". */
    private static String key(String line) {
        String host = line.replaceAll(".*host=([^, ]+).*", "$1");
        String power = line.replaceAll(".* .*power_w=([^, ]+).*", "$1");
        String time = line.substring(line.lastIndexOf(' ') + 1);
        return host + " " + time + " " + Double.parseDouble(power);
    }

    private static Set<String> stored(String db) {
        Set<String> out = new HashSet<>();
        for (Map<String, Object> r :
                query(influxd.url(), db, "SELECT power_w, host FROM gpu WHERE time >= 0 AND time <= now()")) {
            out.add(r.get("host") + " " + r.get("time") + " " + ((Number) r.get("power_w")).doubleValue());
        }
        return out;
    }
}
