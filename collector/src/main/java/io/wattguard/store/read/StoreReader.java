package io.wattguard.store.read;

import io.wattguard.analytics.Readings;
import io.wattguard.store.InfluxSettings;
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
 * are queried and decoded in parallel. Settled history (older than {@link #SETTLED_MS}) is fetched in spans of
 * many of the caller's windows, sized to about {@link #SPAN_ROWS} rows a measurement, the next span while the
 * current one is analysed; the recent past, which late points may still change, is read exactly as asked and
 * streamed in bounded batches. Either way only the caller's thread calls {@link Readings}: the consumer need
 * not be thread-safe, and it sees each stored point of its window once, whatever the span.
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
                            t.d(r, 1), t.bool(r, 2), t.s(r, 3), t.s(r, 4))));

    /** Queries of one window in flight at once: enough to keep influxd's cores and a decoder busy. */
    private static final int PARALLEL = 3;
    /** Decoded batches waiting for the caller: bounds memory whatever the window. */
    private static final int QUEUED = 8;
    private static final Object END = new Object();
    /** History older than this is taken as settled: read ahead in spans. Newer windows are read as asked. */
    static final long SETTLED_MS = 10 * 60_000L;
    /**
     * Rows of one measurement a span aims at: about a TSM block (1,000 points) a series for 1,000 series, so influxd
     * decodes each block once; ~100 MB for the widest (gpu), two spans at a time, whatever the fleet.
     */
    private static final long SPAN_ROWS = 1_000_000;
    private static final long MAX_SPAN_MS = 86_400_000L;

    private final InfluxSettings settings;
    private final OkHttpClient http;
    private final int chunkRows;
    private final ExecutorService pool;
    private volatile Consumer<String> queryLog = q -> { };
    private long rows;
    private volatile String lastContentType;
    private boolean closed;
    private final ExecutorService ahead;
    private java.util.function.LongSupplier clock = System::currentTimeMillis;
    private Span current;
    private Future<Span> next;
    private volatile long rowsPerWindow;

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
        this.ahead = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "wattguard-store-read-ahead");
            t.setDaemon(true);
            return t;
        });
    }

    /** For tests: the clock that decides which history is settled. */
    void clock(java.util.function.LongSupplier clock) {
        this.clock = clock;
    }

    /** Rows read so far. */
    public long rows() {
        return rows;
    }

    /** Sees the text of every query before it is sent (tests check that each one is bounded in time). */
    void onQuery(Consumer<String> log) {
        this.queryLog = log;
    }

    /** The content type of the last answer, for tests. */
    String lastContentType() {
        return lastContentType;
    }

    /** Reads {@code [fromMs, toMs)} of every measurement the analysis uses into {@code out}, on this thread. */
    public void read(long fromMs, long toMs, Readings out) throws IOException {
        if (toMs <= fromMs) {
            return;
        }
        long settled = clock.getAsLong() - SETTLED_MS;
        if (toMs > settled) {
            dropSpans();
            stream(fromMs, toMs, out);
            return;
        }
        Span s;
        try {
            s = span(fromMs, toMs, settled);
        } catch (IOException | RuntimeException e) {
            dropSpans();
            throw e;
        }
        try {
            rows += s.replay(fromMs, toMs, out);
        } catch (RuntimeException e) {
            dropSpans(); // a retry of this window reads it again whole
            throw e;
        }
    }

    /**
     * The buffered span that holds {@code [from, to)}: the one being served, the one fetched ahead, or a new one.
     * The caller's windows are small (an hour) and influxd pays per query and per TSM block of ~1,000 points a
     * series, so settled history is fetched in spans of many windows, sized by the rows a window held, and the
     * next span is fetched while this one is analysed.
     */
    private Span span(long from, long to, long settled) throws IOException {
        long window = to - from;
        if (current != null && from >= current.servedUntil && from >= current.from && to <= current.to) {
            return current;
        }
        current = null;
        if (next != null) {
            Span n = await(next);
            next = null;
            if (from >= n.from && to <= n.to) {
                current = n;
            }
        }
        if (current == null) {
            current = fetchSpan(from, spanEnd(from, to, window, settled), window);
        }
        long nf = current.to;
        long ne = spanEnd(nf, nf + window, window, settled);
        if (nf + window <= settled) {
            next = ahead.submit(() -> fetchSpan(nf, ne, window));
        }
        return current;
    }

    private long spanEnd(long from, long to, long window, long settled) {
        long k = rowsPerWindow <= 0 ? 1 : Math.max(1, SPAN_ROWS / rowsPerWindow);
        k = Math.min(k, Math.max(1, MAX_SPAN_MS / window));
        return Math.max(to, Math.min(from + k * window, settled));
    }

    private static Span await(Future<Span> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading from InfluxDB");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err; // out of memory is not an I/O failure: let it reach the command as what it is
            }
            throw new IOException(e.getCause());
        }
    }

    private void dropSpans() {
        current = null;
        if (next != null) {
            next.cancel(true);
            next = null;
        }
    }

    /** Fetches {@code [from, to)} of every measurement into memory, the measurements in parallel. */
    private Span fetchSpan(long from, long to, long window) throws IOException {
        String range = " WHERE time >= " + from + "ms AND time < " + to + "ms";
        List<Call> calls = new ArrayList<>();
        List<Future<ResultTable>> tasks = new ArrayList<>();
        for (Measurement m : MEASUREMENTS) {
            Call call = http.newCall(request(query(m, range)));
            calls.add(call);
            tasks.add(pool.submit(() -> {
                ResultTable[] got = new ResultTable[1];
                fetch(call, m, Integer.MAX_VALUE, t -> got[0] = t);
                return got[0];
            }));
        }
        Span span = new Span(from, to);
        boolean done = false;
        try {
            long most = 0;
            for (int i = 0; i < tasks.size(); i++) {
                Future<ResultTable> f = tasks.get(i);
                ResultTable t;
                try {
                    t = f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("read cancelled");
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof IOException io) {
                        throw io;
                    }
                    if (e.getCause() instanceof Error err) {
                        throw err; // out of memory is not an I/O failure: let it reach the command as what it is
                    }
                    throw new IOException(e.getCause());
                }
                if (t != null) {
                    span.add(MEASUREMENTS.get(i), t);
                    most = Math.max(most, t.rows);
                }
            }
            long windows = Math.max(1, (to - from) / Math.max(1, window));
            rowsPerWindow = Math.max(1, most / windows);
            done = true;
            return span;
        } finally {
            if (!done) {
                calls.forEach(Call::cancel);
                tasks.forEach(f -> f.cancel(true));
            }
        }
    }

    /** Rows of a span, per measurement, each series' rows contiguous and in time order (GROUP BY tags). */
    private static final class Span {
        final long from;
        final long to;
        long servedUntil = Long.MIN_VALUE;
        private final List<Measurement> measurements = new ArrayList<>();
        private final List<ResultTable> tables = new ArrayList<>();
        private final List<int[]> positions = new ArrayList<>();
        private final List<int[]> ends = new ArrayList<>();

        Span(long from, long to) {
            this.from = from;
            this.to = to;
        }

        void add(Measurement m, ResultTable t) {
            int series = t.tags.size();
            int[] start = new int[series];
            int[] end = new int[series];
            java.util.Arrays.fill(start, -1);
            for (int r = 0; r < t.rows; r++) {
                int s = t.series[r];
                if (start[s] < 0) {
                    start[s] = r;
                }
                end[s] = r + 1;
            }
            for (int s = 0; s < series; s++) {
                if (start[s] < 0) {
                    start[s] = 0;
                    end[s] = 0;
                }
            }
            measurements.add(m);
            tables.add(t);
            positions.add(start);
            ends.add(end);
        }

        /** Replays the rows in {@code [a, b)}; windows come in ascending order. */
        long replay(long a, long b, Readings out) {
            long n = 0;
            for (int i = 0; i < tables.size(); i++) {
                ResultTable t = tables.get(i);
                Replay replay = measurements.get(i).replay();
                int[] pos = positions.get(i);
                int[] end = ends.get(i);
                long[] time = t.time;
                for (int s = 0; s < pos.length; s++) {
                    int p = pos[s];
                    int e = end[s];
                    while (p < e && time[p] < b) {
                        if (time[p] >= a) {
                            replay.row(t, p, out);
                            n++;
                        }
                        p++;
                    }
                    pos[s] = p;
                }
            }
            servedUntil = b;
            return n;
        }
    }

    private static String query(Measurement m, String range) {
        return "SELECT " + String.join(", ", quoted(m.fields())) + " FROM \"" + m.name() + "\"" + range
                + " GROUP BY " + String.join(", ", quoted(m.tags()));
    }

    /** Streams {@code [fromMs, toMs)} straight into {@code out}: for the recent past, which may still change. */
    private void stream(long fromMs, long toMs, Readings out) throws IOException {
        String range = " WHERE time >= " + fromMs + "ms AND time < " + toMs + "ms";
        BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUED);
        List<Call> calls = new ArrayList<>();
        List<Future<?>> tasks = new ArrayList<>();
        for (Measurement m : MEASUREMENTS) {
            Call call = http.newCall(request(query(m, range)));
            calls.add(call);
            tasks.add(pool.submit(() -> {
                Object last = END;
                try {
                    fetch(call, m, chunkRows, t -> put(queue, new Batch(m, t)));
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
                // exactly this value: influxd matches the header whole, and answers JSON to anything else
                .header("Accept", "application/x-msgpack");
        if (settings.token() != null) {
            req.header("Authorization", "Token " + settings.token().reveal());
        } else if (settings.username() != null) {
            req.header("Authorization", Credentials.basic(settings.username(),
                    settings.password() == null ? "" : settings.password().reveal()));
        }
        return req.build();
    }

    private void fetch(Call call, Measurement m, int batchRows, ResultDecoder.Sink sink) throws IOException {
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
        dropSpans();
        ahead.shutdownNow();
        pool.shutdownNow();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
