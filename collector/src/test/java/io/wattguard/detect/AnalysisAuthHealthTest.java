package io.wattguard.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.daemon.Daemon;
import io.wattguard.daemon.Settings;
import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.testing.Configs;
import io.wattguard.testing.InfluxdTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real influxd with authentication on, and a collector with the wrong password: the analysis's queries ask
 * for MessagePack, and influxd answers the refusal in MessagePack. /health must show it as text.
 */
class AnalysisAuthHealthTest {
    @TempDir
    Path tmp;

    @Test
    void aRefusedQueryIsShownAsTextWithItsTime() throws Exception {
        try (PrivateInfluxd influxd = PrivateInfluxd.startTemporaryWithAuth("admin", "right-password")) {
            int port = PrivateInfluxd.freePort();
            Settings settings = Configs.load(
                    tmp,
                    """
                    instance: authcheck
                    influxdb: {url: %s, database: wattguard, username: admin, password_env: WG_INFLUX_PASSWORD}
                    spool: {dir: %s}
                    http: {listen: "127.0.0.1:%d"}
                    sources:
                      - {name: s, type: synthetic, interval: 1s, series: [{measurement: gpu, fields: {power_w: 1}}]}
                    analysis: {step: 1s, warmup: 1m, grace: 1s}
                    """.formatted(influxd.url(), tmp.resolve("spool"), port),
                    Map.of("WG_INFLUX_PASSWORD", "wrong"));
            Instant before = Instant.now();
            try (Daemon daemon = new Daemon(settings, Clock.systemUTC())) {
                daemon.start();
                InfluxdTest.await(Duration.ofSeconds(30), "the analysis to fail", () -> health(port)
                        .path("analysis")
                        .has("last_error"));
                JsonNode h = health(port);
                JsonNode a = h.path("analysis");
                assertEquals("failing", a.path("state").asText(), h.toString());
                String error = a.path("last_error").asText();
                assertTrue(
                        error.matches("warm-up: InfluxDB at " + influxd.url() + "/? answered 401 to a query of \\w+: "
                                + "authorization failed"),
                        error);
                assertFalse(error.contains("\uFFFD"), "no undecoded bytes: " + error);
                Instant at = Instant.parse(a.path("last_error_at").asText());
                assertTrue(!at.isBefore(before) && !at.isAfter(Instant.now()), a.toString());
                assertEquals("degraded", h.path("status").asText());
            }
        }
    }

    private static JsonNode health(int port) {
        try {
            String body = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            return new ObjectMapper().readTree(body);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
