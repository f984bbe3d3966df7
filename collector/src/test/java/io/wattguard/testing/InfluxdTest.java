package io.wattguard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.influx.PrivateInfluxd;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base for tests against a real {@code influxd}: one private instance per test class. Reads go through the
 * plain HTTP {@code /query} API rather than our own client, so a bug in our writer cannot hide in our reader.
 */
public abstract class InfluxdTest {
    protected static PrivateInfluxd influxd;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void startInfluxd() throws IOException {
        try {
            influxd = PrivateInfluxd.startTemporary();
        } catch (IllegalStateException e) {
            throw new AssertionError(e.getMessage() + " (run scripts/setup.sh test)", e);
        }
    }

    @AfterAll
    static void stopInfluxd() {
        if (influxd != null) {
            influxd.close();
        }
    }

    /**
     * Rows of an InfluxQL query, with {@code time} in epoch ms and all series concatenated; none while the
     * database does not exist yet.
     */
    public static List<Map<String, Object>> query(URI url, String db, String influxQl) {
        try {
            String q = "db=" + URLEncoder.encode(db, StandardCharsets.UTF_8) + "&epoch=ms&q="
                    + URLEncoder.encode(influxQl, StandardCharsets.UTF_8);
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(url.resolve("/query?" + q)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode root = JSON.readTree(r.body());
            List<Map<String, Object>> rows = new ArrayList<>();
            JsonNode result = root.path("results").path(0);
            if (result.path("error").asText().startsWith("database not found")) {
                return rows; // nothing written yet: callers waiting for points see none
            }
            if (result.has("error")) {
                throw new AssertionError("InfluxDB: " + result.get("error").asText() + " for " + influxQl);
            }
            for (JsonNode series : result.path("series")) {
                List<String> cols = new ArrayList<>();
                series.path("columns").forEach(c -> cols.add(c.asText()));
                for (JsonNode v : series.path("values")) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    series.path("tags")
                            .fields()
                            .forEachRemaining(
                                    e -> row.put(e.getKey(), e.getValue().asText()));
                    for (int i = 0; i < cols.size(); i++) {
                        JsonNode x = v.get(i);
                        row.put(
                                cols.get(i),
                                x.isNull()
                                        ? null
                                        : x.isIntegralNumber() && x.canConvertToLong()
                                                ? (Object) x.asLong()
                                                : x.isNumber()
                                                        ? (Object) x.asDouble()
                                                        : x.isBoolean() ? (Object) x.asBoolean() : x.asText());
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (IOException e) {
            throw new AssertionError("query failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    protected static List<Map<String, Object>> query(String db, String influxQl) {
        return query(influxd.url(), db, influxQl);
    }

    /** Waits for a condition, polling every 50 ms; fails with {@code what} after the deadline. */
    public static void await(Duration max, String what, BooleanSupplier condition) {
        long end = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + max.toSeconds() + " s waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
