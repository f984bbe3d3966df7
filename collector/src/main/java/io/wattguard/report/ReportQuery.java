package io.wattguard.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.store.InfluxSettings;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The report's InfluxQL over HTTP: aggregates, small answers, so one JSON answer per query (not the analysis's
 * chunked MessagePack reader, which streams raw rows). Every query must carry both time bounds: a query without
 * them is refused here, before it can make influxd read a whole database.
 */
final class ReportQuery implements AutoCloseable {
    /** One series of an answer: its tags and its rows, each a column name to value (numbers as Double). */
    record Series(Map<String, String> tags, List<Map<String, Object>> rows) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private final InfluxSettings settings;
    private final HttpClient http;
    private Consumer<String> log = q -> {};
    private boolean closed;

    ReportQuery(InfluxSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder()
                .connectTimeout(settings.timeout())
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** Sees every query's text before it is sent (tests check the bounds). */
    void onQuery(Consumer<String> log) {
        this.log = log;
    }

    /**
     * The series of {@code influxQl}, with {@code time} in epoch ms.
     *
     * @param what what is being read, for the error message (e.g. "energy per room")
     */
    List<Series> run(String what, String influxQl) throws IOException {
        if (!influxQl.contains("time >= ") || !influxQl.contains("time < ")) {
            throw new IllegalArgumentException("a report query must bound time on both sides: " + influxQl);
        }
        log.accept(influxQl);
        String rp = settings.retentionPolicy();
        URI uri = settings.url()
                .resolve("/query?db=" + enc(settings.database())
                        + (rp == null || rp.isEmpty() ? "" : "&rp=" + enc(rp))
                        + "&epoch=ms&q=" + enc(influxQl));
        HttpRequest.Builder req = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofMillis(Math.max(120_000, settings.timeout().toMillis())))
                .header("Accept", "application/json");
        // Credentials go in a header only: never in the URL, a log line or an error message.
        if (settings.token() != null) {
            req.header("Authorization", "Token " + settings.token().reveal());
        } else if (settings.username() != null) {
            String pw = settings.password() == null ? "" : settings.password().reveal();
            req.header(
                    "Authorization",
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString((settings.username() + ":" + pw).getBytes(StandardCharsets.UTF_8)));
        }
        String where = "InfluxDB at " + settings.url();
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading " + what + " from " + where, e);
        } catch (IOException e) {
            throw new IOException(where + " did not answer while reading " + what + ": " + describe(e), e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(resp.body());
        } catch (IOException e) {
            throw new IOException(where + " answered " + resp.statusCode() + " to a query of " + what
                    + " with something that is not JSON");
        }
        if (resp.statusCode() / 100 != 2 || root.has("error")) {
            throw new IOException(where + " answered " + resp.statusCode() + " to a query of " + what + ": "
                    + root.path("error").asText(""));
        }
        JsonNode result = root.path("results").path(0);
        if (result.has("error")) {
            String error = result.get("error").asText();
            if (error.startsWith("database not found")) {
                throw new IOException(where + " has no database '" + settings.database() + "' (influxdb.database)");
            }
            throw new IOException(where + " failed a query of " + what + ": " + error);
        }
        List<Series> out = new ArrayList<>();
        for (JsonNode s : result.path("series")) {
            Map<String, String> tags = new LinkedHashMap<>();
            s.path("tags")
                    .fields()
                    .forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
            List<String> cols = new ArrayList<>();
            s.path("columns").forEach(c -> cols.add(c.asText()));
            List<Map<String, Object>> rows = new ArrayList<>();
            for (JsonNode v : s.path("values")) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 0; i < cols.size(); i++) {
                    JsonNode x = v.path(i);
                    row.put(
                            cols.get(i),
                            x.isNull() || x.isMissingNode()
                                    ? null
                                    : x.isNumber()
                                            ? (Object) x.asDouble()
                                            : x.isBoolean() ? x.asBoolean() : x.asText());
                }
                rows.add(row);
            }
            out.add(new Series(tags, rows));
        }
        return out;
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "timed out";
        }
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** An InfluxQL string literal: single quotes, with quotes and backslashes escaped. */
    static String literal(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** An InfluxQL identifier. */
    static String ident(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // java.net.http.HttpClient has no close() before Java 21: its threads are daemons and end with it.
    }
}
