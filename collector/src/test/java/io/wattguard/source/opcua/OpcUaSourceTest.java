package io.wattguard.source.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.wattguard.core.SourceSpec;
import io.wattguard.core.Topology;
import io.wattguard.daemon.Daemon;
import io.wattguard.daemon.Settings;
import io.wattguard.simulator.opcua.OpcUaMeterSimulator;
import io.wattguard.testing.Configs;
import io.wattguard.testing.InfluxdTest;
import io.wattguard.testing.OpcUaTrust;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The opcua source inside a real daemon: the Milo meter simulator on loopback (Basic256Sha256, user name), a
 * private influxd, and what an operator reads back from InfluxDB.
 */
class OpcUaSourceTest extends InfluxdTest {
    private static final Duration WAIT = Duration.ofSeconds(40);

    @TempDir
    Path tmp;

    private final OpcUaMeterSimulator.ServerIdentity identity = OpcUaMeterSimulator.ServerIdentity.generate();
    private OpcUaMeterSimulator sim;

    /** Constant per channel and field, so what is stored can be compared exactly: L2 power_w is 2007. */
    static double served(String channel, String field) {
        return (channel.charAt(channel.length() - 1) - '0') * 1000 + field.length();
    }

    private OpcUaMeterSimulator startSim(int port) throws Exception {
        return OpcUaMeterSimulator.builder()
                .identity(identity)
                .port(port)
                .policies(SecurityPolicy.None, SecurityPolicy.Basic256Sha256)
                .user("meter", "s3cret", false)
                .values((c, f, t) -> served(c, f))
                .updateInterval(Duration.ofMillis(200))
                .start();
    }

    @AfterEach
    void stopSim() {
        if (sim != null) {
            sim.close();
        }
    }

    private String config(String db, Path pki, int deadPort) {
        String ep = sim.endpointUrl();
        return """
                instance: opcua-test
                influxdb: {url: %s, database: %s, timeout: 2s}
                batch: {max_points: 500, max_delay: 200ms}
                spool: {dir: %s}
                http: {enabled: false}
                self_interval: 1h
                topology:
                  site: lab
                  rooms:
                    - name: room-a
                      racks:
                        - name: r01
                          hosts: [{name: gpu-01}, {name: gpu-02}]
                sources:
                  - name: room-a-meters
                    type: opcua
                    interval: 1s
                    pki_dir: %s
                    devices:
                      - name: r01-pdu
                        rack: r01
                        endpoint: %s
                        security: {policy: basic256sha256, mode: signandencrypt}
                        identity: {type: username, user: meter, password_env: METER_PASSWORD}
                        sampling_interval: 200ms
                        feeds: {L1: gpu-01, L2: gpu-02}
                        items:
                          - {node: "%s", channel: L1, kind: outlet, field: power_w}
                          - {node: "%s", channel: L1, kind: outlet, field: energy_kwh, scale: 0.001}
                          - {node: "%s", channel: L1, kind: outlet, field: current_a}
                          - {browse_path: "%s", channel: L2, kind: outlet, field: power_w}
                          - {node: "%s", channel: L3, kind: inlet, field: voltage_v}
                          - {node: "%s", channel: L3, kind: inlet, field: power_w}
                      - name: room-a-main
                        room: room-a
                        endpoint: %s
                        identity: {type: username, user: meter, password_env: METER_PASSWORD}
                        mode: poll
                        items:
                          - {node: "%s", channel: total, field: energy_kwh}
                      - name: dead-meter
                        room: room-a
                        endpoint: opc.tcp://127.0.0.1:%d
                        request_timeout: 500ms
                        items:
                          - {node: "ns=1;s=Meter.L1.power_w", channel: total, field: power_w}
                """.formatted(
                        influxd.url(),
                        db,
                        tmp.resolve("spool"),
                        pki,
                        ep,
                        sim.nodeId("L1", "power_w"),
                        sim.nodeId("L1", "energy_kwh"),
                        sim.nodeId("L1", "current_a"),
                        sim.browsePath("L2", "power_w"),
                        sim.nodeId("L3", "voltage_v"),
                        sim.nodeId("L3", "power_w"),
                        ep,
                        sim.nodeId("L2", "energy_kwh"),
                        deadPort);
    }

