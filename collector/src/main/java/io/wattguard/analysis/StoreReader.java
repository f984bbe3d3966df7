package io.wattguard.analysis;

import io.wattguard.analytics.Readings;
import io.wattguard.sink.InfluxSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.Credentials;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Reads what the analysis needs from InfluxDB: one chunked, time-bounded raw query per measurement and
 * window, streamed without trees into {@link Readings} calls, so a month of a large fleet never sits in memory.
 * Every query has both time bounds: an unbounded one can make {@code influxd} allocate without limit
 * (DESIGN.md §6).
 *
 * <p>How it asks, chosen by measurement (bench {@code AnalyzeBench probe}): tags come from the series header
 * ({@code GROUP BY} the tag keys) rather than as a column of every row; the answer is MessagePack where the
 * server offers it (JSON otherwise, decided by the response's content type); and the measurements of a window
 * are queried and decoded in parallel. Decoded rows travel in bounded batches to the caller's thread, which
 * alone calls {@link Readings}: the consumer need not be thread-safe.
 */
public final class StoreReader implements AutoCloseable {
    /** What to ask of one measurement and how a row becomes a {@link Readings} call. */
    private record Measurement(String name, List<String> fields, List<String> tags, Replay replay) {}

    @FunctionalInterface
    private interface Replay {
        void row(ResultTable t, int r, Readings out);
    }

    private static final List<Measurement> MEASUREMENTS = List.of(
            new Measurement("gpu", List.of("util_pct", "mem_util_pct", "power_w", "power_limit_w", "energy_j"),
                    List.of("host", "rack", "room", "gpu", "model"),
                    (t, r, out) -> out.gpu(t.time[r], t.tag(r, 0), t.tag(r, 1), t.tag(r, 2), t.tag(r, 3), t.tag(r, 4),
                            t.d(r, 0), t.d(r, 1), t.d(r, 2), t.d(r, 3), t.d(r, 4))),
            new Measurement("host", List.of("cpu_util_pct", "cpu_power_w"), List.of("host", "rack", "room"),
                    (t, r, out) -> out.host(t.time[r], t.tag(r, 0), t.tag(r, 1), t.tag(r, 2), t.d(r, 0), t.d(r, 1))),
            new Measurement("meter", List.of("power_w", "energy_kwh"),
                    List.of("device", "channel", "kind", "host", "rack", "room"),
                    (t, r, out) -> out.meter(t.time[r], t.tag(r, 0), t.tag(r, 1), t.tag(r, 2), t.tag(r, 3), t.tag(r, 4),
                            t.tag(r, 5), t.d(r, 0), t.d(r, 1))),
            new Measurement("business_load", List.of("value"), List.of("entity", "level", "source"),
                    (t, r, out) -> out.businessLoad(t.time[r], t.tag(r, 0), t.tag(r, 1), t.tag(r, 2), t.d(r, 0))),
            new Measurement("evidence", List.of("pid", "detail", "score"), List.of("host", "kind", "process"),
                    (t, r, out) -> out.evidence(t.time[r], t.tag(r, 0), t.tag(r, 1), t.tag(r, 2), (long) t.d(r, 0),
                            t.s(r, 1), t.d(r, 2))),
            new Measurement("gpu_process", List.of("pid", "sm_util_pct", "business", "user", "container"),
                    List.of("host", "gpu", "process"),
                    (t, r, out) -> out.process(t.time[r], t.tag(r, 0), t.tag(r, 1), t.tag(r, 2), (long) t.d(r, 0),
                            t.d(r, 1), t.isTrue(r, 2), t.s(r, 3), t.s(r, 4))));

    /** Queries of one window in flight at once: enough to keep influxd's cores and a decoder busy. */
    private static final int PARALLEL = 3;
    /** Decoded batches waiting for the caller: bounds memory whatever the window. */
    private static final int QUEUED = 8;
    private static final Object END = new Object();

    private final InfluxSettings settings;
    private final OkHttpClient http;
    private final int chunkRows;
    private final ExecutorService pool;
    private volatile Consumer<String> queryLog = q -> { };
    private long rows;
    private boolean closed;

    public StoreReader(InfluxSettings settings, int chunkRows) {
        this.settings = settings;
        this.chunkRows = Math.max(1, chunkRows);
        this.http = new OkHttpClient.Builder()
                .connectTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(Math.max(60_000, settings.timeout().toMillis()), TimeUnit.MILLISECONDS)
                .build();
        this.pool = Executors.newFixedThreadPool(PARALLEL, r -> {
            Thread t = new Thread(r, "wattguard-store-reader");
            t.setDaemon(true);
            return t;
        });
    }

    /** Rows read so far. */
    public long rows() {
        return rows;
    }

    /** Sees the text of every query before it is sent (tests check that each one is bounded in time). */
    void onQuery(Consumer<String> log) {
        this.queryLog = log;
    }

    /** Reads {@code [fromMs, toMs)} of every measurement the analysis uses into {@code out}, on this thread. */
    public void read(long fromMs, long toMs, Readings out) throws IOException {
        if (toMs <= fromMs) {
            return;
        }
        String range = " WHERE time >= " + fromMs + "ms AND time < " + toMs + "ms";
        BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUED);
        List<Call> calls = new ArrayList<>();
        List<Future<?>> tasks = new ArrayList<>();
        for (Measurement m : MEASUREMENTS) {
            String q = "SELECT " + String.join(", ", quoted(m.fields())) + " FROM \"" + m.name() + "\"" + range
                    + " GROUP BY " + String.join(", ", quoted(m.tags()));
            Call call = http.newCall(request(q));
            calls.add(call);
            tasks.add(pool.submit(() -> {
                Object last = END;
                try {
                    fetch(call, m, t -> put(queue, new Batch(m, t)));
                } catch (IOException | RuntimeException e) {
                    last = e;
                } finally {
                    if (!Thread.currentThread().isInterrupted()) {
                        put(queue, last);
                    }
                }
                return null;
            }));
        }
        boolean done = false;
        try {
            int ended = 0;
            while (ended < MEASUREMENTS.size()) {
                Object o = take(queue);
                if (o == END) {
                    ended++;
                } else if (o instanceof Batch b) {
                    ResultTable t = b.table;
                    for (int r = 0; r < t.rows; r++) {
                        b.m.replay().row(t, r, out);
                    }
                    rows += t.rows;
                } else if (o instanceof IOException e) {
                    throw e;
                } else if (o instanceof RuntimeException e) {
                    throw e;
                }
            }
            done = true;
        } finally {
            if (!done) {
                calls.forEach(Call::cancel);
                tasks.forEach(f -> f.cancel(true));
            }
        }
    }

    private record Batch(Measurement m, ResultTable table) {}

    private static void put(BlockingQueue<Object> queue, Object o) throws IOException {
        try {
            queue.put(o);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("read cancelled");
        }
    }

    private static Object take(BlockingQueue<Object> queue) throws IOException {
        try {
            return queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading from InfluxDB");
        }
    }

    private static List<String> quoted(List<String> names) {
        return names.stream().map(n -> "\"" + n + "\"").toList();
    }

    private Request request(String influxQl) {
        queryLog.accept(influxQl);
        String rp = settings.retentionPolicy();
        String url = settings.url().resolve("/query").toString() + "?db=" + enc(settings.database())
                + (rp == null || rp.isEmpty() ? "" : "&rp=" + enc(rp))
                + "&epoch=ms&chunked=true&chunk_size=" + chunkRows + "&q=" + enc(influxQl);
        Request.Builder req = new Request.Builder().url(url)
                .header("Accept", "application/x-msgpack, application/json;q=0.5");
        if (settings.token() != null) {
            req.header("Authorization", "Token " + settings.token().reveal());
        } else if (settings.username() != null) {
            req.header("Authorization", Credentials.basic(settings.username(),
                    settings.password() == null ? "" : settings.password().reveal()));
        }
        return req.build();
    }

    private void fetch(Call call, Measurement m, ResultDecoder.Sink sink) throws IOException {
        String where = "InfluxDB at " + settings.url();
        try (Response resp = call.execute()) {
            if (!resp.isSuccessful()) {
                String body = resp.body() == null ? "" : resp.body().string();
                throw new IOException(where + " answered " + resp.code() + " to a query of " + m.name() + ": "
                        + body.strip());
            }
            String type = resp.header("Content-Type", "");
            ResultDecoder decoder = new ResultDecoder(m.fields(), m.tags(), chunkRows, sink);
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

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The measurements read, for messages. */
    public static List<String> measurements() {
        return MEASUREMENTS.stream().map(Measurement::name).toList();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pool.shutdownNow();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
