package io.wattguard.source.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.nvml.testing.Components;
import io.wattguard.testing.InfluxdTest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NVIDIA's real libnvidia-ml.so.1 on this machine, which has no NVIDIA driver: {@code wattguard run} keeps its other
 * sources writing, shows the GPU source failing with the binding's message, and logs that message once.
 */
class RealNvmlTest extends InfluxdTest {
    static final String DRIVER_NOT_LOADED = "loaded, but nvmlInit_v2 returned 9 (Driver Not Loaded): the NVIDIA "
            + "kernel driver is not running on this machine";

    @TempDir
    Path tmp;

    @Test
    void runKeepsTheOtherSourcesGoingAndShowsTheGpuSourceFailing() throws Exception {
        String lib = Components.realLibrary().toString();
        int port = PrivateInfluxd.freePort();
        Path cfg = Files.writeString(
                tmp.resolve("wattguard.yaml"), """
                instance: no-gpu-here
                influxdb: {url: %s, database: realnvml}
                batch: {max_points: 100, max_delay: 100ms}
                spool: {dir: %s}
                http: {listen: "127.0.0.1:%d"}
                self_interval: 1h
                sources:
                  - name: gpus
                    type: nvml
                    interval: 200ms
                    library: %s
                  - name: pdu
                    type: synthetic
                    interval: 200ms
                    series: [{measurement: meter, tags: {device: pdu-a01, channel: total}, fields: {power_w: 4200}}]
                """.formatted(influxd.url(), tmp.resolve("spool"), port, lib));
        Path log = tmp.resolve("run.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(
                        java,
                        "-Xmx64m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.wattguard.cli.Main",
                        "run",
                        "--config",
                        cfg.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        JsonNode gpus;
        try {
            await(Duration.ofSeconds(30), "20 polls of the synthetic source in InfluxDB", () -> meterPoints() >= 20);
            await(Duration.ofSeconds(30), "/health", () -> health(port) != null);
            gpus = null;
            for (JsonNode s : health(port).path("sources")) {
                if (s.path("name").asText().equals("gpus")) {
                    gpus = s;
                }
            }
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
        assertTrue(gpus != null, "the nvml source is listed in /health");
        assertEquals("failing", gpus.path("state").asText());
        assertTrue(gpus.path("errors").asLong() >= 10, "retried at every poll: " + gpus);
        assertTrue(
                gpus.path("last_error").asText().startsWith("NVML at " + lib + " " + DRIVER_NOT_LOADED),
                gpus.path("last_error").asText());
        String output = Files.readString(log);
        long mentions =
                output.lines().filter(l -> l.contains("Driver Not Loaded")).count();
        assertEquals(1, mentions, "the message is logged once, not at every retry:\n" + output);
        assertTrue(output.contains("WARN  Scheduler: source gpus: NVML at " + lib + " " + DRIVER_NOT_LOADED), output);
        assertTrue(!output.contains("\tat "), "no stack trace:\n" + output);
    }

    private static long meterPoints() {
        List<Map<String, Object>> r =
                NvmlSourceTest.rows("realnvml", "SELECT count(power_w) FROM meter WHERE time >= 0 AND time <= now()");
        return r.isEmpty() ? 0 : ((Number) r.get(0).get("count")).longValue();
    }

    private static JsonNode health(int port) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return new ObjectMapper().readTree(r.body());
        } catch (IOException e) {
            return null; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
