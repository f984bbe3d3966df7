package io.wattguard.analysis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.wattguard.analytics.Readings;
import io.wattguard.sink.InfluxSettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.Credentials;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Reads what the analysis needs from InfluxDB: one chunked, time-bounded raw query per measurement and
 * window, streamed through Jackson's token parser straight into {@link Readings} calls, so a month of a
 * large fleet never sits in memory as JSON trees or boxed rows. Every query has both time bounds: an
 * unbounded one can make {@code influxd} allocate without limit (DESIGN.md §6).
 */
public final class StoreReader implements AutoCloseable {
    /** The columns asked for, per measurement, in the order the row handlers read them. */
    private static final String GPU = "SELECT util_pct, mem_util_pct, power_w, power_limit_w, energy_j, "
            + "\"host\", \"rack\", \"room\", \"gpu\", \"model\" FROM gpu";
    private static final String HOST = "SELECT cpu_util_pct, cpu_power_w, \"host\", \"rack\", \"room\" FROM host";
    private static final String METER = "SELECT power_w, energy_kwh, \"device\", \"channel\", \"kind\", \"host\", "
            + "\"rack\", \"room\" FROM meter";
    private static final String BUSINESS = "SELECT value, \"entity\", \"level\", \"source\" FROM business_load";
    private static final String EVIDENCE = "SELECT pid, detail, score, \"host\", \"kind\", \"process\" FROM evidence";
    private static final String PROCESS = "SELECT pid, sm_util_pct, business, \"user\", container, \"host\", \"gpu\", "
            + "\"process\" FROM gpu_process";

    private static final JsonFactory JSON = new JsonFactory();
    private final InfluxSettings settings;
    private final OkHttpClient http;
    private final int chunkRows;
    private long rows;

    public StoreReader(InfluxSettings settings, int chunkRows) {
        this.settings = settings;
        this.chunkRows = chunkRows;
        this.http = new OkHttpClient.Builder()
                .connectTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(Math.max(60_000, settings.timeout().toMillis()), TimeUnit.MILLISECONDS)
                .build();
    }

    /** Rows read so far. */
    public long rows() {
        return rows;
    }

    /** Reads {@code [fromMs, toMs)} of every measurement the analysis uses into {@code out}. */
    public void read(long fromMs, long toMs, Readings out) throws IOException {
        String range = " WHERE time >= " + fromMs + "ms AND time < " + toMs + "ms";
        query(GPU + range, r -> out.gpu(r.time(), r.s(5), r.s(6), r.s(7), r.s(8), r.s(9), r.d(0), r.d(1), r.d(2), r.d(3),
                r.d(4)));
        query(HOST + range, r -> out.host(r.time(), r.s(2), r.s(3), r.s(4), r.d(0), r.d(1)));
        query(METER + range, r -> out.meter(r.time(), r.s(2), r.s(3), r.s(4), r.s(5), r.s(6), r.s(7), r.d(0), r.d(1)));
        query(BUSINESS + range, r -> out.businessLoad(r.time(), r.s(1), r.s(2), r.s(3), r.d(0)));
        query(EVIDENCE + range, r -> out.evidence(r.time(), r.s(3), r.s(4), r.s(5), (long) r.d(0), r.s(1), r.d(2)));
        query(PROCESS + range, r -> out.process(r.time(), r.s(5), r.s(6), r.s(7), (long) r.d(0), r.d(1),
                Boolean.TRUE.equals(r.b(2)), r.s(3), r.s(4)));
    }

    /** One row of a result: {@code time} then the selected columns, numbers as doubles, NaN when null. */
    static final class Row {
        long time;
        final double[] num = new double[12];
        final String[] str = new String[12];
        final Boolean[] bool = new Boolean[12];

        long time() { return time; }
        double d(int i) { return num[i]; }
        String s(int i) { return str[i]; }
        Boolean b(int i) { return bool[i]; }
    }

    interface RowHandler {
        void row(Row r);
    }

    private void query(String influxQl, RowHandler handler) throws IOException {
        String url = settings.url().resolve("/query").toString() + "?db=" + enc(settings.database())
                + "&epoch=ms&chunked=true&chunk_size=" + chunkRows + "&q=" + enc(influxQl);
        Request.Builder req = new Request.Builder().url(url).header("Accept", "application/json");
        if (settings.token() != null) {
            req.header("Authorization", "Token " + settings.token().reveal());
        } else if (settings.username() != null) {
            req.header("Authorization", Credentials.basic(settings.username(),
                    settings.password() == null ? "" : settings.password().reveal()));
        }
        try (Response resp = http.newCall(req.build()).execute()) {
            if (!resp.isSuccessful()) {
                String body = resp.body() == null ? "" : resp.body().string();
                throw new IOException("InfluxDB at " + settings.url() + " answered " + resp.code() + " to a query: "
                        + body.strip());
            }
            try (InputStream in = resp.body().byteStream(); JsonParser p = JSON.createParser(in)) {
                parse(p, handler);
            }
        }
    }

    /** Walks {@code {"results":[{"series":[{"columns":[...],"values":[[...],...]}]}]}} chunk after chunk. */
    private void parse(JsonParser p, RowHandler handler) throws IOException {
        Row row = new Row();
        JsonToken tok;
        while ((tok = p.nextToken()) != null) {
            if (tok != JsonToken.FIELD_NAME) {
                continue;
            }
            String name = p.currentName();
            if ("error".equals(name)) {
                p.nextToken();
                throw new IOException("InfluxDB query failed: " + p.getText());
            }
            if (!"values".equals(name)) {
                continue;
            }
            p.nextToken(); // START_ARRAY of rows
            while (p.nextToken() == JsonToken.START_ARRAY) {
                p.nextToken();
                row.time = p.getLongValue();
                int i = 0;
                while ((tok = p.nextToken()) != JsonToken.END_ARRAY) {
                    row.num[i] = Double.NaN;
                    row.str[i] = null;
                    row.bool[i] = null;
                    switch (tok) {
                        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> row.num[i] = p.getDoubleValue();
                        case VALUE_STRING -> row.str[i] = p.getText();
                        case VALUE_TRUE -> row.bool[i] = Boolean.TRUE;
                        case VALUE_FALSE -> row.bool[i] = Boolean.FALSE;
                        default -> { }
                    }
                    i++;
                }
                rows++;
                handler.row(row);
            }
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The measurements read, for messages. */
    public static List<String> measurements() {
        return List.of("gpu", "host", "meter", "business_load", "evidence", "gpu_process");
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
