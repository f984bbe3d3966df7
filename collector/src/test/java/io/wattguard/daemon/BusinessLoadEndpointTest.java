package io.wattguard.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.testing.Configs;
import io.wattguard.testing.InfluxdTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /api/v1/business-load} on a running daemon writing into a real influxd: what an integrator sends, what
 * an operator then reads from the store, and the answers a client gets when it sends something wrong.
 */
class BusinessLoadEndpointTest extends InfluxdTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String TOKEN = "s3cret-push-token";

    @TempDir
    Path tmp;

    private Daemon daemon;
    private String db;
    private int port;

    @BeforeEach
    void startDaemon(org.junit.jupiter.api.TestInfo info) throws Exception {
        db = info.getTestMethod().orElseThrow().getName().toLowerCase();
        port = PrivateInfluxd.freePort();
        Settings settings = Configs.load(
                tmp, """
                instance: collector-1
                influxdb: {url: %s, database: %s}
                batch: {max_points: 100, max_delay: 50ms}
                spool: {dir: %s}
                http: {listen: "127.0.0.1:%d", token_env: WG_TOKEN}
                self_interval: 1h
                topology:
                  site: lab
                  rooms: [{name: hall-a, racks: [{name: a01, hosts: [{name: gpu-1}]}]}]
                sources: [{name: s, type: synthetic, interval: 1h, series: [{measurement: probe, fields: {x: 1}}]}]
                """.formatted(influxd.url(), db, tmp.resolve("spool"), port), Map.of("WG_TOKEN", TOKEN));
        daemon = new Daemon(settings, Clock.systemUTC());
        daemon.start();
    }

    @AfterEach
    void stopDaemon() {
        daemon.close();
    }

    private HttpResponse<String> post(String contentType, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/business-load"))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String contentType, String body) throws Exception {
        return post(contentType, body, TOKEN);
    }

    private List<Map<String, Object>> points(String where) {
        return query(db, "SELECT * FROM business_load WHERE time >= 0 AND time <= now() + 1h" + where);
    }

    private void awaitEntity(String entity) {
        await(Duration.ofSeconds(20), entity + " in influxd", () -> !points(" AND entity = '" + entity + "'")
                .isEmpty());
    }

    @Test
    void lineProtocolPointsReachTheStoreWithTopologyTags() throws Exception {
        long t = 1_780_000_000_000L;
        HttpResponse<String> r = post("text/plain", """
                # from the batch scheduler
                business_load,entity=gpu-1,level=host value=0.75,raw=6i %d
                business_load,entity=a01,level=rack,source=slurm value=0.5 %d
                business_load,entity=other\\ host,level=host value=1
                """.formatted(t, t));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("accepted 3 business_load points\n", r.body());
        awaitEntity("other host");
        awaitEntity("a01");
        Map<String, Object> host = points(" AND entity = 'gpu-1'").get(0);
        assertEquals(t, host.get("time"), "the client's timestamp, in ms");
        assertEquals(0.75, ((Number) host.get("value")).doubleValue());
        assertEquals(6.0, ((Number) host.get("raw")).doubleValue());
        assertEquals("host", host.get("level"));
        assertEquals("push", host.get("source"), "the default source");
        assertEquals("a01", host.get("rack"));
        assertEquals("hall-a", host.get("room"));
        assertEquals("lab", host.get("site"));
        Map<String, Object> rack = points(" AND entity = 'a01'").get(0);
        assertEquals("slurm", rack.get("source"));
        assertEquals("hall-a", rack.get("room"), "a rack's topology too");
        assertEquals(null, rack.get("raw"));
        long now = System.currentTimeMillis();
        long stamped = (Long) points(" AND entity = 'other host'").get(0).get("time");
        assertTrue(Math.abs(now - stamped) < 60_000, "no timestamp: the daemon's clock");
    }

    @Test
    void jsonObjectsAndArraysReachTheStore() throws Exception {
        assertEquals(200, post("application/json", """
                {"entity": "gpu-1", "level": "host", "value": 0.25, "time_ms": 1780000000000}
                """).statusCode());
        HttpResponse<String> r = post("application/json; charset=utf-8", """
                [{"entity": "a01", "level": "rack", "value": 0, "raw": 0, "source": "cmdb"},
                 {"entity": "b02", "level": "rack", "value": 1}]
                """);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("accepted 2 business_load points\n", r.body());
        awaitEntity("gpu-1");
        awaitEntity("a01");
        awaitEntity("b02");
        assertEquals(0.25, ((Number) points(" AND entity = 'gpu-1'").get(0).get("value")).doubleValue());
        assertEquals(1_780_000_000_000L, points(" AND entity = 'gpu-1'").get(0).get("time"));
        assertEquals("cmdb", points(" AND entity = 'a01'").get(0).get("source"));
    }

    @Test
    void badInputIs400NamingTheLineOrFieldAndNothingOfItIsWritten() throws Exception {
        HttpResponse<String> r = post("text/plain", """
                business_load,entity=bad-1,level=host value=0.5
                business_load,entity=bad-2,level=host value=0.5
                business_load,entity=bad-3,level=host value=1.5
                """);
        assertEquals(400, r.statusCode());
        assertEquals(
                "text/plain; charset=utf-8",
                r.headers().firstValue("Content-Type").orElse(""));
        assertEquals(
                "line 3: value: expected a number from 0 to 1 (a share of capacity), found 1.5; nothing of this "
                        + "request was written\n",
                r.body());
        assertEquals(
                "line 1: measurement 'gpu' is not accepted here: only business_load; nothing of this request was "
                        + "written\n",
                post("text/plain", "gpu,host=h1 power_w=300\n").body());
        assertEquals(
                "line 1: level is required: host or rack; nothing of this request was written\n",
                post("text/plain", "business_load,entity=h1 value=0.5\n").body());
        assertEquals(
                "line 2: field value is required (the share of capacity the business explains, 0 to 1); nothing "
                        + "of this request was written\n",
                post("text/plain", "\nbusiness_load,entity=h1,level=host raw=3\n")
                        .body());
        assertEquals(
                "line 1: unknown tag 'host': business_load takes entity, level and source; nothing of this "
                        + "request was written\n",
                post("text/plain", "business_load,entity=h1,level=host,host=h1 value=0\n")
                        .body());
        assertEquals(
                "line 1: time 1780000000000000000 is outside InfluxDB's range of 1677-09-21T00:12:43.146Z to "
                        + "2262-04-11T23:47:16.854Z (epoch milliseconds expected; nanoseconds or microseconds?); nothing of "
                        + "this request was written\n",
                post("text/plain", "business_load,entity=h1,level=host value=0 1780000000000000000\n")
                        .body());
        assertEquals(
                "item 1: level: expected host or rack, found 'room'; nothing of this request was written\n",
                post(
                                "application/json",
                                "[{\"entity\":\"x\",\"level\":\"host\",\"value\":0.1},"
                                        + "{\"entity\":\"y\",\"level\":\"room\",\"value\":0.1}]")
                        .body());
        assertEquals(
                "value: expected a number, found \"0.5\"; nothing of this request was written\n",
                post("application/json", "{\"entity\":\"x\",\"level\":\"host\",\"value\":\"0.5\"}")
                        .body());
        HttpResponse<String> late = post(
                "application/json", "{\"entity\":\"x\",\"level\":\"host\",\"value\":0.1,\"time_ms\":9999999999999}");
        assertEquals(400, late.statusCode(), "year 2286 is past what InfluxDB stores");
        assertEquals(
                "time 9999999999999 is outside InfluxDB's range of 1677-09-21T00:12:43.146Z to "
                        + "2262-04-11T23:47:16.854Z (epoch milliseconds expected; nanoseconds or microseconds?); nothing of "
                        + "this request was written\n",
                late.body());
        assertEquals(
                "line 1: value: expected a number from 0 to 1 (a share of capacity), found NaN; nothing of this "
                        + "request was written\n",
                post("text/plain", "business_load,entity=h1,level=host value=NaN\n")
                        .body());
        assertEquals(
                "line 1: raw: expected a finite number, found Infinity; nothing of this request was written\n",
                post("text/plain", "business_load,entity=h1,level=host value=0,raw=Infinity\n")
                        .body());
        HttpResponse<String> broken = post("application/json", "{\"entity\": ");
        assertEquals(400, broken.statusCode());
        assertTrue(broken.body().startsWith("not valid JSON at line 1, column "), broken.body());
        assertEquals(400, post("text/plain", "").statusCode(), "an empty body");
        // A good request after the bad ones: once it is stored, anything of the bad ones would be too.
        assertEquals(
                200,
                post(null, "business_load,entity=marker,level=host value=0.1\n").statusCode());
        awaitEntity("marker");
        assertEquals(
                List.of("marker"), points("").stream().map(p -> p.get("entity")).toList());
    }

    @Test
    void jsonNestedDeeperThanJacksonReadsIsAnswered400() throws Exception {
        String deep = "[".repeat(1_500) + "]".repeat(1_500);
        HttpResponse<String> r = post("application/json", deep);
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(
                r.body()
                        .startsWith("JSON not accepted: Document nesting depth (1001) exceeds the maximum allowed "
                                + "(1000"),
                r.body());
        assertTrue(r.body().endsWith("; nothing of this request was written\n"), r.body());
        assertEquals(
                200,
                post("text/plain", "business_load,entity=after,level=host value=0.1\n")
                        .statusCode(),
                "the listener is fine afterwards");
        awaitEntity("after");
    }

    @Test
    void withATokenConfiguredPushNeedsIt() throws Exception {
        String line = "business_load,entity=gpu-1,level=host value=0.5\n";
        HttpResponse<String> none = post("text/plain", line, null);
        assertEquals(401, none.statusCode());
        assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals(401, post("text/plain", line, "wrong").statusCode());
        assertEquals(401, post("text/plain", line, TOKEN + "x").statusCode());
        assertEquals(200, post("text/plain", line, TOKEN).statusCode());
        awaitEntity("gpu-1");
        assertEquals(1, points("").size(), "only the authorised request was written");
    }

    @Test
    void aBodyOverOneMebibyteIs413AndOtherMethods405() throws Exception {
        StringBuilder big = new StringBuilder();
        String line = "business_load,entity=gpu-1,level=host value=0.5\n";
        while (big.length() <= HttpEndpoints.MAX_PUSH_BYTES) {
            big.append(line);
        }
        HttpResponse<String> r = post("text/plain", big.toString());
        assertEquals(413, r.statusCode());
        assertTrue(r.body().contains("is over the limit of 1048576 bytes"), r.body());
        HttpResponse<String> get = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/business-load"))
                        .header("Authorization", "Bearer " + TOKEN)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
        assertEquals("POST", get.headers().firstValue("Allow").orElse(""));
        assertEquals(200, post("text/plain", line).statusCode(), "the listener is fine afterwards");
        awaitEntity("gpu-1");
        assertEquals(1, points("").size(), "nothing of the refused body");
    }
}
