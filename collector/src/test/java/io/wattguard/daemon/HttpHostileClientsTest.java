package io.wattguard.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.wattguard.config.Secret;
import io.wattguard.core.Sample;
import io.wattguard.influx.PrivateInfluxd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The listener under clients that are slow on purpose: they must not delay the probes and Prometheus, and they are
 * cut off at the documented limits ({@link HttpLimits}) rather than held for as long as they like.
 */
class HttpHostileClientsTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final String TOKEN = "t0ken";
    private static final HttpLimits FAST = limits(1, 1, 1, 4);
    private final List<List<Sample>> pushed = new CopyOnWriteArrayList<>();

    /** The default total and header size, with these timeouts (in seconds) and per-client limit. */
    private static HttpLimits limits(int header, int body, int idle, int perClient) {
        return new HttpLimits(
                Duration.ofSeconds(header),
                Duration.ofSeconds(body),
                Duration.ofSeconds(idle),
                HttpLimits.DEFAULTS.maxConnections(),
                perClient,
                HttpLimits.DEFAULTS.maxHeaderBytes());
    }

    private HttpEndpoints start(String token, HttpLimits limits) throws Exception {
        ObjectNode health = new ObjectMapper().createObjectNode().put("status", "ok");
        InetSocketAddress listen = new InetSocketAddress(InetAddress.getLoopbackAddress(), PrivateInfluxd.freePort());
        return new HttpEndpoints(
                new HttpSettings(true, listen, token == null ? null : new Secret(token), limits),
                new PrometheusRegistry(),
                () -> health,
                pushed::add,
                Clock.systemUTC());
    }

    /** How long {@code GET /health} from 127.0.0.1 took to answer 200. */
    private static Duration health(HttpEndpoints http, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + http.address().getPort() + "/health"))
                .timeout(Duration.ofSeconds(5));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        long t0 = System.nanoTime();
        assertEquals(
                200, HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    private static int heldFrom(HttpEndpoints http, int sources) throws IOException {
        int n = 0;
        for (int i = 0; i < sources; i++) {
            n += http.connections(SlowClients.source(i));
        }
        return n;
    }

    @ParameterizedTest(name = "token configured: {0}")
    @ValueSource(booleans = {false, true})
    void fiftySlowConnectionsDoNotDelayHealth(boolean withToken) throws Exception {
        assertTrue(
                SlowClients.supported(),
                "needs client addresses 127.0.0.2 and up: Linux routes all of 127/8 "
                        + "to loopback; elsewhere add them as loopback aliases (macOS: sudo ifconfig lo0 alias 127.0.0.2 up)");
        String token = withToken ? TOKEN : null;
        try (HttpEndpoints http = start(token, HttpLimits.DEFAULTS);
                SlowClients slow = new SlowClients(http.address(), Duration.ofSeconds(1))) {
            // Without a token: headers are read before any token check can happen.
            slow.headers(SlowClients.source(0));
            // With the token, where there is one: the body is read. Ten addresses, under the per-client limit.
            for (int i = 0; i < 49; i++) {
                slow.body(SlowClients.source(1 + i % 10), token, 4096);
            }
            long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            Duration worst = Duration.ZERO;
            do {
                Duration took = health(http, token);
                worst = took.compareTo(worst) > 0 ? took : worst;
                Thread.sleep(200);
            } while (System.nanoTime() < until);
            assertTrue(worst.compareTo(Duration.ofSeconds(1)) < 0, "slowest /health: " + worst.toMillis() + " ms");
            assertEquals(50, heldFrom(http, 11), "the 50 slow connections were held all along, not refused");
            assertEquals(50, slow.open());
            HttpRequest.Builder push = HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + http.address().getPort() + HttpEndpoints.BUSINESS_LOAD_PATH))
                    .timeout(Duration.ofSeconds(1))
                    .POST(HttpRequest.BodyPublishers.ofString("business_load,entity=gpu-1,level=host value=0.5\n"));
            if (token != null) {
                push.header("Authorization", "Bearer " + token);
            }
            assertEquals(
                    200,
                    HTTP.send(push.build(), HttpResponse.BodyHandlers.ofString())
                            .statusCode(),
                    "a push from another client too");
            assertEquals(1, pushed.size());
        }
    }

    /** Until the server closes the socket: its answer, if it sent one, and how long that took. */
    private record Ending(String answer, Duration after) {
        String status() {
            return answer.isEmpty() ? "" : answer.substring(0, answer.indexOf("\r\n"));
        }
    }

    private static Ending untilClosed(Socket s) throws IOException {
        long t0 = System.nanoTime();
        s.setSoTimeout(10_000);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                got.write(buf, 0, n);
            }
        } catch (SocketException e) {
            // reset: closed too
        } catch (SocketTimeoutException e) {
            throw new AssertionError("still open after 10 s; received: " + got.toString(StandardCharsets.UTF_8), e);
        }
        return new Ending(got.toString(StandardCharsets.UTF_8), Duration.ofNanos(System.nanoTime() - t0));
    }

    private static void assertAbout(Duration expected, Duration actual) {
        assertTrue(
                actual.compareTo(expected.minusMillis(150)) >= 0 && actual.compareTo(expected.plusMillis(1500)) < 0,
                "expected about " + expected.toMillis() + " ms, took " + actual.toMillis() + " ms");
    }

    @Test
    void headersDribbledByteByByteAreCutAtTheHeaderTimeout() throws Exception {
        try (HttpEndpoints http = start(null, limits(1, 5, 5, 16));
                SlowClients slow = new SlowClients(http.address(), Duration.ofMillis(200))) {
            Ending e = untilClosed(slow.headers(InetAddress.getLoopbackAddress()));
            assertAbout(Duration.ofSeconds(1), e.after());
            assertEquals("", e.answer(), "closed without an answer: the request never ended");
        }
    }

    @Test
    void aSilentConnectionIsClosedAtTheIdleTimeout() throws Exception {
        try (HttpEndpoints http = start(null, limits(10, 10, 1, 16));
                SlowClients slow = new SlowClients(http.address(), Duration.ofHours(1))) {
            assertAbout(
                    Duration.ofSeconds(1),
                    untilClosed(slow.open(InetAddress.getLoopbackAddress(), "")).after());
        }
    }

    @Test
    void aKeptAliveConnectionMustSendItsNextRequestWithinTheHeaderTimeout() throws Exception {
        try (HttpEndpoints http = start(null, limits(1, 5, 5, 16));
                SlowClients slow = new SlowClients(http.address(), Duration.ofMillis(200))) {
            health(http, null); // a first answer, out of the timing
            Socket s = slow.open(
                    InetAddress.getLoopbackAddress(),
                    "GET /health HTTP/1.1\r\nHost: wattguard\r\n\r\n"
                            + "GET /health HTTP/1.1\r\nHost: wattguard\r\nX-Slow: ");
            Ending e = untilClosed(s);
            assertTrue(e.answer().startsWith("HTTP/1.1 200 "), e.answer());
            assertAbout(Duration.ofSeconds(1), e.after());
        }
    }

    @Test
    void aBodyTooSlowIsAnswered408AtTheBodyTimeout() throws Exception {
        try (HttpEndpoints http = start(TOKEN, FAST);
                SlowClients slow = new SlowClients(http.address(), Duration.ofMillis(200))) {
            Ending e = untilClosed(slow.body(InetAddress.getLoopbackAddress(), TOKEN, 4096));
            assertEquals("HTTP/1.1 408 Request Timeout", e.status(), e.answer());
            assertTrue(
                    e.answer()
                            .endsWith("body not received within 1000 ms: send it faster, or the points in several "
                                    + "requests\n"),
                    e.answer());
            assertAbout(Duration.ofSeconds(1), e.after());
            assertTrue(pushed.isEmpty());
        }
    }

    @Test
    void withoutTheTokenThePushIsRefusedBeforeItsBodyIsRead() throws Exception {
        try (HttpEndpoints http = start(TOKEN, HttpLimits.DEFAULTS);
                SlowClients slow = new SlowClients(http.address(), Duration.ofHours(1))) {
            Ending e = untilClosed(slow.body(InetAddress.getLoopbackAddress(), null, 4096));
            assertEquals("HTTP/1.1 401 Unauthorized", e.status(), e.answer());
            assertTrue(
                    e.after().compareTo(Duration.ofSeconds(1)) < 0,
                    "at once, took " + e.after().toMillis() + " ms");
        }
    }

    @Test
    void requestsOverTheSizeLimitsAreAnswered431And413NotHeld() throws Exception {
        try (HttpEndpoints http = start(null, FAST);
                SlowClients slow = new SlowClients(http.address(), Duration.ofHours(1))) {
            InetAddress local = InetAddress.getLoopbackAddress();
            Ending bigHeaders = untilClosed(slow.open(
                    local, "GET /health HTTP/1.1\r\nHost: wattguard\r\nX-Big: " + "a".repeat(9 << 10) + "\r\n\r\n"));
            assertEquals("HTTP/1.1 431 Request Header Fields Too Large", bigHeaders.status(), bigHeaders.answer());
            assertTrue(
                    bigHeaders.after().compareTo(Duration.ofSeconds(1)) < 0,
                    bigHeaders.after().toString());
            // A declared length past what is worth reading is refused before any of it arrives.
            Ending declared = untilClosed(slow.body(local, null, 1 << 30));
            assertEquals("HTTP/1.1 413 Payload Too Large", declared.status(), declared.answer());
            assertTrue(
                    declared.answer()
                            .endsWith("body of 1073741824 bytes is over the limit of 1048576 bytes: send "
                                    + "the points in several requests\n"),
                    declared.answer());
            assertTrue(
                    declared.after().compareTo(Duration.ofSeconds(1)) < 0,
                    declared.after().toString());
            // Two mebibytes, all sent: read, dropped, refused.
            Socket whole = slow.body(local, null, 2 << 20);
            whole.getOutputStream().write(new byte[(2 << 20) - "business_load,entity=".length()]);
            Ending sent = untilClosed(whole); // answered, then kept alive until the header timeout
            assertEquals("HTTP/1.1 413 Payload Too Large", sent.status(), sent.answer());
            assertAbout(Duration.ofSeconds(1), sent.after());
            assertTrue(pushed.isEmpty());
        }
    }

    @Test
    void oneClientGetsNoMoreThanItsShareOfConnections() throws Exception {
        assertTrue(
                SlowClients.supported(),
                "needs client addresses 127.0.0.2 and up: Linux routes all of 127/8 "
                        + "to loopback; elsewhere add them as loopback aliases (macOS: sudo ifconfig lo0 alias 127.0.0.2 up)");
        try (HttpEndpoints http = start(null, limits(10, 10, 10, 4));
                SlowClients slow = new SlowClients(http.address(), Duration.ofSeconds(1))) {
            InetAddress hostile = SlowClients.source(0);
            Socket first = slow.headers(hostile);
            for (int i = 1; i < 4; i++) {
                slow.headers(hostile);
            }
            // Jetty opens connections accepted together in any order: which of five would be refused is not set.
            awaitConnections(http, hostile, 4);
            Ending fifth = untilClosed(slow.headers(hostile));
            assertEquals("", fifth.answer());
            assertTrue(fifth.after().compareTo(Duration.ofSeconds(1)) < 0, "closed at once: " + fifth.after());
            assertEquals(4, http.connections(hostile));
            assertTrue(health(http, null).compareTo(Duration.ofSeconds(1)) < 0, "other clients are served");
            first.close();
            awaitConnections(http, hostile, 3); // a closed connection is counted out
            slow.headers(hostile);
            awaitConnections(http, hostile, 4); // and a new one may take its place
        }
    }

    @Test
    void pastTheTotalLimitANewConnectionWaitsForOneToClose() throws Exception {
        assertTrue(
                SlowClients.supported(),
                "needs client addresses 127.0.0.2 and up: Linux routes all of 127/8 "
                        + "to loopback; elsewhere add them as loopback aliases (macOS: sudo ifconfig lo0 alias 127.0.0.2 up)");
        HttpLimits four = new HttpLimits(
                Duration.ofSeconds(10),
                Duration.ofSeconds(10),
                Duration.ofSeconds(10),
                4,
                4,
                HttpLimits.DEFAULTS.maxHeaderBytes());
        try (HttpEndpoints http = start(null, four);
                SlowClients slow = new SlowClients(http.address(), Duration.ofSeconds(1))) {
            List<Socket> held = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                held.add(slow.headers(SlowClients.source(i)));
                awaitConnections(http, SlowClients.source(i), 1);
            }
            var waiting = HTTP.sendAsync(
                    HttpRequest.newBuilder(URI.create(
                                    "http://127.0.0.1:" + http.address().getPort() + "/health"))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            Thread.sleep(500);
            assertFalse(waiting.isDone(), "a fifth connection waits in the backlog");
            held.get(0).close();
            assertEquals(200, waiting.get(3, TimeUnit.SECONDS).statusCode(), "and is served once one closes");
        }
    }

    private static void awaitConnections(HttpEndpoints http, InetAddress client, int n) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (http.connections(client) != n && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertEquals(n, http.connections(client), "connections open from " + client);
    }
}