    /** Every stored meter point, tags as columns; empty until the daemon created the database. */
    static List<Map<String, Object>> meterRows(String db, String where) {
        if (query(influxd.url(), "", "SHOW DATABASES").stream().noneMatch(r -> db.equals(r.get("name")))) {
            return List.of();
        }
        return query(db, "SELECT * FROM meter WHERE time >= 0 AND time <= now()" + where);
    }

    private static Map<String, Object> latest(List<Map<String, Object>> rows, String device, String channel) {
        return rows.stream()
                .filter(r -> device.equals(r.get("device")) && channel.equals(r.get("channel")))
                .reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no point for " + device + " " + channel + " in " + rows));
    }

    /** InfluxDB's JSON writes 1007.0 as 1007. */
    static double num(Object o) {
        assertTrue(o instanceof Number, "expected a number, found " + o);
        return ((Number) o).doubleValue();
    }

    private static JsonNode source(Daemon d) {
        return d.health().path("sources").get(0);
    }

    @Test
    void meterPointsLandWithExactValuesAndPlacesBadValuesNeverUncertainFlaggedAndDataResumesAfterARestart()
            throws Exception {
        sim = startSim(0);
        sim.setStatus("L1", "current_a", new StatusCode(StatusCodes.Bad_SensorFailure));
        sim.setStatus("L3", "voltage_v", new StatusCode(StatusCodes.Uncertain_LastUsableValue));
        Path pki = tmp.resolve("pki");
        OpcUaTrust.trust(pki, sim.certificate());
        int deadPort = OpcUaMeterSimulator.freePort();
        String db = "opcua";
        Settings settings = Configs.load(tmp, config(db, pki, deadPort), Map.of("METER_PASSWORD", "s3cret"));

        try (Daemon daemon = new Daemon(settings, Clock.systemUTC())) {
            daemon.start();
            await(WAIT, "points of every channel in InfluxDB", () -> {
                List<Map<String, Object>> rows = meterRows(db, "");
                return rows.stream()
                                .map(r -> r.get("device") + "/" + r.get("channel"))
                                .distinct()
                                .count()
                        == 4;
            });
            List<Map<String, Object>> rows = meterRows(db, "");

            Map<String, Object> l1 = latest(rows, "r01-pdu", "L1");
            assertEquals(served("L1", "power_w"), num(l1.get("power_w")));
            assertEquals(served("L1", "energy_kwh") * 0.001, num(l1.get("energy_kwh")), 1e-12);
            assertEquals("outlet", l1.get("kind"));
            assertEquals("gpu-01", l1.get("host"));
            assertEquals("r01", l1.get("rack"));
            assertEquals("room-a", l1.get("room"), "room from the topology of the host the outlet feeds");
            assertEquals("lab", l1.get("site"));
            assertTrue(
                    l1.entrySet().stream().noneMatch(e -> e.getKey().endsWith("_uncertain") && e.getValue() != null),
                    "Good values carry no flag: " + l1);

            Map<String, Object> l2 = latest(rows, "r01-pdu", "L2");
            assertEquals(served("L2", "power_w"), num(l2.get("power_w")), "read by browse path");
            assertEquals("gpu-02", l2.get("host"));

            Map<String, Object> l3 = latest(rows, "r01-pdu", "L3");
            assertEquals(served("L3", "voltage_v"), num(l3.get("voltage_v")));
            assertEquals(served("L3", "power_w"), num(l3.get("power_w")));
            assertEquals(Boolean.TRUE, l3.get("voltage_v_uncertain"), "an Uncertain value is stored flagged");
            assertNull(l3.get("power_w_uncertain"), "its Good neighbour is not");
            assertEquals("inlet", l3.get("kind"));
            assertNull(l3.get("host"), "L3 feeds no host");
            assertEquals("room-a", l3.get("room"), "room from the topology of the rack");

            Map<String, Object> total = latest(rows, "room-a-main", "total");
            assertEquals(served("L2", "energy_kwh"), num(total.get("energy_kwh")), "polled reads");
            assertEquals("meter", total.get("kind"));
            assertEquals("room-a", total.get("room"));
            assertNull(total.get("rack"));

            assertTrue(rows.stream().allMatch(r -> r.get("current_a") == null), "a Bad value is never stored");
            assertTrue(rows.stream().noneMatch(r -> "dead-meter".equals(r.get("device"))));
            assertTrue(rows.stream().allMatch(r -> (Long) r.get("time") % 1000 == 0), "stamped at the 1 s ticks");

            await(
                    WAIT,
                    "the dead meter to be counted as an error",
                    () -> source(daemon).path("errors").asLong() > 0
                            && source(daemon)
                                    .path("last_error")
                                    .asText()
                                    .contains("dead-meter: cannot reach OPC UA server"));
            assertTrue(
                    !source(daemon).path("last_error").asText().contains("r01-pdu"),
                    "the working meters are not in error: " + source(daemon));

            // A power cycle of the meter: the same port and certificate, a new process knowing no session.
            int port = sim.port();
            sim.close();
            await(
                    WAIT,
                    "the stopped meter to be reported",
                    () -> source(daemon).path("last_error").asText().contains("r01-pdu"));
            long stoppedAt = System.currentTimeMillis();
            sim = startSim(port);
            await(
                    WAIT,
                    "points after the restart from both meters on it",
                    () -> meterRows(db, " AND time > " + (stoppedAt + 1000) + "ms").stream()
                                    .map(r -> r.get("device") + "/" + r.get("channel"))
                                    .distinct()
                                    .count()
                            == 4);
            List<Map<String, Object>> after = meterRows(db, " AND time > " + (stoppedAt + 1000) + "ms");
            assertEquals(
                    served("L1", "power_w"), num(latest(after, "r01-pdu", "L1").get("power_w")));
            assertEquals(
                    served("L2", "energy_kwh"),
                    num(latest(after, "room-a-main", "total").get("energy_kwh")));
            assertTrue(source(daemon).path("polls").asLong() > 0);
        }
    }

