package io.wattguard.store.write;

import io.wattguard.store.InfluxSettings;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.influxdb.InfluxDB;
import org.influxdb.InfluxDBException;
import org.influxdb.InfluxDBFactory;
import org.influxdb.InfluxDBIOException;
import org.influxdb.dto.Query;
import org.influxdb.dto.QueryResult;

/**
 * Writes line protocol through influxdb-java (v1 HTTP API) and classifies the answer. influxdb-java turns an
 * HTTP error into an exception that has lost its status and headers, so an OkHttp interceptor keeps both for
 * the calling thread: the sink needs the status to choose between retry, split and dead-letter, and
 * {@code Retry-After} to pace its retries.
 */
public final class InfluxWriter implements AutoCloseable {
    /** What to do with a batch after one attempt. */
    public sealed interface Outcome {
        record Written() implements Outcome {}
        /** InfluxDB or the network failed; try again, after at least {@code retryAfter} when the server said so. */
        record Retry(String reason, Duration retryAfter) implements Outcome {}
        /**
         * No answer within {@code influxdb.timeout}: on a slow link or a busy server a large batch may never
         * fit the timeout, so the sink retries it in halves.
         */
        record TimedOut(String reason) implements Outcome {}
        /** 413: the batch is too large for the server. */
        record TooLarge(String reason) implements Outcome {}
        /**
         * The server refused the data itself, or part of it; retrying cannot help. {@code answer} is the whole
         * message: influxd 1.x names there every line it could not parse.
         */
        record Rejected(int status, String answer) implements Outcome {}
        /** The database does not exist (404 from 1.x). */
        record NoDatabase(String reason) implements Outcome {}
    }

    private static final Outcome WRITTEN = new Outcome.Written();
    private final InfluxSettings settings;
    private final OkHttpClient.Builder http;
    /** Made at first use: influxdb-java resolves the host name when it is made, and a name that does not
     * resolve yet (DNS down, a host not up yet) is an outage to ride out, not a reason to fail at start. */
    private volatile InfluxDB client;

    private final ThreadLocal<Response> last = new ThreadLocal<>();
    private volatile boolean closed;

    public InfluxWriter(InfluxSettings settings) {
        this.settings = settings;
        OkHttpClient.Builder http = new OkHttpClient.Builder()
                .connectTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .writeTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                // Our sink owns retries; OkHttp's silent retry would double-count and hide outages.
                .retryOnConnectionFailure(false)
                .socketFactory(new NoDelaySockets());
        if (settings.token() != null) {
            String header = "Token " + settings.token().reveal();
            http.addInterceptor(chain -> chain.proceed(
                    chain.request().newBuilder().header("Authorization", header).build()));
        }
        http.addInterceptor(new Interceptor() {
            @Override
            public Response intercept(Chain chain) throws IOException {
                last.remove();
                Response r = chain.proceed(chain.request());
                last.set(r);
                return r;
            }
        });
        if (settings.gzip()) {
            http.addInterceptor(new GzipBody());
        }
        this.http = http;
    }

    /** The client, made on first use; throws {@link InfluxDBIOException} while the host name does not resolve. */
    private InfluxDB client() {
        InfluxDB c = client;
        if (c != null) {
            return c;
        }
        synchronized (this) {
            if (client == null) {
                if (closed) {
                    throw new IllegalStateException("the InfluxDB writer is closed");
                }
                String url = settings.url().toString();
                client = settings.username() != null
                        ? InfluxDBFactory.connect(
                                url,
                                settings.username(),
                                settings.password() == null
                                        ? ""
                                        : settings.password().reveal(),
                                http)
                        : InfluxDBFactory.connect(url, http);
            }
            return client;
        }
    }

    /**
     * OkHttp leaves Nagle's algorithm on; its request headers and body go out as separate writes, and with
     * the server's delayed ACK each write then waits up to 40 ms: a few hundred ms per second of batches.
     */
    static final class NoDelaySockets extends javax.net.SocketFactory {
        private final javax.net.SocketFactory base = javax.net.SocketFactory.getDefault();

        private static java.net.Socket noDelay(java.net.Socket s) throws java.net.SocketException {
            s.setTcpNoDelay(true);
            return s;
        }

        @Override
        public java.net.Socket createSocket() throws IOException {
            return noDelay(base.createSocket());
        }

        @Override
        public java.net.Socket createSocket(String host, int port) throws IOException {
            return noDelay(base.createSocket(host, port));
        }

        @Override
        public java.net.Socket createSocket(String host, int port, java.net.InetAddress local, int localPort)
                throws IOException {
            return noDelay(base.createSocket(host, port, local, localPort));
        }

        @Override
        public java.net.Socket createSocket(java.net.InetAddress host, int port) throws IOException {
            return noDelay(base.createSocket(host, port));
        }

        @Override
        public java.net.Socket createSocket(
                java.net.InetAddress host, int port, java.net.InetAddress local, int localPort) throws IOException {
            return noDelay(base.createSocket(host, port, local, localPort));
        }
    }

