package io.wattguard.store.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.core.Sample;
import io.wattguard.store.InfluxSettings;
import io.wattguard.store.spool.FsyncPolicy;
import io.wattguard.store.spool.SpoolSettings;
import io.wattguard.testing.InfluxdTest;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random names, tag values and string fields, full of the characters line protocol treats specially, go through
 * the sink and its spool into a real influxd and are read back: exactly, or with the documented replacement where
 * line protocol has no way to carry a character (LineProtocol's class comment, docs/configuration.md, Delivery).
 */
class LineProtocolPropertyTest extends InfluxdTest {
    private static final String[] ALPHABET = {
        "a", "Z", "7", "_", "-", ".", " ", ",", "=", "\"", "'", "\\", "\\", "\n", "\r", "\t", "#", "é", "中", "😀",
        "\u0001", "\u0000", "/"
    };
    private static final int POINTS = 400;
    private static final long T0 = 1_764_000_000_000L;

    @TempDir
    Path tmp;

    private static String random(Random r) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(10);
        for (int i = 0; i < n; i++) {
            sb.append(ALPHABET[r.nextInt(ALPHABET.length)]);
        }
        if (r.nextInt(5) == 0) {
            sb.append('\\'); // trailing backslash, the case influxd answered "invalid tag format" to
        }
        return sb.toString();
    }

    /** The documented replacement for names and tag values: newline to space, an escape-like backslash to '/'. */
    private static String expectedName(String s, String escapable) {
        String t = s.replace('\n', ' ');
        StringBuilder sb = new StringBuilder(t);
        for (int i = 0; i < t.length(); i++) {
            if (t.charAt(i) == '\\' && (i + 1 == t.length() || escapable.indexOf(t.charAt(i + 1)) >= 0)) {
                sb.setCharAt(i, '/');
            }
        }
        return sb.toString();
    }

    @Test
    void everyCharacterComesBackAsWrittenOrAsTheDocumentedReplacement() throws Exception {
        Random r = new Random(13);
        List<Sample> batch = new ArrayList<>();
        Map<String, Map<String, Object>> expected = new HashMap<>(); // by the "i" tag
        for (int i = 0; i < POINTS; i++) {
            String measurement = "m" + i + "_" + random(r);
            String tagKey = "t" + random(r);
            String tagValue = random(r);
            String fieldKey = "f" + random(r);
            String text = random(r);
            batch.add(Sample.builder(measurement)
                    .tag("i", Integer.toString(i))
                    .tag(tagKey, tagValue)
                    .field(fieldKey, (long) i)
                    .field("s", text)
                    .time(T0 + i)
                    .build());
            Map<String, Object> want = new HashMap<>();
            want.put("measurement", expectedName(measurement, ", =\""));
            want.put("time", T0 + i);
            if (!tagValue.isEmpty()) { // InfluxDB has no empty tag: the builder leaves it out
                want.put("tag:" + expectedName(tagKey, ", ="), expectedName(tagValue, ", ="));
            }
            want.put("field:" + expectedName(fieldKey, ", =\""), (long) i);
            want.put("field:s", text.replace('\n', ' '));
            expected.put(Integer.toString(i), want);
        }
        try (InfluxSink sink = new InfluxSink(
                new InfluxWriter(InfluxSettings.local(influxd.url(), "prop")),
                new SpoolSettings(
                        tmp.resolve("spool"), 1 << 24, 1 << 20, FsyncPolicy.BATCH, Duration.ofSeconds(1), 10_000),
                Clock.systemUTC())) {
            sink.start();
            sink.accept(batch);
            assertTrue(sink.flush(Duration.ofSeconds(60)), "delivered: " + sink.stats().lastError);
            assertEquals(0, sink.stats().deadLetterPoints.get(), "refused by InfluxDB: " + sink.stats().lastError);
        }
        Map<String, Map<String, Object>> got = readBack();
        assertEquals(POINTS, got.size(), "one series per point");
        int checked = 0;
        for (Map.Entry<String, Map<String, Object>> e : expected.entrySet()) {
            assertEquals(e.getValue(), got.get(e.getKey()), "point " + e.getKey());
            checked++;
        }
        assertEquals(POINTS, checked);
    }

    /** Every series, with its name, tags and non-null fields, by the "i" tag; read with plain HTTP and JSON. */
    private static Map<String, Map<String, Object>> readBack() throws Exception {
        String q = "db=prop&epoch=ms&q="
                + URLEncoder.encode(
                        "SELECT * FROM /.*/ WHERE time >= " + T0 + "ms AND time < " + (T0 + POINTS) + "ms GROUP BY *",
                        StandardCharsets.UTF_8);
        HttpResponse<String> resp = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(influxd.url() + "/query?" + q))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        JsonNode root = new ObjectMapper().readTree(resp.body());
        Map<String, Map<String, Object>> out = new HashMap<>();
        for (JsonNode series : root.path("results").path(0).path("series")) {
            Map<String, Object> row = new HashMap<>();
            row.put("measurement", series.path("name").asText());
            String id = series.path("tags").path("i").asText();
            series.path("tags").fields().forEachRemaining(t -> {
                if (!t.getKey().equals("i") && !t.getValue().asText().isEmpty()) {
                    row.put("tag:" + t.getKey(), t.getValue().asText());
                }
            });
            JsonNode columns = series.path("columns");
            assertEquals(1, series.path("values").size(), "one point in series " + id);
            JsonNode values = series.path("values").path(0);
            for (int c = 0; c < columns.size(); c++) {
                JsonNode v = values.get(c);
                String col = columns.get(c).asText();
                if (col.equals("time")) {
                    row.put("time", v.asLong());
                } else if (!v.isNull()) {
                    row.put("field:" + col, v.isIntegralNumber() ? (Object) v.asLong() : v.asText());
                }
            }
            assertTrue(out.put(id, row) == null, "two series for point " + id);
        }
        return out;
    }
}
