package io.wattguard.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.testing.Configs;
import io.wattguard.testing.InfluxdTest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The collector's own health lands in the {@code collector} measurement, one row per source and one for the sink. */
class SelfMetricsTest extends InfluxdTest {
    @TempDir
    Path tmp;

    @Test
    void pollsErrorsAndDeliveryAreInTheCollectorMeasurement() throws Exception {
        Settings settings = Configs.load(tmp, """
                instance: rack7-poller
                influxdb: {url: %s, database: self}
                spool: {dir: spool}
                http: {enabled: false}
                self_interval: 1s
                sources:
                  - name: steady
                    type: synthetic
                    interval: 200ms
                    series: [{measurement: gpu, tags: {host: h1}, fields: {power_w: 300}}]
                """.formatted(influxd.url()));
        try (Daemon daemon = new Daemon(settings, Clock.systemUTC())) {
            daemon.start();
            String q = "SELECT last(polls) AS polls, last(errors) AS errors FROM collector WHERE source = 'steady' "
                    + "AND instance = 'rack7-poller' AND time >= now() - 1h AND time <= now()";
            await(Duration.ofSeconds(30), "the collector's own points", () -> {
                List<Map<String, Object>> rows = query("self", q);
                return !rows.isEmpty() && ((Number) rows.get(0).get("polls")).longValue() >= 5;
            });
            assertEquals(0L, ((Number) query("self", q).get(0).get("errors")).longValue());
            String sink = "SELECT last(points_written) AS written, last(spool_dropped) AS dropped FROM collector "
                    + "WHERE source = 'sink' AND time >= now() - 1h AND time <= now()";
            await(Duration.ofSeconds(30), "the sink's row", () -> {
                List<Map<String, Object>> rows = query("self", sink);
                return !rows.isEmpty() && ((Number) rows.get(0).get("written")).longValue() > 0;
            });
            assertEquals(0L, ((Number) query("self", sink).get(0).get("dropped")).longValue());
            assertTrue(
                    daemon.health().path("sources").size() == 2, daemon.health().toString());
        }
    }
}
