package io.wattguard.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.wattguard.core.Sample;
import io.wattguard.source.business.PushedLoad;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /health} (JSON; 200 when every source and the sink are fine, 503 otherwise), {@code /metrics}
 * (Prometheus text) and {@code POST /api/v1/business-load} (business load from other systems, into the same
 * pipeline as the sources' samples). With a token configured, every request needs {@code Authorization: Bearer TOKEN}.
 */
public final class HttpEndpoints implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpEndpoints.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String BUSINESS_LOAD_PATH = "/api/v1/business-load";
    /** A day of per-minute points for a few thousand hosts fits; a runaway client does not fill the heap. */
    public static final int MAX_PUSH_BYTES = 1 << 20;
    private final HttpServer server;
    private final byte[] token;
    private boolean closed;

    public HttpEndpoints(HttpSettings settings, PrometheusRegistry registry, Supplier<ObjectNode> health) throws IOException {
        this(settings, registry, health, null, Clock.systemUTC());
    }

    /**
     * @param pipeline where pushed business load goes (the daemon's batcher); null answers the push endpoint with 503
     * @param clock    the time of a pushed point that carries none
     */
    public HttpEndpoints(HttpSettings settings, PrometheusRegistry registry, Supplier<ObjectNode> health,
            Consumer<List<Sample>> pipeline, Clock clock) throws IOException {
        this.token = settings.token() == null ? null : settings.token().reveal().getBytes(StandardCharsets.UTF_8);
        try {
            this.server = HttpServer.create(settings.listen(), 16);
        } catch (java.net.BindException e) {
            throw new IOException("http.listen: cannot listen on " + settings.listen() + ": " + e.getMessage()
                    + " (another wattguard running? choose another port)", e);
        }
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "wattguard-http");
            t.setDaemon(true);
            return t;
        }));
        PrometheusTextFormatWriter writer = new PrometheusTextFormatWriter(false);
        server.createContext("/metrics", guarded(ex -> {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            writer.write(buf, registry.scrape());
            send(ex, 200, PrometheusTextFormatWriter.CONTENT_TYPE, buf.toByteArray());
        }));
        server.createContext("/health", guarded(ex -> {
            ObjectNode h = health.get();
            send(ex, "ok".equals(h.path("status").asText()) ? 200 : 503, "application/json",
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(h));
        }));
        server.createContext(BUSINESS_LOAD_PATH, guarded(ex -> pushBusinessLoad(ex, pipeline, clock)));
        server.createContext("/", guarded(ex -> send(ex, 404, "text/plain",
                "wattguard: try /health or /metrics\n".getBytes(StandardCharsets.UTF_8))));
        server.start();
        log.info("http: /health, /metrics and " + BUSINESS_LOAD_PATH + " on {}:{}{}", address().getAddress().getHostAddress(), address().getPort(),
                token == null ? "" : " (token required)");
    }

    private static void pushBusinessLoad(HttpExchange ex, Consumer<List<Sample>> pipeline, Clock clock)
            throws IOException {
        if (!"POST".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Allow", "POST");
            text(ex, 405, "use POST with line protocol or JSON business_load points");
            return;
        }
        if (pipeline == null) {
            text(ex, 503, "this listener has no pipeline to write business load into");
            return;
        }
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        byte[] body = ex.getRequestBody().readNBytes(MAX_PUSH_BYTES + 1);
        if (body.length > MAX_PUSH_BYTES) {
            // Read the rest (up to a bound, without keeping it) so the client, still sending, gets the 413 and not a
            // reset connection; past the bound the connection is closed.
            try {
                ex.getRequestBody().transferTo(new BoundedSink(64L * MAX_PUSH_BYTES));
            } catch (IOException e) {
                // answered anyway; the server closes the connection
            }
            text(ex, 413, "body " + (length != null ? "of " + length + " bytes " : "") + "is over the limit of "
                    + MAX_PUSH_BYTES + " bytes: send the points in several requests");
            return;
        }
        String type = ex.getRequestHeaders().getFirst("Content-Type");
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

    /** Discards what it is given, and fails past its limit so that a huge body is not read to its end. */
    private static final class BoundedSink extends OutputStream {
        private long left;

        BoundedSink(long limit) {
            this.left = limit;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            left -= len;
            if (left < 0) {
                throw new IOException("request body too large to drain");
            }
        }
    }

    private static void text(HttpExchange ex, int status, String message) throws IOException {
        send(ex, status, "text/plain; charset=utf-8", (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private HttpHandler guarded(HttpHandler h) {
        return ex -> {
            try (ex) {
                if (token != null && !authorised(ex.getRequestHeaders().getFirst("Authorization"))) {
                    ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                    send(ex, 401, "text/plain", "token required: Authorization: Bearer TOKEN\n".getBytes(StandardCharsets.UTF_8));
                    return;
                }
                answered(ex, h);
            } catch (IOException | RuntimeException e) {
                log.debug("http: {} {}: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
            }
        };
    }

    /** A bug in a handler still answers the client (500), which would otherwise see only a closed connection. */
    private static void answered(HttpExchange ex, HttpHandler h) throws IOException {
        try {
            h.handle(ex);
        } catch (RuntimeException e) {
            log.warn("http: {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            if (ex.getResponseCode() < 0) {
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

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
        }
    }

    public InetSocketAddress address() {
        return server.getAddress();
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
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        }
    }
}
