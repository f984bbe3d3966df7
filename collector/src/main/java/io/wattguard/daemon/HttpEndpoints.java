package io.wattguard.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /health} (JSON; 200 when every source and the sink are fine, 503 otherwise) and {@code /metrics}
 * (Prometheus text). With a token configured, every request needs {@code Authorization: Bearer TOKEN}.
 */
public final class HttpEndpoints implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpEndpoints.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final byte[] token;
    private boolean closed;

    public HttpEndpoints(HttpSettings settings, PrometheusRegistry registry, Supplier<ObjectNode> health) throws IOException {
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
        server.createContext("/", guarded(ex -> send(ex, 404, "text/plain",
                "wattguard: try /health or /metrics\n".getBytes(StandardCharsets.UTF_8))));
        server.start();
        log.info("http: /health and /metrics on {}:{}{}", address().getAddress().getHostAddress(), address().getPort(),
                token == null ? "" : " (token required)");
    }

    private HttpHandler guarded(HttpHandler h) {
        return ex -> {
            try (ex) {
                if (token != null && !authorised(ex.getRequestHeaders().getFirst("Authorization"))) {
                    ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                    send(ex, 401, "text/plain", "token required: Authorization: Bearer TOKEN\n".getBytes(StandardCharsets.UTF_8));
                    return;
                }
                h.handle(ex);
            } catch (IOException | RuntimeException e) {
                log.debug("http: {} {}: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
            }
        };
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
