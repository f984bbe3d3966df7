package io.wattguard.store.read;

import io.wattguard.store.InfluxSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.Credentials;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The InfluxQL and HTTP side of reading: one raw, time-bounded {@code SELECT fields FROM m WHERE time ... GROUP BY
 * tags} per measurement and range, sent to {@code /query} chunked, and its answer decoded into {@link ResultTable}s.
 * Both time bounds always: an unbounded query can make {@code influxd} allocate without limit. Tags come from the
 * series header ({@code GROUP BY} the tag keys) rather than as a column of every row; the answer is MessagePack
 * where the server offers it, JSON otherwise, decided by the response's content type.
 */
final class InfluxQuery implements AutoCloseable {
    private final InfluxSettings settings;
    private final OkHttpClient http;
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
    }

    /** Rows per chunk of an answer, and per batch of a streamed read. */
    int chunkRows() {
        return chunkRows;
    }

    /** Sees the text of every query before it is sent (tests check that each one is bounded in time). */
    void onQuery(Consumer<String> log) {
        this.queryLog = log;
    }

    /** The content type of the last answer, for tests. */
    String lastContentType() {
        return lastContentType;
    }

    /** A call, not yet sent, asking for {@code [fromMs, toMs)} of {@code m}: cancel it to stop its read. */
    Call call(ReadMeasurement m, long fromMs, long toMs) {
        return http.newCall(request(text(m, fromMs, toMs)));
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

    private Request request(String influxQl) {
        queryLog.accept(influxQl);
        String rp = settings.retentionPolicy();
        String url = settings.url().resolve("/query").toString() + "?db=" + enc(settings.database())
                + (rp == null || rp.isEmpty() ? "" : "&rp=" + enc(rp))
                + "&epoch=ms&chunked=true&chunk_size=" + chunkRows + "&q=" + enc(influxQl);
        Request.Builder req = new Request.Builder()
                .url(url)
                // exactly this value: influxd matches the header whole, and answers JSON to anything else
                .header("Accept", "application/x-msgpack");
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
