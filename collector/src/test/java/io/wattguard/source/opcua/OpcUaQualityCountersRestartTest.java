package io.wattguard.source.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.daemon.Daemon;
import io.wattguard.daemon.Settings;
import io.wattguard.simulator.opcua.OpcUaMeterSimulator;
import io.wattguard.testing.Configs;
import io.wattguard.testing.InfluxdTest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator reads back from InfluxDB when an OPC UA meter misbehaves: one Uncertain value among Good
 * ones, an energy counter that comes back lower after the meter restarts, and a meter that is off for ten
 * seconds. The Milo meter simulator on loopback, a real daemon and a private influxd.
 */
class OpcUaQualityCountersRestartTest extends InfluxdTest {
    private static final Duration WAIT = Duration.ofSeconds(40);

    @TempDir
    Path tmp;

    private final OpcUaMeterSimulator.ServerIdentity identity = OpcUaMeterSimulator.ServerIdentity.generate();
    /** What the meter's energy register holds now; a restart of the meter may bring it back lower. */
    private final AtomicReference<Double> energy = new AtomicReference<>(987658.86);

    private OpcUaMeterSimulator sim;

    private OpcUaMeterSimulator startSim(int port) throws Exception {
        return OpcUaMeterSimulator.builder()
                .identity(identity)
                .port(port)
                .channels(List.of("L1"))
                .fields(List.of("power_w", "voltage_v", "energy_kwh"))
                .values((c, f, t) -> switch (f) {
                    case "power_w" -> 1500;
                    case "voltage_v" -> 231;
                    default -> energy.get();
                })
                .updateInterval(Duration.ofMillis(100))
                .start();
    }

    @AfterEach
    void stopSim() {
        if (sim != null) {
            sim.close();
        }
    }

    private Settings settings(String db) throws Exception {
        return Configs.load(tmp, """
                instance: opcua-test
                influxdb: {url: %s, database: %s, timeout: 2s}
                batch: {max_points: 500, max_delay: 100ms}
                spool: {dir: %s}
                http: {enabled: false}
                self_interval: 1h
                sources:
                  - name: meters
                    type: opcua
                    interval: 1s
                    pki_dir: %s
                    devices:
                      - name: main
                        endpoint: %s
                        sampling_interval: 100ms
                        request_timeout: 1s
                        items:
                          - {node: "%s", channel: L1, field: power_w}
                          - {node: "%s", channel: L1, field: voltage_v}
                          - {node: "%s", channel: L1, field: energy_kwh}
                """.formatted(
                        influxd.url(),
                        db,
                        tmp.resolve("spool"),
                        tmp.resolve("pki"),
                        sim.endpointUrl(),
                        sim.nodeId("L1", "power_w"),
                        sim.nodeId("L1", "voltage_v"),
                        sim.nodeId("L1", "energy_kwh")));
    }

    private static List<Map<String, Object>> rows(String db, String where) {
        return OpcUaSourceTest.meterRows(db, where);
    }

    private static double num(Object o) {
        return OpcUaSourceTest.num(o);
    }

    @Test
    void anUncertainValueIsFlaggedAloneAndItsGoodNeighboursAreNot() throws Exception {
        sim = startSim(0);
        sim.setStatus("L1", "voltage_v", new StatusCode(StatusCodes.Uncertain_LastUsableValue));
        String db = "quality";
        try (Daemon daemon = new Daemon(settings(db), Clock.systemUTC())) {
            daemon.start();
            await(WAIT, "a point with all three values", () -> rows(db, "").stream()
                    .anyMatch(r ->
                            r.get("power_w") != null && r.get("voltage_v") != null && r.get("energy_kwh") != null));
            Map<String, Object> p = rows(db, "").stream()
                    .filter(r -> r.get("voltage_v") != null)
                    .reduce((a, b) -> b)
                    .orElseThrow();
            assertEquals(231, num(p.get("voltage_v")), "an Uncertain value is still stored");
            assertEquals(Boolean.TRUE, p.get("voltage_v_uncertain"), "and flagged, by its own name: " + p);
            assertEquals(1500, num(p.get("power_w")));
            assertNull(p.get("power_w_uncertain"), "a Good value is never flagged: " + p);
            assertNull(p.get("energy_kwh_uncertain"), "a Good value is never flagged: " + p);
            assertFalse(p.containsKey("uncertain"), "no flag for the whole point any more: " + p.keySet());

            sim.setStatus("L1", "voltage_v", StatusCode.GOOD);
            long goodAgain = System.currentTimeMillis() + 2000;
            await(WAIT, "points after the value is Good again", () -> !rows(db, " AND time > " + goodAgain + "ms")
                    .isEmpty());
            assertTrue(rows(db, " AND time > " + goodAgain + "ms").stream()
                    .allMatch(r -> r.get("voltage_v_uncertain") == null && r.get("voltage_v") != null));
        }
    }

    /**
     * The meter is off for about ten seconds and comes back on the same port, with its energy register a
     * little below what it said before (it re-read an older store). Values are stored again within 10 s of the
     * restart, and the energy series never steps back.
     */
    @Test
    void aMeterOffForTenSecondsIsReadAgainWithinTenSecondsAndItsEnergyNeverGoesBack() throws Exception {
        sim = startSim(0);
        String db = "restart";
        try (Daemon daemon = new Daemon(settings(db), Clock.systemUTC())) {
            daemon.start();
            await(WAIT, "the first energy values", () -> rows(db, "").stream()
                    .anyMatch(r -> r.get("energy_kwh") != null));
            assertEquals(987658.86, num(rows(db, "").get(0).get("energy_kwh")), 1e-9);

            int port = sim.port();
            sim.close();
            // About ten seconds, as the issue reported; a longer outage can be measured with -Dopcua.outageMs.
            Thread.sleep(Long.getLong("opcua.outageMs", 10_000));
            energy.set(987654.42);
            sim = startSim(port);
            long restartedAt = System.currentTimeMillis();
            await(WAIT, "values after the restart", () -> !rows(db, " AND time > " + restartedAt + "ms")
                    .isEmpty());
            long resumedAfter = System.currentTimeMillis() - restartedAt;
            System.out.println("OPC UA values resumed " + resumedAfter + " ms after the server restarted");
            assertTrue(resumedAfter < 10_000, "values came back " + resumedAfter + " ms after the restart");

            await(
                    WAIT,
                    "a few polls after the restart",
                    () -> rows(db, " AND time > " + restartedAt + "ms").size() >= 3);
            List<Map<String, Object>> after = rows(db, " AND time > " + restartedAt + "ms");
            for (Map<String, Object> r : after) {
                assertEquals(
                        987658.86,
                        num(r.get("energy_kwh")),
                        1e-9,
                        "the meter said 987654.42 after its restart; the series must not go backwards: " + r);
            }

            energy.set(987660.5);
            long passedAt = System.currentTimeMillis() + 1500;
            await(WAIT, "the counter passing its old value", () -> rows(db, " AND time > " + passedAt + "ms").stream()
                    .anyMatch(r -> num(r.get("energy_kwh")) == 987660.5));
            List<Map<String, Object>> all = rows(db, "");
            for (int i = 1; i < all.size(); i++) {
                assertTrue(
                        num(all.get(i).get("energy_kwh")) >= num(all.get(i - 1).get("energy_kwh")),
                        "energy_kwh went backwards: " + all.get(i - 1) + " then " + all.get(i));
            }
        }
    }
}
