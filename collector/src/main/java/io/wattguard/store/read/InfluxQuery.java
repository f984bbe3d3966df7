package io.wattguard.store.read;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.store.InfluxSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.Credentials;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The store's one read path: InfluxQL over HTTP {@code /query}, two ways. The analysis's raw reads, one
 * time-bounded {@code SELECT fields FROM m WHERE time ... GROUP BY tags} per measurement and range, sent chunked and
 * decoded into {@link ResultTable}s (tags from the series header rather than as a column of every row; MessagePack
 * where the server offers it, JSON otherwise, decided by the response's content type). And the report's aggregates,
 * {@link #select}: small answers, one JSON answer per query, as {@link Series}. Both time bounds always: an unbounded
 * query can make {@code influxd} allocate without limit, so {@link #select} refuses one before sending it.
 */
public final class InfluxQuery implements AutoCloseable {
    /** One series of an aggregate's answer: its tags and its rows, each a column name to value (numbers as Double). */
    public record Series(Map<String, String> tags, List<Map<String, Object>> rows) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    /** An aggregate over a month can keep influxd busy for a while before the first byte. */
    private static final long SELECT_TIMEOUT_MS = 120_000;

    private final InfluxSettings settings;
    private final OkHttpClient http;
    /** The same pool and dispatcher, with the aggregates' longer whole-call timeout. */
    private final OkHttpClient selectHttp;

    private final int chunkRows;
    private volatile Consumer<String> queryLog = q -> {};
    private volatile String lastContentType;

    InfluxQuery(InfluxSettings settings, int chunkRows) {
        this.settings = settings;
        this.chunkRows = Math.max(1, chunkRows);
        this.http = new OkHttpClient.Builder()
                .connectTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(Math.max(60_000, settings.timeout().toMillis()), TimeUnit.MILLISECONDS)
                .build();
        long selectMs = Math.max(SELECT_TIMEOUT_MS, settings.timeout().toMillis());
        this.selectHttp = http.newBuilder()
                .readTimeout(selectMs, TimeUnit.MILLISECONDS)
                .callTimeout(selectMs, TimeUnit.MILLISECONDS)
                .build();
    }

    /** For aggregate queries ({@link #select}); the raw reads' chunk size does not apply to them. */
    public InfluxQuery(InfluxSettings settings) {
        this(settings, 10_000);
    }

    /** Rows per chunk of an answer, and per batch of a streamed read. */
    int chunkRows() {
        return chunkRows;
    }

    /** Sees the text of every query before it is sent (tests check that each one is bounded in time). */
    public void onQuery(Consumer<String> log) {
        this.queryLog = log;
    }

    /** The content type of the last answer, for tests. */
    String lastContentType() {
        return lastContentType;
    }

    /** A call, not yet sent, asking for {@code [fromMs, toMs)} of {@code m}: cancel it to stop its read. */
    Call call(ReadMeasurement m, long fromMs, long toMs) {
        return http.newCall(request(text(m, fromMs, toMs), true));
    }

    static String text(ReadMeasurement m, long fromMs, long toMs) {
        return "SELECT " + String.join(", ", quoted(m.fields())) + " FROM \"" + m.name() + "\""
                + " WHERE time >= " + fromMs + "ms AND time < " + toMs + "ms"
                + " GROUP BY " + String.join(", ", quoted(m.tags()));
    }

    /**
     * Sends {@code call} and hands its answer to {@code sink} in tables of at most {@code batchRows} rows. Every
     * failure is an IOException naming the server and the measurement; a cancelled call is an interruption.
     */
    void fetch(Call call, ReadMeasurement m, int batchRows, ResultDecoder.Sink sink) throws IOException {
        String where = "InfluxDB at " + settings.url();
        try (Response resp = call.execute()) {
            if (!resp.isSuccessful()) {
                byte[] body = resp.body() == null ? new byte[0] : resp.body().bytes();
                throw new IOException(where + " answered " + resp.code() + " to a query of " + m.name() + ": "
                        + ErrorAnswer.text(body));
            }
            String type = resp.header("Content-Type", "");
            lastContentType = type;
            ResultDecoder decoder = new ResultDecoder(m.fields(), m.tags(), batchRows, sink);
            try (InputStream in = resp.body().byteStream()) {
                if (type.contains("msgpack")) {
                    decoder.msgpack(in);
                } else {
                    decoder.json(in);
                }
            } catch (ResultDecoder.InfluxQueryError e) {
                throw new IOException(where + " failed a query of " + m.name() + ": " + e.getMessage(), e);
            }
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(where)) {
                throw e;
            }
            if (call.isCanceled()) {
                throw new InterruptedIOException("read cancelled");
            }
            throw new IOException(where + " did not answer a query of " + m.name() + ": " + e, e);
        }
    }

    /**
     * The series of an aggregate query, with {@code time} in epoch ms: one JSON answer, not chunked. Every failure is
     * an IOException naming the server and {@code what}.
     *
     * @param what what is being read, for the error message (e.g. "energy per room")
     * @throws IllegalArgumentException when the query does not bound time on both sides
     */
    public List<Series> select(String what, String influxQl) throws IOException {
        if (!influxQl.contains("time >= ") || !influxQl.contains("time < ")) {
            throw new IllegalArgumentException("a report query must bound time on both sides: " + influxQl);
        }
        String where = "InfluxDB at " + settings.url();
        int code;
        byte[] body;
        try (Response resp = selectHttp.newCall(request(influxQl, false)).execute()) {
            code = resp.code();
            body = resp.body() == null ? new byte[0] : resp.body().bytes();
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("interrupted while reading " + what + " from " + where);
            }
            throw new IOException(where + " did not answer while reading " + what + ": " + describe(e), e);
        }
        if (code / 100 != 2) {
            throw new IOException(
                    where + " answered " + code + " to a query of " + what + ": " + ErrorAnswer.text(body));
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new IOException(
                    where + " answered " + code + " to a query of " + what + " with something that is not JSON");
        }
        if (root == null || root.has("error")) {
            throw new IOException(where + " answered " + code + " to a query of " + what + ": "
                    + (root == null ? "an empty body" : root.path("error").asText("")));
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
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        if (e instanceof java.net.SocketTimeoutException
                || (e instanceof InterruptedIOException && "timeout".equals(e.getMessage()))) {
            return "timed out";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** An InfluxQL string literal: single quotes, with quotes and backslashes escaped. */
    public static String literal(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** An InfluxQL identifier: double quotes, with quotes and backslashes escaped. */
    public static String ident(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /**
     * A raw read asks for chunks of MessagePack; an aggregate for one JSON answer. Credentials go in a header only:
     * never in the URL, a log line or an error message.
     */
    private Request request(String influxQl, boolean chunked) {
        queryLog.accept(influxQl);
        String rp = settings.retentionPolicy();
        String url = settings.url().resolve("/query").toString() + "?db=" + enc(settings.database())
                + (rp == null || rp.isEmpty() ? "" : "&rp=" + enc(rp))
                + "&epoch=ms" + (chunked ? "&chunked=true&chunk_size=" + chunkRows : "") + "&q=" + enc(influxQl);
        Request.Builder req = new Request.Builder()
                .url(url)
                // exactly this value: influxd matches the header whole, and answers JSON to anything else
                .header("Accept", chunked ? "application/x-msgpack" : "application/json");
        if (settings.token() != null) {
            req.header("Authorization", "Token " + settings.token().reveal());
        } else if (settings.username() != null) {
            req.header(
                    "Authorization",
                    Credentials.basic(
                            settings.username(),
                            settings.password() == null
                                    ? ""
                                    : settings.password().reveal()));
        }
        return req.build();
    }

    private static List<String> quoted(List<String> names) {
        return names.stream().map(n -> "\"" + n + "\"").toList();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
