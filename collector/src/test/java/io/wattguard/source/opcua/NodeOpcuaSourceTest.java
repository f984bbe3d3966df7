package io.wattguard.source.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.daemon.Daemon;
import io.wattguard.daemon.Settings;
import io.wattguard.meters.opcua.NodeOpcuaServer;
import io.wattguard.testing.Configs;
import io.wattguard.testing.InfluxdTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The opcua source against an OPC UA server nobody here wrote: node-opcua-server 2.186.4
 * (interop/node-opcua/meter-server.js), Basic256Sha256 SignAndEncrypt with a user name, its certificate
 * trusted the way the operator is told to: by moving the file from rejected/ to trusted/certs/.
 */
class NodeOpcuaSourceTest extends InfluxdTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private NodeOpcuaServer server;

    private void startServer(int port) throws InterruptedException {
        server = NodeOpcuaServer.start(port, tmp.resolve("server-pki"), "meter", "s3cret", WAIT);
    }

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void signedEncryptedUserSessionToNodeOpcuaIsStoredOnceItsCertificateIsTrusted() throws Exception {
        int port = io.wattguard.influx.PrivateInfluxd.freePort();
        startServer(port);
        Path pki = tmp.resolve("pki");
        Path password = Files.writeString(tmp.resolve("meter.password"), "s3cret\n");
        String db = "nodeopcua";
        Settings settings =
                Configs.load(tmp, """
                influxdb: {url: %s, database: %s, timeout: 2s}
                batch: {max_points: 500, max_delay: 200ms}
                spool: {dir: %s}
                http: {enabled: false}
                self_interval: 1h
                sources:
                  - name: node-meters
                    type: opcua
                    interval: 1s
                    pki_dir: %s
                    devices:
                      - name: node-meter
                        rack: r07
                        room: hall-2
                        endpoint: opc.tcp://127.0.0.1:%d/meter
                        security: {policy: basic256sha256, mode: signandencrypt}
                        identity: {type: username, user: meter, password_file: %s}
                        sampling_interval: 250ms
                        feeds: {L1: gpu-07}
                        items:
                          - {node: "ns=1;s=Meter.L1.power_w", channel: L1, kind: outlet, field: power_w}
                          - {node: "ns=1;s=Meter.L1.energy_kwh", channel: L1, kind: outlet, field: energy_kwh}
                          - {browse_path: "Objects/1:Meter/1:L2/1:voltage_v", channel: L2, kind: outlet, field: voltage_v}
                """.formatted(influxd.url(), db, tmp.resolve("spool"), pki, port, password));

        try (Daemon daemon = new Daemon(settings, Clock.systemUTC())) {
            daemon.start();
            await(WAIT, "node-opcua's certificate to be refused and reported", () -> daemon.health()
                    .path("sources")
                    .get(0)
                    .path("last_error")
                    .asText()
                    .contains("not trusted"));
            String error =
                    daemon.health().path("sources").get(0).path("last_error").asText();
            Path rejected;
            try (Stream<Path> files = Files.list(pki.resolve("rejected"))) {
                rejected = files.findFirst().orElseThrow(() -> new AssertionError("nothing in rejected/: " + error));
            }
            String mv = "mv " + rejected + " " + pki.resolve("trusted").resolve("certs") + "/";
            assertTrue(error.contains(mv), "the error tells the operator how to trust it: " + error);
            Files.move(rejected, pki.resolve("trusted").resolve("certs").resolve(rejected.getFileName()));

            await(
                    WAIT,
                    "both channels from node-opcua in InfluxDB",
                    () -> rows(db).stream()
                                    .map(r -> r.get("channel"))
                                    .distinct()
                                    .count()
                            == 2);
        }
        List<Map<String, Object>> rows = rows(db);
        for (Map<String, Object> r : rows) {
            assertEquals("node-meter", r.get("device"));
            assertEquals("r07", r.get("rack"));
            assertEquals("hall-2", r.get("room"));
            assertEquals("outlet", r.get("kind"));
            assertTrue(
                    r.entrySet().stream().noneMatch(e -> e.getKey().endsWith("_uncertain") && e.getValue() != null),
                    "Good values carry no flag: " + r);
            if ("L1".equals(r.get("channel"))) {
                // meter-server.js serves 1500 + (tick % 10) watts and 1000 + tick/1000 kWh.
                double w = ((Number) r.get("power_w")).doubleValue();
                assertTrue(w >= 1500 && w <= 1509 && w == Math.rint(w), "power_w " + w);
                assertTrue(((Number) r.get("energy_kwh")).doubleValue() >= 1000, r.toString());
                assertEquals("gpu-07", r.get("host"));
            } else {
                double v = ((Number) r.get("voltage_v")).doubleValue();
                assertTrue(v >= 230 && v <= 239, "voltage_v " + v);
                assertNull(r.get("host"));
            }
        }
    }

    private static List<Map<String, Object>> rows(String db) {
        if (query(influxd.url(), "", "SHOW DATABASES").stream().noneMatch(r -> db.equals(r.get("name")))) {
            return List.of();
        }
        return query(db, "SELECT * FROM meter WHERE time >= 0 AND time <= now()");
    }
}
