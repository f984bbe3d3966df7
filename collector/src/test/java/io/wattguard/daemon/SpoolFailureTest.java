package io.wattguard.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.core.Sample;
import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.testing.Configs;
import io.wattguard.testing.InfluxdTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A spool that cannot be written is an error and a metric; collection and delivery go on. */
class SpoolFailureTest extends InfluxdTest {
    @TempDir
    Path tmp;

    private String config(String db, Path spool, int httpPort) {
        return """
                instance: spoolfail
                influxdb: {url: %s, database: %s, timeout: 2s}
                batch: {max_points: 200, max_delay: 200ms}
                spool: {dir: %s, max_bytes: 1MiB, memory_points: 1000000}
                http: {listen: "127.0.0.1:%d"}
                self_interval: 1h
                sources:
                  - name: steady
                    type: synthetic
                    interval: 100ms
                    series:
                      - measurement: gpu
                        repeat: 20
                        tags: {host: "h{i:02}", gpu: "0"}
                        fields:
                          power_w: {sine: {mean: 300, amplitude: 120, period: 7m}}
                          process_name: {constant: 1}
                """.formatted(influxd.url(), db, spool, httpPort);
    }

    private static String get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static Set<String> keys(List<Sample> samples) {
        Set<String> s = new HashSet<>();
        samples.forEach(x -> s.add(x.tag("host") + "@" + x.timestampMs()));
        return s;
    }

    private Set<String> storedKeys(String db) {
        Set<String> s = new HashSet<>();
        query(db, "SELECT power_w, host FROM gpu WHERE time >= 0 AND time <= now()")
                .forEach(r -> s.add(r.get("host") + "@" + r.get("time")));
        return s;
    }

    @Test
    void anUnwritableSpoolIsReportedAndSamplesStillReachInfluxdb() throws Exception {
        Path notADir = Files.writeString(tmp.resolve("spool-is-a-file"), "x");
        int port = PrivateInfluxd.freePort();
        Settings settings = Configs.load(tmp, config("unwritable", notADir, port));
        List<Sample> emitted = Collections.synchronizedList(new ArrayList<>());
        try (Daemon daemon = new Daemon(settings, Clock.systemUTC(),
                batch -> batch.stream().filter(x -> x.measurement().equals("gpu")).forEach(emitted::add))) {
            daemon.start();
            await(Duration.ofSeconds(20), "samples written", () -> daemon.sink().stats().pointsWritten.get() >= 200);
            String health = get(port, "/health");
            assertTrue(health.contains("\"spool\" : \"failing\""), health);
            assertTrue(health.contains("spool path " + notADir + " exists and is not a directory"), health);
            String metrics = get(port, "/metrics");
            assertTrue(metrics.matches("(?s).*\\nwattguard_spool_errors_total [1-9].*"), metrics);
            daemon.scheduler().close();
            assertTrue(daemon.sink().flush(Duration.ofSeconds(30)));
        }
        assertEquals(keys(emitted), storedKeys("unwritable"));
    }

    @Test
    void aFullDiskFallsBackToMemoryAndLosesNothingOnceInfluxdbIsBack() throws Exception {
        Path mount = Files.createDirectories(tmp.resolve("small-disk"));
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=96k,mode=0700", "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        String out = new String(m.getInputStream().readAllBytes());
        if (!m.waitFor(10, TimeUnit.SECONDS) || m.exitValue() != 0) {
            throw new AssertionError("this test fills a real filesystem: it mounts a 96 KiB tmpfs, which needs root "
                    + "(CI runs as root): " + out);
        }
        try {
            int port = PrivateInfluxd.freePort();
            Settings settings = Configs.load(tmp, config("full", mount.resolve("spool"), port));
            List<Sample> emitted = Collections.synchronizedList(new ArrayList<>());
            influxd.stop();
            try (Daemon daemon = new Daemon(settings, Clock.systemUTC(),
                batch -> batch.stream().filter(x -> x.measurement().equals("gpu")).forEach(emitted::add))) {
                daemon.start();
                await(Duration.ofSeconds(60), "the spool's disk to fill", () -> daemon.sink().stats().spoolErrors.get() > 0);
                assertTrue(daemon.health().path("sink").path("last_error").asText().contains("No space left on device"),
                        daemon.health().toString());
                assertTrue(get(port, "/metrics").matches("(?s).*\\nwattguard_spool_errors_total [1-9].*"));
                influxd.start();
                await(Duration.ofSeconds(60), "the spool to accept writes again", () -> daemon.sink().spoolHealthy());
                daemon.scheduler().close();
                await(Duration.ofSeconds(90), "delivery", () -> {
                    try {
                        return daemon.sink().flush(Duration.ofSeconds(1));
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                });
                assertEquals(0, daemon.sink().spoolDroppedPoints());
            }
            assertEquals(keys(emitted), storedKeys("full"));
        } finally {
            influxd.start();
            new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

}
