package io.wattguard.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.wattguard.core.Sample;
import io.wattguard.source.business.PushedLoad;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /health} (JSON; 200 when every source and the sink are fine, 503 otherwise), {@code /metrics}
 * (Prometheus text) and {@code POST /api/v1/business-load} (business load from other systems, into the same
 * pipeline as the sources' samples). With a token configured, every request needs {@code Authorization: Bearer TOKEN}.
 *
 * <p>The transport is Jetty core (no servlet API), chosen so that slow or hostile clients cannot starve the
 * probes and Prometheus: its I/O is asynchronous, so a connection waiting for bytes holds no thread (the JDK's
 * server held one of its two handler threads per slow request, and two such clients froze every endpoint); the
 * body is read the same way ({@link BodyReader}); connections are bounded in all ({@link NetworkConnectionLimit})
 * and per client address, request headers in size ({@link HttpConfiguration#setRequestHeaderSize}, 431 past it)
 * and, with {@link ConnectionGuard}, in time; the body in size (413) and time (408); and an idle connection is
 * closed (the connector's idle timeout). The token is checked once the headers are in, before any of the body is
 * read. Undertow would do as well; Jetty core is smaller to ship and its limits are public API.
 */
public final class HttpEndpoints implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpEndpoints.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String BUSINESS_LOAD_PATH = "/api/v1/business-load";
    /** A day of per-minute points for a few thousand hosts fits; a runaway client does not fill the heap. */
    public static final int MAX_PUSH_BYTES = 1 << 20;
    /** Of a body over the limit, what is read (and dropped) so that the client sees the 413. */
    private static final long DRAIN_BYTES = 64L * MAX_PUSH_BYTES;
    /**
     * Handlers answer without blocking, so these threads only parse, check and answer; a slow client holds none.
     * Sixteen leaves room for Jetty's acceptor and selector and for a few scrapes at once.
     */
    private static final int THREADS = 16;

    private final Server server;
    private final ServerConnector connector;
    private final ScheduledExecutorScheduler timer = new ScheduledExecutorScheduler("wattguard-http-timer", true);
    private final ConnectionGuard guard;
    private final HttpLimits limits;
    private final InetAddress listen;
    private final byte[] token;
    private boolean closed;

    public HttpEndpoints(HttpSettings settings, PrometheusRegistry registry, Supplier<ObjectNode> health)
            throws IOException {
        this(settings, registry, health, null, Clock.systemUTC());
    }

    /**
     * @param pipeline where pushed business load goes (the daemon's batcher); null answers the push endpoint with 503
     * @param clock    the time of a pushed point that carries none
     */
    public HttpEndpoints(
            HttpSettings settings,
            PrometheusRegistry registry,
            Supplier<ObjectNode> health,
            Consumer<List<Sample>> pipeline,
            Clock clock)
            throws IOException {
        this.token = settings.token() == null ? null : settings.token().reveal().getBytes(StandardCharsets.UTF_8);
        this.limits = settings.limits();
        this.listen = settings.listen().getAddress();
        QueuedThreadPool threads = new QueuedThreadPool(THREADS, 2);
        threads.setName("wattguard-http");
        threads.setDaemon(true);
        this.server = new Server(threads, timer, null);
        HttpConfiguration config = new HttpConfiguration();
        config.setRequestHeaderSize(limits.maxHeaderBytes());
        config.setSendServerVersion(false);
        this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(config));
        connector.setHost(settings.listen().getAddress().getHostAddress());
        connector.setPort(settings.listen().getPort());
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        this.guard = new ConnectionGuard(timer, limits.headerTimeout(), limits.maxConnectionsPerClient());
        connector.addBean(guard);
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));
        PrometheusTextFormatWriter writer = new PrometheusTextFormatWriter(false);
        Route metrics = ex -> {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            writer.write(buf, registry.scrape());
            ex.send(200, PrometheusTextFormatWriter.CONTENT_TYPE, buf.toByteArray());
        };
        Route healthRoute = ex -> {
            ObjectNode h = health.get();
            ex.send(
                    "ok".equals(h.path("status").asText()) ? 200 : 503,
                    "application/json",
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(h));
        };
        Route push = ex -> pushBusinessLoad(ex, pipeline, clock);
        Route notFound = ex ->
                ex.send(404, "text/plain", "wattguard: try /health or /metrics\n".getBytes(StandardCharsets.UTF_8));
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Connection c = request.getConnectionMetaData().getConnection();
                guard.headersArrived(c);
                // Once answered, the connection's next request is held to the header timeout in turn.
                Exchange ex = new Exchange(
                        request,
                        response,
                        Callback.from(
                                () -> {
                                    guard.awaitHeaders(c);
                                    callback.succeeded();
                                },
                                callback::failed));
                // Paths match by prefix, as the JDK server's contexts did: /healthz is /health.
                String path = ex.path();
                guarded(
                        ex,
                        path.startsWith(BUSINESS_LOAD_PATH)
                                ? push
                                : path.startsWith("/metrics")
                                        ? metrics
                                        : path.startsWith("/health") ? healthRoute : notFound);
                return true;
            }
        });
        try {
            server.start();
        } catch (Exception e) {
            close();
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof BindException) {
                    throw new IOException(
                            "http.listen: cannot listen on " + settings.listen() + ": " + t.getMessage()
                                    + " (another wattguard running? choose another port)",
                            t);
                }
            }
            throw new IOException("http: cannot start the listener on " + settings.listen() + ": " + e, e);
        }
        log.info(
                "http: /health, /metrics and " + BUSINESS_LOAD_PATH + " on {}:{}{}",
                address().getAddress().getHostAddress(),
                address().getPort(),
                token == null ? "" : " (token required)");
    }

    /** What an endpoint answers; the transport around it is the listener's. */
    @FunctionalInterface
    interface Route {
        void handle(Exchange ex) throws IOException;
    }

    private void pushBusinessLoad(Exchange ex, Consumer<List<Sample>> pipeline, Clock clock) {
        if (!"POST".equals(ex.method())) {
            ex.setHeader("Allow", "POST");
            text(ex, 405, "use POST with line protocol or JSON business_load points");
            return;
        }
        if (pipeline == null) {
            text(ex, 503, "this listener has no pipeline to write business load into");
            return;
        }
        String length = ex.header("Content-Length");
        if (declared(length) > DRAIN_BYTES) {
            tooLarge(ex, length); // nothing gained by reading it: Jetty closes the connection after the answer
            return;
        }
        // Past the limit, the rest is read (up to a bound, without keeping it) so the client, still sending, gets
        // the 413 and not a reset connection; past the bound the connection is closed.
        BodyReader.read(
                ex.request(), MAX_PUSH_BYTES, DRAIN_BYTES, limits.bodyTimeout(), timer, new BodyReader.Outcome() {
                    @Override
                    public void body(byte[] body) {
                        handled(ex, e -> acceptBusinessLoad(e, body, pipeline, clock));
                    }

                    @Override
                    public void tooLarge() {
                        HttpEndpoints.tooLarge(ex, length);
                    }

                    @Override
                    public void tooSlow() {
                        ex.setHeader("Connection", "close");
                        text(
                                ex,
                                408,
                                "body not received within "
                                        + limits.bodyTimeout().toMillis()
                                        + " ms: send it faster, or the points in several requests");
                    }

                    @Override
                    public void failed(Throwable cause) {
                        log.debug("http: {} {}: {}", ex.method(), ex.path(), cause.toString());
                        ex.fail(cause);
                    }
                });
    }

    private static long declared(String contentLength) {
        try {
            return contentLength == null ? -1 : Long.parseLong(contentLength.trim());
        } catch (NumberFormatException e) {
            return -1; // Jetty answers 400 to such a request before it gets here
        }
    }

    private static void tooLarge(Exchange ex, String length) {
        text(
                ex,
                413,
                "body " + (length != null ? "of " + length + " bytes " : "") + "is over the limit of " + MAX_PUSH_BYTES
                        + " bytes: send the points in several requests");
    }

    private static void acceptBusinessLoad(Exchange ex, byte[] body, Consumer<List<Sample>> pipeline, Clock clock) {
        String type = ex.header("Content-Type");
        boolean json = type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json");
        List<Sample> points;
        try {
            points = PushedLoad.parse(new String(body, StandardCharsets.UTF_8), json, clock.millis());
        } catch (PushedLoad.BadInput e) {
            text(ex, 400, e.getMessage() + "; nothing of this request was written");
            return;
        }
        pipeline.accept(points);
        text(ex, 200, "accepted " + points.size() + " business_load point" + (points.size() == 1 ? "" : "s"));
    }

    private static void text(Exchange ex, int status, String message) {
        ex.send(status, "text/plain; charset=utf-8", (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The token is checked here, with the headers only: an unauthorised client's body is never read. */
    private void guarded(Exchange ex, Route h) {
        if (token != null && !authorised(ex.header("Authorization"))) {
            ex.setHeader("WWW-Authenticate", "Bearer");
            ex.send(
                    401,
                    "text/plain",
                    "token required: Authorization: Bearer TOKEN\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        handled(ex, h);
    }

    /** Runs an endpoint; an I/O failure is the client's going away, and closes the connection. */
    private static void handled(Exchange ex, Route h) {
        try {
            answered(ex, h);
        } catch (IOException | RuntimeException e) {
            log.debug("http: {} {}: {}", ex.method(), ex.path(), e.toString());
            if (!ex.answered()) {
                ex.fail(e);
            }
        }
    }

    /** A bug in a handler still answers the client (500), which would otherwise see only a closed connection. */
    private static void answered(Exchange ex, Route h) throws IOException {
        try {
            h.handle(ex);
        } catch (RuntimeException e) {
            log.warn("http: {} {} failed", ex.method(), ex.path(), e);
            if (!ex.answered()) {
                text(ex, 500, "internal error: " + e);
            }
        }
    }

    private boolean authorised(String header) {
        if (header == null || !header.startsWith("Bearer ")) {
            return false;
        }
        return MessageDigest.isEqual(token, header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(listen, connector.getLocalPort());
    }

    /** Open connections from one client address, for tests. */
    int connections(InetAddress client) {
        return guard.open(client);
    }

    static ArrayNode array() {
        return JSON.createArrayNode();
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                server.stop();
            } catch (Exception e) {
                log.debug("http: stopping the listener: {}", e.toString());
            }
        }
    }
}