    @Test
    void closeIsIdempotentAndSafeWithoutStart() throws Exception {
        Settings settings = Configs.load(tmp, """
                sources:
                  - name: m
                    type: opcua
                    pki_dir: pki
                    devices:
                      - {name: m1, endpoint: "opc.tcp://127.0.0.1:1", items: [{node: "ns=1;s=X", field: power_w}]}
                """);
        SourceSpec spec = settings.sources().get(0);
        SourceSpec.Context ctx = new SourceSpec.Context(Clock.systemUTC(), Topology.empty(), "i");
        OpcUaSource never = (OpcUaSource) spec.create(ctx);
        never.close();
        never.close();
        OpcUaSource started = (OpcUaSource) spec.create(ctx);
        started.start();
        await(
                WAIT,
                "the client certificate in pki_dir, relative to the config",
                () -> Files.isRegularFile(tmp.resolve("pki/own/client.der")));
        started.close();
        started.close();
        started.start(); // after close: a no-op, nothing reconnects
    }

    @Test
    void anUnusablePkiFolderIsAnErrorAtEachPollUntilTheOperatorFixesIt() throws Exception {
        Path blocker = Files.writeString(tmp.resolve("pki"), "a file where the PKI folder should be\n");
        Settings settings = Configs.load(tmp, """
                sources:
                  - name: m
                    type: opcua
                    pki_dir: pki
                    devices:
                      - {name: m1, endpoint: "opc.tcp://127.0.0.1:1", items: [{node: "ns=1;s=X", field: power_w}]}
                """);
        OpcUaSource source = (OpcUaSource)
                settings.sources().get(0).create(new SourceSpec.Context(Clock.systemUTC(), Topology.empty(), "i"));
        try (source) {
            source.start();
            List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
            io.wattguard.core.Emitter emitter = new io.wattguard.core.Emitter() {
                public long tickMs() {
                    return 0;
                }

                public void emit(io.wattguard.core.Sample s) {
                    throw new AssertionError("no points expected: " + s);
                }

                public void error(String device, String message) {
                    errors.add(device + ": " + message);
                }
            };
            await(WAIT, "the PKI problem to be reported", () -> {
                errors.clear();
                source.poll(emitter);
                return errors.size() == 1
                        && errors.get(0).startsWith("m: cannot open the OPC UA PKI folder " + blocker)
                        && errors.get(0).endsWith("it must be writable by the service user");
            });
            Files.delete(blocker);
            await(WAIT, "the device to be tried once the folder can be made", () -> {
                errors.clear();
                source.poll(emitter);
                return errors.size() == 1
                        && errors.get(0).startsWith("m1: cannot reach OPC UA server opc.tcp://127.0.0.1:1");
            });
            assertTrue(Files.isDirectory(tmp.resolve("pki/trusted/certs")));
        }
    }
}
