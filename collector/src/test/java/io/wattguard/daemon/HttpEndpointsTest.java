package io.wattguard.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.wattguard.config.Secret;
import io.wattguard.influx.PrivateInfluxd;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class HttpEndpointsTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> get(int port, String path, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpEndpoints start(Secret token, String status) throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        Counter.builder()
                .name("wattguard_polls_total")
                .labelNames("source")
                .register(registry)
                .labelValues("gpus")
                .inc(3);
        ObjectNode health = new ObjectMapper().createObjectNode().put("status", status);
        int port = PrivateInfluxd.freePort();
        return new HttpEndpoints(
                new HttpSettings(true, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), token),
                registry,
                () -> health);
    }

    @Test
    void healthAndMetricsOnLoopbackWithoutToken() throws Exception {
        try (HttpEndpoints http = start(null, "ok")) {
            int port = http.address().getPort();
            HttpResponse<String> h = get(port, "/health", null);
            assertEquals(200, h.statusCode());
            assertEquals(
                    "application/json", h.headers().firstValue("Content-Type").orElse(""));
            assertTrue(h.body().contains("\"status\" : \"ok\""), h.body());
            HttpResponse<String> m = get(port, "/metrics", null);
            assertEquals(200, m.statusCode());
            assertTrue(m.body().contains("wattguard_polls_total{source=\"gpus\"} 3.0"), m.body());
            assertEquals(404, get(port, "/nothing", null).statusCode());
        }
    }

    @Test
    void degradedHealthIs503SoLoadBalancersAndProbesNotice() throws Exception {
        try (HttpEndpoints http = start(null, "degraded")) {
            assertEquals(503, get(http.address().getPort(), "/health", null).statusCode());
        }
    }

    @Test
    void withATokenEveryRequestMustCarryIt() throws Exception {
        try (HttpEndpoints http = start(new Secret("t0ken"), "ok")) {
            int port = http.address().getPort();
            HttpResponse<String> none = get(port, "/metrics", null);
            assertEquals(401, none.statusCode());
            assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElse(""));
            assertEquals(401, get(port, "/health", "Bearer wrong").statusCode());
            assertEquals(200, get(port, "/health", "Bearer t0ken").statusCode());
        }
    }

    @Test
    void aHandlerThatFailsStillAnswers500() throws Exception {
        int port = PrivateInfluxd.freePort();
        try (HttpEndpoints http = new HttpEndpoints(
                new HttpSettings(true, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), null),
                new PrometheusRegistry(),
                () -> {
                    throw new IllegalStateException("health is broken");
                })) {
            HttpResponse<String> r = get(port, "/health", null);
            assertEquals(500, r.statusCode(), "an answer, not a closed connection");
            assertEquals("internal error: java.lang.IllegalStateException: health is broken\n", r.body());
            assertEquals(200, get(port, "/metrics", null).statusCode(), "the listener is fine afterwards");
        }
    }

    @Test
    void aPortInUseIsNamedInTheOperatorsTerms() throws Exception {
        try (HttpEndpoints first = start(null, "ok")) {
            IOException e = assertThrows(
                    IOException.class,
                    () -> new HttpEndpoints(
                            new HttpSettings(true, first.address(), null), new PrometheusRegistry(), () -> null));
            assertTrue(
                    e.getMessage().startsWith("http.listen: cannot listen on " + first.address() + ": "),
                    e.getMessage());
            assertTrue(e.getMessage().endsWith(" (another wattguard running? choose another port)"), e.getMessage());
            assertEquals(
                    200, get(first.address().getPort(), "/health", null).statusCode(), "the first one still serves");
        }
    }

    @Test
    void closeIsIdempotent() throws Exception {
        HttpEndpoints http = start(null, "ok");
        http.close();
        http.close();
    }
}