    /**
     * Gzips write bodies in one piece with the JDK's deflater and sends them with a Content-Length.
     * influxdb-java's own gzip streams the body through okio in chunks, which measured at about half the
     * points/s of a plain gzip POST to the same influxd (bench/SinkBench); and influxd 1.x only enforces
     * max-body-size against a known length.
     */
    static final class GzipBody implements Interceptor {
        @Override
        public Response intercept(Chain chain) throws IOException {
            okhttp3.Request req = chain.request();
            okhttp3.RequestBody body = req.body();
            if (body == null
                    || req.header("Content-Encoding") != null
                    || !req.url().encodedPath().endsWith("/write")) {
                return chain.proceed(req);
            }
            okio.Buffer plain = new okio.Buffer();
            body.writeTo(plain);
            java.io.ByteArrayOutputStream zipped =
                    new java.io.ByteArrayOutputStream((int) Math.max(512, plain.size() / 6));
            try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(zipped, 64 << 10)) {
                plain.writeTo(gz);
            }
            okhttp3.RequestBody gzBody = okhttp3.RequestBody.create(zipped.toByteArray(), body.contentType());
            return chain.proceed(req.newBuilder()
                    .header("Content-Encoding", "gzip")
                    .method(req.method(), gzBody)
                    .build());
        }
    }

    public Outcome write(String lineProtocol) {
        try {
            client().write(
                            settings.database(),
                            settings.retentionPolicy(),
                            InfluxDB.ConsistencyLevel.ONE,
                            TimeUnit.MILLISECONDS,
                            lineProtocol);
            return WRITTEN;
        } catch (InfluxDBIOException e) {
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof java.net.SocketTimeoutException) {
                    return new Outcome.TimedOut("InfluxDB at " + settings.url() + " did not answer a write within "
                            + settings.timeout().toMillis() + " ms (influxdb.timeout)");
                }
            }
            return new Outcome.Retry(
                    "cannot reach InfluxDB at " + settings.url() + ": " + rootMessage(e), Duration.ZERO);
        } catch (InfluxDBException e) {
            Response r = last.get();
            int status = r == null ? 0 : r.code();
            String msg = firstLine(e.getMessage());
            Duration after = r == null ? Duration.ZERO : retryAfter(r.header("Retry-After"));
            if (status == 413) {
                return new Outcome.TooLarge(msg);
            }
            if (status == 404 && msg.contains("database not found")) {
                return new Outcome.NoDatabase(msg);
            }
            // 401/403 (credentials) and 404 (a wrong URL path, a proxy) are the operator's to fix: dead-lettering
            // everything meanwhile would lose the whole stream, so they are retried and shown as an outage.
            if (status >= 400
                    && status < 500
                    && status != 408
                    && status != 429
                    && status != 401
                    && status != 403
                    && status != 404) {
                return new Outcome.Rejected(status, e.getMessage() == null ? "" : e.getMessage());
            }
            return new Outcome.Retry(
                    "InfluxDB answered " + (status == 0 ? "an error" : "HTTP " + status) + ": " + msg, after);
        } catch (RuntimeException e) {
            return new Outcome.Retry("writing to InfluxDB failed: " + rootMessage(e), Duration.ZERO);
        } finally {
            last.remove();
        }
    }

    /** {@code Retry-After} in seconds (HTTP dates are rare from InfluxDB; treated as no hint). */
    static Duration retryAfter(String header) {
        if (header == null) {
            return Duration.ZERO;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(header.trim())));
        } catch (NumberFormatException e) {
            return Duration.ZERO;
        }
    }

    public void createDatabase() {
        QueryResult r = client().query(new Query("CREATE DATABASE \"" + settings.database() + "\""));
        if (r.hasError()) {
            throw new InfluxDBException(r.getError());
        }
    }

    /** Runs a read-only InfluxQL query (used by analyze, tests and the demo). */
    public QueryResult query(String influxQl) {
        return client().query(new Query(influxQl, settings.database()));
    }

    public boolean ping() {
        try {
            return client().ping().isGood();
        } catch (RuntimeException e) {
            return false;
        }
    }

    public InfluxSettings settings() {
        return settings;
    }

    /**
     * The lines of {@code batch} that influxd 1.x says it could not parse: its answer quotes each one, as
     * {@code unable to parse 'LINE': why}, one to a line. A line may itself hold "': ", so every such end is tried.
     */
    static Set<String> unparsable(String answer, Collection<String> batch) {
        Set<String> lines = new HashSet<>(batch);
        Set<String> named = new HashSet<>();
        String prefix = "unable to parse '";
        for (int p = answer.indexOf(prefix); p >= 0; p = answer.indexOf(prefix, p + 1)) {
            int from = p + prefix.length();
            int end = answer.indexOf('\n', from); // a written line holds no newline
            end = end < 0 ? answer.length() : end;
            for (int q = answer.indexOf("': ", from); q >= 0 && q < end; q = answer.indexOf("': ", q + 1)) {
                if (lines.contains(answer.substring(from, q))) {
                    named.add(answer.substring(from, q));
                    break;
                }
            }
        }
        return named;
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        if (t instanceof java.io.EOFException) {
            return "the connection was closed before InfluxDB answered"; // okio's own text is unreadable
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            if (client != null) {
                client.close();
            }
        }
    }
}
