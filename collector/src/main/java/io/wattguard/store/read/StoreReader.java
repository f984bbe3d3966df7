package io.wattguard.store.read;

import io.wattguard.analytics.Readings;
import io.wattguard.store.InfluxSettings;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import okhttp3.Call;

/**
 * Reads what the analysis needs from InfluxDB into {@link Readings} calls, planning how: the measurements and how a
 * row becomes a call are {@link ReadMeasurement#ANALYSIS}, the InfluxQL and HTTP are {@link InfluxQuery}; this class
 * decides which range is asked for when, so a month of a large fleet never sits in memory.
 *
 * <p>The measurements of a window are queried and decoded in parallel (bench {@code AnalyzeBench probe}). Settled
 * history (older than {@link #SETTLED_MS} by the injected clock) is fetched in spans of many of the caller's
 * windows, sized to about {@link #SPAN_ROWS} rows a measurement, the next span while the current one is analysed;
 * the recent past, which late points may still change, is read exactly as asked and streamed in bounded batches.
 * Either way only the caller's thread calls {@link Readings}: the consumer need not be thread-safe, and it sees each
 * stored point of its window once, whatever the span.
 */
public final class StoreReader implements AutoCloseable {
    private static final List<ReadMeasurement> MEASUREMENTS = ReadMeasurement.ANALYSIS;
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

    private final InfluxQuery influx;
    /** Decides which history is settled; the daemon's and the command's clock, a fixed one in tests. */
    private final LongSupplier clock;

    private final ExecutorService pool;
    private final ExecutorService ahead;
    private long rows;
    private boolean closed;
    private Span current;
    private Future<Span> next;
    private volatile long rowsPerWindow;

    /**
     * @param chunkRows rows per chunk of InfluxDB's answers, and per batch handed over while streaming
     * @param clock     epoch milliseconds now
     */
    public StoreReader(InfluxSettings settings, int chunkRows, LongSupplier clock) {
        this.influx = new InfluxQuery(settings, chunkRows);
        this.clock = clock;
        this.pool = Executors.newFixedThreadPool(PARALLEL, daemon("wattguard-store-reader"));
        this.ahead = Executors.newSingleThreadExecutor(daemon("wattguard-store-read-ahead"));
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Rows read so far. */
    public long rows() {
        return rows;
    }

    /** Sees the text of every query before it is sent (tests check that each one is bounded in time). */
    void onQuery(Consumer<String> log) {
        influx.onQuery(log);
    }

    /** The content type of the last answer, for tests. */
    String lastContentType() {
        return influx.lastContentType();
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

    /** What a task of this reader returned, or what it threw as what it was. */
    private static <T> T await(Future<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading from InfluxDB");
        } catch (ExecutionException e) {
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
        List<Call> calls = new ArrayList<>();
        List<Future<ResultTable>> tasks = new ArrayList<>();
        for (ReadMeasurement m : MEASUREMENTS) {
            Call call = influx.call(m, from, to);
            calls.add(call);
            tasks.add(pool.submit(() -> {
                ResultTable[] got = new ResultTable[1];
                influx.fetch(call, m, Integer.MAX_VALUE, t -> got[0] = t);
                return got[0];
            }));
        }
        Span span = new Span(from, to);
        boolean done = false;
        try {
            long most = 0;
            for (int i = 0; i < tasks.size(); i++) {
                ResultTable t = await(tasks.get(i));
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

    /** Streams {@code [fromMs, toMs)} straight into {@code out}: for the recent past, which may still change. */
    private void stream(long fromMs, long toMs, Readings out) throws IOException {
        BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUED);
        List<Call> calls = new ArrayList<>();
        List<Future<?>> tasks = new ArrayList<>();
        for (ReadMeasurement m : MEASUREMENTS) {
            Call call = influx.call(m, fromMs, toMs);
            calls.add(call);
            tasks.add(pool.submit(() -> {
                Object last = END;
                try {
                    influx.fetch(call, m, influx.chunkRows(), t -> put(queue, new Batch(m, t)));
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

    private record Batch(ReadMeasurement m, ResultTable table) {}

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

    /** The measurements read, for messages. */
    public static List<String> measurements() {
        return MEASUREMENTS.stream().map(ReadMeasurement::name).toList();
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
        influx.close();
    }
}
