package io.wattguard.source.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.daemon.Daemon;
import io.wattguard.daemon.Settings;
import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.simulator.modbus.ModbusDeviceSimulator;
import io.wattguard.simulator.modbus.ModbusPduSimulator;
import io.wattguard.simulator.modbus.PduState;
import io.wattguard.testing.Configs;
import io.wattguard.testing.InfluxdTest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The modbus source inside a real daemon, writing to a real influxd: simulated PDUs (j2mod slaves), pymodbus
 * as a device nobody here wrote, and dead devices among good ones. Everything is read back from InfluxDB.
 */
class ModbusSourceTest extends InfluxdTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Outlet n draws 100 n + 0.25 W; every value is exact in its register type. */
    private static PduState state(int outlets, double energyBase) {
        List<PduState.Outlet> list = new ArrayList<>();
        for (int n = 1; n <= outlets; n++) {
            list.add(new PduState.Outlet(n != 2, 0.5 * n, 0.95, 100 * n + 0.25, energyBase + n));
        }
        return new PduState(230.0, 50.0, list);
    }

    private String header(String db, int httpPort) {
        return """
                instance: modbus-test
                influxdb: {url: %s, database: %s}
                batch: {max_points: 1000, max_delay: 100ms}
                spool: {dir: %s}
                http: {listen: "127.0.0.1:%d"}
                self_interval: 1h
                topology:
                  site: lab
                  rooms:
                    - name: hall-a
                      racks:
                        - name: a01
                          hosts: [{name: gpu-a01-01}, {name: gpu-a01-02}]
                        - name: a02
                          hosts: [{name: gpu-a02-01}]
                """.formatted(influxd.url(), db, tmp.resolve("spool-" + db), httpPort);
    }

    private static List<Map<String, Object>> meter(String db, String where) {
        return rows(db, "SELECT * FROM meter WHERE " + where + " AND time > 0 AND time <= now() ORDER BY time");
    }

    /** No rows until the daemon's first write has created the database. */
    private static List<Map<String, Object>> rows(String db, String q) {
        try {
            return query(db, q);
        } catch (AssertionError e) {
            if (String.valueOf(e.getMessage()).contains("database not found")) {
                return List.of();
            }
            throw e;
        }
    }

    private static double num(Map<String, Object> row, String field) {
        Object v = row.get(field);
        assertTrue(v instanceof Number, field + " in " + row);
        return ((Number) v).doubleValue();
    }

    @Test
    void simulatedPdusLandAsMeterPointsWithOutletsMappedToHostsAndDevicesToRacks() throws Exception {
        try (ModbusDeviceSimulator a1 = ModbusPduSimulator.start(4, () -> state(4, 1000), 0);
                ModbusDeviceSimulator a2 = ModbusPduSimulator.start(2, () -> state(2, 2000), 0);
                ModbusDeviceSimulator b1 = ModbusPduSimulator.start(8, () -> state(8, 3000), 0)) {
            int http = PrivateInfluxd.freePort();
            Settings settings =
                    Configs.load(tmp, header("pdus", http) + """
                    sources:
                      - name: pdus
                        type: modbus
                        interval: 1s
                        tags: {feed: A}
                        devices:
                          - {name: pdu-a01-1, host: 127.0.0.1, port: %d, profile: generic-pdu, outlets: 4, rack: a01,
                             feeds: {"1": gpu-a01-01, "3": gpu-a01-02}}
                          - {name: pdu-a02-1, host: 127.0.0.1, port: %d, profile: generic-pdu, outlets: 2, rack: a02,
                             feeds: {"2": gpu-a02-01}}
                          - {name: pdu-spare, host: 127.0.0.1, port: %d, profile: generic-pdu, outlets: 8, room: hall-a}
                    """.formatted(a1.port(), a2.port(), b1.port()));
            try (Daemon daemon = new Daemon(settings, Clock.systemUTC())) {
                daemon.start();
                await(
                        Duration.ofSeconds(30),
                        "two polls of every PDU in InfluxDB",
                        () -> rows(
                                                        "pdus",
                                                        "SELECT count(power_w) FROM meter WHERE kind = 'inlet' AND time > 0 AND "
                                                                + "time <= now() GROUP BY device")
                                                .size()
                                        == 3
                                && meter("pdus", "device = 'pdu-spare' AND kind = 'inlet'")
                                                .size()
                                        >= 2);
                JsonNode health = health(http);
                JsonNode src = health.path("sources").path(0);
                assertEquals("pdus", src.path("name").asText());
                assertEquals("ok", src.path("state").asText(), health.toString());
                assertEquals(0, src.path("errors").asLong(), health.toString());
            }
        }
        // Outlet 3 of pdu-a01-1 feeds gpu-a01-02: its point carries the host and the place of the PDU.
        Map<String, Object> o3 =
                meter("pdus", "device = 'pdu-a01-1' AND channel = '3'").get(0);
        assertEquals("outlet", o3.get("kind"));
        assertEquals("gpu-a01-02", o3.get("host"));
        assertEquals("a01", o3.get("rack"));
        assertEquals("hall-a", o3.get("room"), "the room follows from the rack in the topology");
        assertEquals("lab", o3.get("site"));
        assertEquals("A", o3.get("feed"), "the source's own tags");
        assertEquals(300.25, num(o3, "power_w"), 0.0);
        assertEquals(1.5, num(o3, "current_a"), 1e-12);
        assertEquals(0.95, num(o3, "pf"), 1e-12);
        assertEquals(1003.0, num(o3, "energy_kwh"), 1e-9);
        assertEquals(1.0, num(o3, "on"), 0.0);
        assertEquals(0, ((Number) o3.get("time")).longValue() % 1000, "stamped with the 1 s tick");
        // Outlet 2 is switched off, and outlet 4 feeds nobody the topology knows: no host tag.
        assertEquals(
                0.0, num(meter("pdus", "device = 'pdu-a01-1' AND channel = '2'").get(0), "on"), 0.0);
        assertNull(
                meter("pdus", "device = 'pdu-a01-1' AND channel = '4'").get(0).get("host"));
        // The inlet is the sum of the outlets: 4 outlets of 100 n + 0.25 W.
        Map<String, Object> inlet =
                meter("pdus", "device = 'pdu-a01-1' AND kind = 'inlet'").get(0);
        assertEquals("inlet", inlet.get("channel"));
        assertEquals(1001.0, num(inlet, "power_w"), 0.0);
        assertEquals(230.0, num(inlet, "voltage_v"), 1e-9);
        assertEquals(50.0, num(inlet, "frequency_hz"), 1e-9);
        assertEquals(5.0, num(inlet, "current_a"), 1e-9);
        assertEquals(4000 + 10, num(inlet, "energy_kwh"), 1e-9);
        assertNull(inlet.get("host"), "an inlet feeds the whole rack, no one host");
        // The second rack's PDU, and a PDU placed only in a room.
        Map<String, Object> a2o2 =
                meter("pdus", "device = 'pdu-a02-1' AND channel = '2'").get(0);
        assertEquals("gpu-a02-01", a2o2.get("host"));
        assertEquals("a02", a2o2.get("rack"));
        Map<String, Object> spare =
                meter("pdus", "device = 'pdu-spare' AND channel = '8'").get(0);
        assertEquals("hall-a", spare.get("room"));
        assertNull(spare.get("rack"));
        assertEquals(800.25, num(spare, "power_w"), 0.0);
        assertEquals(3008.0, num(spare, "energy_kwh"), 1e-9);
        // One point per device, channel and tick: 1 inlet + N outlets each.
        long ticks = meter("pdus", "device = 'pdu-a02-1' AND kind = 'inlet'").size();
        assertEquals(3 * ticks, meter("pdus", "device = 'pdu-a02-1'").size());
    }

    @Test
    void pymodbusDeviceIsPolledAndItsWrappingEnergyCounterStaysMonotonic() throws Exception {
        try (Pymodbus py = Pymodbus.start()) {
            int http = PrivateInfluxd.freePort();
            Settings settings = Configs.load(tmp, header("py", http) + """
                    sources:
                      - name: meters
                        type: modbus
                        interval: 1s
                        devices:
                          - name: py-meter
                            host: 127.0.0.1
                            port: %d
                            rack: a02
                            gap_fill: 0
                            feeds: {total: gpu-a02-01}
                            registers:
                              - {field: voltage_v, function: holding, address: 0, type: float32, order: cdab}
                              - {field: energy_kwh, function: holding, reference: 40003, type: uint32, scale: 0.001}
                              - {field: pulses, function: holding, address: 4, type: int64, counter: true}
                              - {field: temperature_c, function: holding, address: 8, type: int16}
                              - {field: current_a, function: holding, address: 9, type: uint16, scale: 0.01, not_available: [0xFFFF]}
                              - {field: pf, function: holding, address: 20, type: int16}
                              - {field: model, function: holding, address: 30, type: string, length: 4}
                              - {field: frequency_hz, function: input, address: 0, type: float32}
                              - {field: breaker_closed, channel: "1", kind: branch, function: discrete_input, address: 0}
                              - {field: breaker_closed, channel: "2", kind: branch, function: discrete_input, address: 1}
                    """.formatted(py.port));
            try (Daemon daemon = new Daemon(settings, Clock.systemUTC())) {
                daemon.start();
                await(
                        Duration.ofSeconds(30),
                        "four polls of pymodbus in InfluxDB",
                        () -> meter("py", "device = 'py-meter' AND channel = 'total'")
                                        .size()
                                >= 4);
                // The exception on holding 20 fails that read only, and says which value it was.
                JsonNode src = health(http).path("sources").path(0);
                assertEquals("failing", src.path("state").asText());
                assertEquals(
                        "py-meter: exception 2 (illegal data address) reading holding 20..20 [meter total pf]",
                        src.path("last_error").asText());
            }
        }
        List<Map<String, Object>> rows = meter("py", "device = 'py-meter' AND channel = 'total'");
        Map<String, Object> first = rows.get(0);
        assertEquals("gpu-a02-01", first.get("host"));
        assertEquals("a02", first.get("rack"));
        assertEquals("hall-a", first.get("room"));
        assertEquals("meter", first.get("kind"));
        assertEquals(230.5, num(first, "voltage_v"), 0.0);
        assertEquals(1234567890123456.0, num(first, "pulses"), 0.0);
        assertEquals(-42.0, num(first, "temperature_c"), 0.0);
        assertEquals(49.98, num(first, "frequency_hz"), 1e-5);
        assertEquals("SDM630", first.get("model"));
        assertFalse(first.containsKey("current_a") && first.get("current_a") != null, "0xFFFF: not available, omitted");
        assertNull(first.get("pf"), "the refused read gives no value");
        // The uint32 Wh counter starts 256 Wh below its wrap and advances 128 Wh a read: the stored series
        // crosses the wrap without a step back.
        for (int i = 0; i < 4; i++) {
            assertEquals(4294967.040 + 0.128 * i, num(rows.get(i), "energy_kwh"), 1e-6, "poll " + i);
            if (i > 0) {
                assertEquals(
                        1000,
                        ((Number) rows.get(i).get("time")).longValue()
                                - ((Number) rows.get(i - 1).get("time")).longValue(),
                        "consecutive ticks");
            }
        }
        Map<String, Object> b1 =
                meter("py", "device = 'py-meter' AND channel = '1'").get(0);
        assertEquals("branch", b1.get("kind"));
        assertEquals(1.0, num(b1, "breaker_closed"), 0.0);
        assertEquals(
                0.0, num(meter("py", "device = 'py-meter' AND channel = '2'").get(0), "breaker_closed"), 0.0);
    }

    @Test
    void deadDevicesAmongGoodOnesCostThemNoTick() throws Exception {
        int closedPort = PrivateInfluxd.freePort();
        try (ModbusDeviceSimulator g1 = ModbusPduSimulator.start(4, () -> state(4, 10), 0);
                ModbusDeviceSimulator g2 = ModbusPduSimulator.start(4, () -> state(4, 20), 0);
                ModbusDeviceSimulator g3 = ModbusPduSimulator.start(4, () -> state(4, 30), 0);
                Silent silent = new Silent()) {
            int http = PrivateInfluxd.freePort();
            Settings settings = Configs.load(
                    tmp,
                    header("dead", http) + """
                    sources:
                      - name: pdus
                        type: modbus
                        interval: 1s
                        devices:
                          - {name: pdu-good-1, host: 127.0.0.1, port: %d, profile: generic-pdu, outlets: 4}
                          - {name: pdu-closed, host: 127.0.0.1, port: %d, profile: generic-pdu, outlets: 4, timeout: 700ms}
                          - {name: pdu-good-2, host: 127.0.0.1, port: %d, profile: generic-pdu, outlets: 4}
                          - {name: pdu-silent, host: 127.0.0.1, port: %d, profile: generic-pdu, outlets: 4, timeout: 700ms}
                          - {name: pdu-good-3, host: 127.0.0.1, port: %d, profile: generic-pdu, outlets: 4}
                    """.formatted(g1.port(), closedPort, g2.port(), silent.port(), g3.port()));
            List<String> errors = new CopyOnWriteArrayList<>();
            try (Daemon daemon = new Daemon(settings, Clock.systemUTC())) {
                daemon.start();
                // The silent device takes 2 x 700 ms + 100 ms backoff a poll: longer than the 1 s interval.
                await(Duration.ofSeconds(40), "both dead devices named in /health", () -> {
                    String e = health(http)
                            .path("sources")
                            .path(0)
                            .path("last_error")
                            .asText();
                    errors.add(e);
                    return errors.stream().anyMatch(x -> x.contains("pdu-closed: tcp://127.0.0.1:" + closedPort))
                            && errors.stream()
                                    .anyMatch(x -> x.contains(
                                            "pdu-silent: tcp://127.0.0.1:" + silent.port() + " unit 1: no answer"))
                            && errors.stream().anyMatch(x -> x.contains("pdu-silent: previous poll still running"));
                });
                await(
                        Duration.ofSeconds(30),
                        "8 ticks of every good PDU",
                        () -> meter("dead", "device = 'pdu-good-3' AND kind = 'inlet'")
                                        .size()
                                >= 8);
                JsonNode src = health(http).path("sources").path(0);
                assertEquals("failing", src.path("state").asText());
                assertTrue(src.path("errors").asLong() >= 8, src.toString());
                assertEquals(0, src.path("overruns").asLong(), "the source itself never overran: " + src);
                assertEquals("degraded", health(http).path("status").asText());
            }
            String closed = errors.stream()
                    .filter(x -> x.contains("pdu-closed: "))
                    .findFirst()
                    .orElseThrow();
            assertTrue(
                    closed.contains(
                            "pdu-closed: tcp://127.0.0.1:" + closedPort + " unit 1: no answer to discrete_input "
                                    + "0..3 after 2 tries: ConnectException: Connection refused; skipped the other 2 reads of this poll"),
                    closed);
            String timedOut = errors.stream()
                    .filter(x -> x.contains("pdu-silent: tcp"))
                    .findFirst()
                    .orElseThrow();
            assertTrue(
                    timedOut.contains("pdu-silent: tcp://127.0.0.1:" + silent.port() + " unit 1: no answer to "
                            + "discrete_input 0..3 after 2 tries: SocketTimeoutException"),
                    timedOut);
        }
        // Every tick from the first to the last of each good device is there: none was lost to the dead ones.
        for (String good : List.of("pdu-good-1", "pdu-good-2", "pdu-good-3")) {
            List<Map<String, Object>> rows = meter("dead", "device = '" + good + "' AND kind = 'inlet'");
            assertTrue(rows.size() >= 8, good + ": " + rows.size());
            long firstTick = ((Number) rows.get(0).get("time")).longValue();
            for (int i = 0; i < rows.size(); i++) {
                assertEquals(
                        firstTick + 1000L * i, ((Number) rows.get(i).get("time")).longValue(), good + " tick " + i);
            }
            assertEquals(1001.0, num(rows.get(rows.size() - 1), "power_w"), 0.0);
        }
        assertTrue(meter("dead", "device = 'pdu-closed'").isEmpty());
        assertTrue(meter("dead", "device = 'pdu-silent'").isEmpty());
    }

    @Test
    void devicePollsStartAtTheirPhaseWithinTheIntervalAndTheirPointsCarryTheTick() throws Exception {
        // Each PDU notes when it is asked; the second device never answers (and is never waited for).
        Map<Integer, List<Long>> asked = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.function.IntFunction<java.util.function.Supplier<PduState>> noting = d -> () -> {
            asked.computeIfAbsent(d, k -> new CopyOnWriteArrayList<>()).add(System.currentTimeMillis());
            return state(4, 100 * d);
        };
        try (ModbusDeviceSimulator d0 = ModbusPduSimulator.start(4, noting.apply(0), 0);
                Silent d1 = new Silent();
                ModbusDeviceSimulator d2 = ModbusPduSimulator.start(4, noting.apply(2), 0);
                ModbusDeviceSimulator d3 = ModbusPduSimulator.start(4, noting.apply(3), 0)) {
            Settings settings = Configs.load(tmp, """
                    http: {enabled: false}
                    sources:
                      - name: pdus
                        type: modbus
                        interval: 1s
                        spread: 50%%
                        devices:
                          - {name: pdu-0, host: 127.0.0.1, port: %d, profile: generic-pdu, outlets: 4}
                          - {name: pdu-1, host: 127.0.0.1, port: %d, profile: generic-pdu, outlets: 4, timeout: 300ms, retries: 0}
                          - {name: pdu-2, host: 127.0.0.1, port: %d, profile: generic-pdu, outlets: 4}
                          - {name: pdu-3, host: 127.0.0.1, port: %d, profile: generic-pdu, outlets: 4}
                    """.formatted(d0.port(), d1.port(), d2.port(), d3.port()));
            ModbusSource source = (ModbusSource) settings.sources()
                    .get(0)
                    .create(new io.wattguard.core.SourceSpec.Context(
                            Clock.systemUTC(), io.wattguard.core.Topology.empty(), "t"));
            record Poll(String device, long tick, long scheduled, long started) {}
            List<Poll> polls = new CopyOnWriteArrayList<>();
            source.observe((device, tick, scheduled, started, finished, ok) ->
                    polls.add(new Poll(device, tick, scheduled, started)));
            List<io.wattguard.core.Sample> samples = new CopyOnWriteArrayList<>();
            try (io.wattguard.daemon.Scheduler scheduler = new io.wattguard.daemon.Scheduler(
                    List.<io.wattguard.core.Source>of(source), samples::addAll, Clock.systemUTC(), 1)) {
                scheduler.start();
                await(
                        Duration.ofSeconds(20),
                        "5 polls of the last device",
                        () -> polls.stream()
                                        .filter(p -> p.device().equals("pdu-3"))
                                        .count()
                                >= 5);
            }
            long[] phases = {0, 125, 250, 375};
            for (Poll p : polls) {
                int i = p.device().charAt(4) - '0';
                assertEquals(0, p.tick() % 1000, "the 1 s tick: " + p);
                assertEquals(p.tick() + phases[i], p.scheduled(), "fixed phase: " + p);
                assertTrue(p.started() >= p.scheduled(), "never before its phase: " + p);
            }
            // From the devices' side, after the first tick (connections, class loading): every request of a poll
            // comes in its device's phase, the silent device's timeout before it notwithstanding.
            long firstTick = polls.stream().mapToLong(Poll::tick).min().orElseThrow();
            for (int i : new int[] {0, 2, 3}) {
                List<Long> offsets = asked.get(i).stream()
                        .filter(t -> t >= firstTick + 1000)
                        .map(t -> t % 1000)
                        .toList();
                assertTrue(offsets.size() >= 3 * 4, "pdu-" + i + ": " + offsets); // 4 reads a poll
                for (long o : offsets) {
                    assertTrue(
                            o >= phases[i] && o < phases[i] + 100,
                            "pdu-" + i + " asked " + o + " ms after the tick, " + "its phase is " + phases[i] + " ms: "
                                    + offsets);
                }
            }
            // Every point is stamped with the tick its poll was for, not with its phase or its answer.
            java.util.Set<Long> ticks = new java.util.HashSet<>();
            polls.forEach(p -> ticks.add(p.tick()));
            assertTrue(samples.size() >= 3 * 5 * 5, "samples: " + samples.size());
            for (io.wattguard.core.Sample s : samples) {
                assertTrue(ticks.contains(s.timestampMs()), "stamped with a tick: " + s);
                assertTrue(!"pdu-1".equals(s.tag("device")), "the silent device has no points: " + s);
            }
            assertTrue(samples.stream().anyMatch(s -> "pdu-3".equals(s.tag("device"))), "the last device's points");
        }
    }

    @Test
    void closeIsIdempotentAndSafeWithoutStart() throws Exception {
        Settings settings = Configs.load(tmp, """
                http: {enabled: false}
                sources:
                  - name: pdus
                    type: modbus
                    devices: [{name: pdu, host: 127.0.0.1, port: 1, profile: generic-pdu}]
                """);
        var ctx = new io.wattguard.core.SourceSpec.Context(Clock.systemUTC(), io.wattguard.core.Topology.empty(), "t");
        io.wattguard.core.Source never = settings.sources().get(0).create(ctx);
        never.close();
        never.close();
        io.wattguard.core.Source started = settings.sources().get(0).create(ctx);
        started.start();
        started.close();
        started.close();
    }

    private static JsonNode health(int port) {
        try {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (java.io.IOException e) {
            throw new AssertionError("GET /health: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A device that accepts connections and never answers a request. */
    static final class Silent implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> held = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        Silent() throws java.io.IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            acceptor = new Thread(
                    () -> {
                        while (!server.isClosed()) {
                            try {
                                held.add(server.accept());
                            } catch (java.io.IOException e) {
                                return;
                            }
                        }
                    },
                    "silent-device");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
