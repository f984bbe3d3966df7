package io.wattguard.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.wattguard.analytics.Episode.Severity;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real HTTP server on loopback that answers from a script per path. */
class WebhookOutputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "tok-3f9a1c-very-secret";

    @TempDir
    Path dir;

    record Request(String path, long nanos, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0))
                    .findFirst()
                    .orElse(null);
        }
    }

    private HttpServer server;
    private ExecutorService pool;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    /** Status codes to answer per path, in order; 200 once a path's script is used up. */
    private final Map<String, Deque<Integer>> script = new ConcurrentHashMap<>();

    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pool = Executors.newCachedThreadPool();
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void stopServer() {
        release.countDown();
        server.stop(0);
        pool.shutdownNow();
    }

    private void handle(HttpExchange x) throws IOException {
        byte[] body = x.getRequestBody().readAllBytes();
        String path = x.getRequestURI().getPath();
        requests.add(new Request(path, System.nanoTime(), Map.copyOf(x.getRequestHeaders()), body));
        if (path.startsWith("/stuck")) {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Deque<Integer> s = script.get(path);
        Integer status = s == null ? null : s.poll();
        int code = status == null ? 200 : status;
        if (code == 429) {
            x.getResponseHeaders().add("Retry-After", "1");
        }
        x.sendResponseHeaders(code, -1);
        x.close();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private Alerts alerts(String path, String extra) {
        AlertSettings s = AlertConfigs.ok(dir, """
                alerts:
                  currency: USD
                  webhooks:
                    - { name: chat, url: "%s", token_env: HOOK_TOKEN, retry_backoff: 50ms %s }
                """.formatted(url(path), extra), Map.of("HOOK_TOKEN", TOKEN));
        Alerts a = Alerts.create(s, Clock.systemUTC(), "collector-1");
        a.start();
        return a;
    }

    private List<Request> at(String path) {
        List<Request> out = new ArrayList<>();
        requests.forEach(r -> {
            if (r.path().equals(path)) {
                out.add(r);
            }
        });
        return out;
    }

    @Test
    void retries503WithTheSameBodyThenDeliversWithBearerAndJson() throws Exception {
        script.put("/hook/SECRETPATH", new ConcurrentLinkedDeque<>(List.of(503, 503)));
        try (LogCapture logs = new LogCapture()) {
            Alerts a = alerts("/hook/SECRETPATH", "");
            a.publish(Episodes.open("ep-w", Severity.HIGH, 3));
            Eventually.await(
                    Duration.ofSeconds(10), () -> a.stats().get(0).sent() == 1, () -> a.stats() + " " + requests);
            a.close();
            List<Request> r = at("/hook/SECRETPATH");
            assertEquals(3, r.size(), "503, 503, then 200");
            for (Request q : r) {
                assertEquals("Bearer " + TOKEN, q.header("Authorization"));
                assertEquals("application/json", q.header("Content-Type"));
                assertTrue(q.header("User-Agent").startsWith("wattguard/"), q.header("User-Agent"));
                assertEquals(new String(r.get(0).body()), new String(q.body()), "every retry sends the same body");
            }
            JsonNode body = JSON.readTree(r.get(2).body());
            assertEquals("opened", body.get("event").asText());
            assertEquals("ep-w", body.get("id").asText());
            assertEquals("high", body.get("severity").asText());
            assertEquals("USD", body.get("currency").asText());
            assertEquals(253.0, body.get("excess_w").asDouble());
            assertEquals(4242, body.at("/evidence/processes/0/pid").asInt());
            assertEquals(
                    new OutputStats("chat", "webhook", 1, 0, 0, 0), a.stats().get(0));
            String log = logs.all();
            assertTrue(log.contains("HTTP 503"), "the outage is logged: " + log);
            assertFalse(log.contains(TOKEN), "the token never reaches the log: " + log);
            assertFalse(log.contains("SECRETPATH"), "nor the URL's path: " + log);
        }
    }

    @Test
    void a400IsNotRetriedAndCountsAsFailed() throws Exception {
        script.put("/bad", new ConcurrentLinkedDeque<>(List.of(400, 400, 400)));
        try (LogCapture logs = new LogCapture()) {
            Alerts a = alerts("/bad", "");
            a.publish(Episodes.open("ep-400", Severity.HIGH, 0));
            Eventually.await(Duration.ofSeconds(10), () -> a.stats().get(0).failed() == 1, () -> a.stats()
                    .toString());
            Thread.sleep(300); // room for a retry that must not come
            a.close();
            assertEquals(1, at("/bad").size(), "one request, no retry");
            assertEquals(
                    1, logs.lines().stream().filter(l -> l.contains("HTTP 400")).count(), logs.all());
            assertFalse(logs.all().contains(TOKEN));
        }
    }

    @Test
    void honoursRetryAfterOn429() throws Exception {
        script.put("/busy", new ConcurrentLinkedDeque<>(List.of(429)));
        Alerts a = alerts("/busy", "");
        a.publish(Episodes.open("ep-429", Severity.HIGH, 0));
        Eventually.await(Duration.ofSeconds(10), () -> a.stats().get(0).sent() == 1, () -> a.stats()
                .toString());
        a.close();
        List<Request> r = at("/busy");
        assertEquals(2, r.size());
        long waitedMs = (r.get(1).nanos() - r.get(0).nanos()) / 1_000_000;
        assertTrue(waitedMs >= 900, "Retry-After: 1 is one second, not the 50ms backoff; waited " + waitedMs + " ms");
    }

    @Test
    void givesUpAfterMaxAttemptsOnConnectionErrors() throws Exception {
        int closedPort;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort(); // free once closed: connections are refused
        }
        AlertSettings s = AlertConfigs.ok(dir, """
                alerts:
                  webhooks: [ { url: "http://127.0.0.1:%d/x", max_attempts: 3, retry_backoff: 10ms } ]
                """.formatted(closedPort), Map.of());
        Alerts a = Alerts.create(s, Clock.systemUTC(), "h");
        a.start();
        a.publish(Episodes.open("ep-refused", Severity.LOW, 0));
        Eventually.await(Duration.ofSeconds(10), () -> a.stats().get(0).failed() == 1, () -> a.stats()
                .toString());
        a.close();
        assertEquals("webhook-0", a.stats().get(0).name());
    }

    @Test
    void aFullQueueCountsDropsAndPublishNeverBlocks() throws Exception {
        Alerts a = alerts("/stuck", ", max_queue: 2, timeout: 5m");
        long t0 = System.nanoTime();
        for (int i = 0; i < 50; i++) { // distinct ids: each is an opening, so each is an event
            a.publish(Episodes.open("ep-" + i, Severity.HIGH, 0));
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        Eventually.await(Duration.ofSeconds(5), () -> at("/stuck").size() == 1, () -> requests.toString());
        OutputStats st = a.stats().get(0);
        // One event is with the stuck receiver, two wait in the queue, the rest were dropped.
        assertTrue(st.dropped() >= 47, st.toString());
        assertEquals(50, st.dropped() + st.queued() + 1, st.toString());
        assertTrue(ms < 1_000, "50 publishes against a stuck receiver took " + ms + " ms");
        release.countDown();
        a.close();
    }

    /**
     * The monthly report through a webhook whose min_severity (critical) drops the high episode before it: its own
     * JSON, with the report's currency (EUR) rather than alerts.currency (USD, the episodes'), and a refusal logged
     * by what was refused.
     */
    @Test
    void theMonthlyReportIsPostedAsItsOwnJsonWhateverTheMinimumSeverity() throws Exception {
        script.put("/report", new ConcurrentLinkedDeque<>(List.of(403)));
        try (LogCapture logs = new LogCapture()) {
            Alerts a = alerts("/report", ", min_severity: critical");
            a.publish(Episodes.open("ep-high", Severity.HIGH, 0)); // below the minimum: not sent
            a.publish(Episodes.report("fra1")); // refused with 403: not retried
            a.publish(Episodes.report("fra1"));
            Eventually.await(
                    Duration.ofSeconds(10), () -> a.stats().get(0).sent() == 1, () -> a.stats() + " " + requests);
            a.close();
            List<Request> r = at("/report");
            assertEquals(2, r.size(), "the two reports, no episode: " + r);
            JsonNode body = JSON.readTree(r.get(1).body());
            assertEquals(
                    List.of(
                            "event",
                            "id",
                            "month",
                            "site",
                            "title",
                            "from",
                            "from_ms",
                            "to",
                            "to_ms",
                            "dir",
                            "files",
                            "energy_kwh",
                            "cost",
                            "currency",
                            "unexplained_kwh",
                            "unexplained_cost",
                            "episodes",
                            "episodes_by_severity",
                            "days_with_data",
                            "days",
                            "instance"),
                    iterate(body.fieldNames()));
            assertEquals("report", body.get("event").asText());
            assertEquals("report-2026-03", body.get("id").asText());
            assertEquals("2026-02-28T23:00:00Z", body.get("from").asText());
            assertEquals("2026-03-31T22:00:00Z", body.get("to").asText());
            assertEquals(
                    "/var/lib/wattguard/reports/2026-03/report-2026-03.en.pdf",
                    body.at("/files/3").asText());
            assertEquals(1234.5, body.get("energy_kwh").asDouble());
            assertEquals("EUR", body.get("currency").asText());
            assertEquals(56.25, body.get("unexplained_kwh").asDouble());
            assertEquals(12.38, body.get("unexplained_cost").asDouble());
            assertEquals(3, body.at("/episodes_by_severity/low").asInt());
            assertEquals(0, body.at("/episodes_by_severity/critical").asInt());
            assertEquals("collector-1", body.get("instance").asText());
            assertEquals(
                    new OutputStats("chat", "webhook", 1, 1, 0, 0), a.stats().get(0));
            String log = logs.all();
            assertTrue(log.contains("HTTP 403 for report 2026-03; not retried"), log);
        }
    }

    private static List<String> iterate(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
