package io.wattguard.simulator.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.meters.Reading;
import io.wattguard.meters.opcua.OpcUaConnection;
import io.wattguard.meters.opcua.OpcUaMeterClient;
import io.wattguard.meters.opcua.OpcUaMeterConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The meter client against Milo's server: what arrives, what is held back, limits and browse paths. */
class OpcUaMeterClientTest extends OpcUaServerTestBase {
    private static final List<String> CHANNELS = List.of("L1", "L2", "L3");
    private static final List<String> FIELDS = List.of("power_w", "energy_kwh", "voltage_v", "current_a");

    @Override
    OpcUaMeterSimulator.Builder configure(OpcUaMeterSimulator.Builder b) {
        // Five nodes a Read and the limit not advertised: clients must learn it from BadTooManyOperations.
        return super.configure(b).maxNodesPerRead(5).advertiseOperationLimits(false);
    }

    @BeforeEach
    void trust() throws Exception {
        trustServer();
    }

    private static Map<String, Reading> byKey(List<Reading> rs) {
        return rs.stream().collect(Collectors.toMap(r -> r.channel() + "/" + r.field(), r -> r));
    }

    @Test
    void subscriptionDeliversEveryValueScaledAndStampedWithTheInjectedClock() {
        List<OpcUaMeterConfig.Item> items = new ArrayList<>(itemsByNodeId(CHANNELS, List.of("power_w", "voltage_v")));
        items.add(new OpcUaMeterConfig.Item(sim.nodeId("L1", "energy_kwh"), null, "L1", "inlet", "energy_kwh", 0.001));
        OpcUaMeterClient c = client(OpcUaMeterConfig.of("room-a", secureEndpoint(), items));
        c.start();

        Map<String, Reading> got = byKey(drainWhenComplete(c, 7));
        for (String ch : CHANNELS) {
            Reading power = got.get(ch + "/power_w");
            assertEquals(expected(ch, "power_w"), power.value());
            assertEquals("room-a", power.device());
            assertEquals("meter", power.kind());
            assertEquals(CLOCK.millis(), power.timestampMs());
            assertFalse(power.uncertain());
        }
        Reading energy = got.get("L1/energy_kwh");
        assertEquals(expected("L1", "energy_kwh") * 0.001, energy.value(), 1e-12);
        assertEquals("inlet", energy.kind());
    }

    @Test
    void badValuesAreNeverEmittedAndUncertainOnesAreFlagged() {
        OpcUaMeterClient c = client(OpcUaMeterConfig.of("room-a", secureEndpoint(), itemsByNodeId(CHANNELS, FIELDS)));
        c.start();
        drainWhenComplete(c, 12);

        sim.setStatus("L1", "power_w", new StatusCode(StatusCodes.Bad_SensorFailure));
        sim.setStatus("L2", "voltage_v", new StatusCode(StatusCodes.Uncertain_LastUsableValue));
        Await.until("L1 power_w withheld and L2 voltage_v flagged", WAIT, () -> {
            Map<String, Reading> now = byKey(drain(c));
            Reading v = now.get("L2/voltage_v");
            return !now.containsKey("L1/power_w") && now.size() == 11 && v != null && v.uncertain();
        });
        assertTrue(c.badValues() > 0, "the Bad notification was counted");
        // Every other value is still emitted as good.
        long good = drain(c).stream().filter(r -> !r.uncertain()).count();
        assertEquals(10, good);

        sim.setStatus("L1", "power_w", StatusCode.GOOD);
        Await.until("L1 power_w back once Good", WAIT, () -> byKey(drain(c)).containsKey("L1/power_w"));
    }

    @Test
    void polledReadsAreSplitWhenTheServerAnswersTooManyOperations() throws Exception {
        // The server really refuses 12 nodes in one Read ...
        try (OpcUaConnection raw = OpcUaConnection.open(secureEndpoint(), pki)) {
            List<NodeId> ids = itemsByNodeId(CHANNELS, FIELDS).stream()
                    .map(i -> NodeId.parse(i.nodeId()))
                    .toList();
            UaException e =
                    assertThrows(UaException.class, () -> raw.client().readValues(0.0, TimestampsToReturn.Both, ids));
            assertEquals(StatusCodes.Bad_TooManyOperations, e.getStatusCode().getValue());
            // ... and the field tool's read still returns all of them.
            assertEquals(
                    12,
                    raw.read(ids.stream().map(NodeId::toParseableString).toList())
                            .size());
        }
        OpcUaMeterClient c = client(OpcUaMeterConfig.of("room-a", secureEndpoint(), itemsByNodeId(CHANNELS, FIELDS))
                .withMode(OpcUaMeterConfig.Acquisition.Poll));
        c.start();
        Await.until("connected", WAIT, c::isConnected, c::lastError);
        Map<String, Reading> got = byKey(drain(c));
        assertEquals(12, got.size());
        assertEquals(expected("L3", "current_a"), got.get("L3/current_a").value());
    }

    @Test
    void browsePathsAreTranslatedAndAPathToNothingOnlyCostsItsOwnValue() {
        List<OpcUaMeterConfig.Item> items = List.of(
                OpcUaMeterConfig.Item.path(sim.browsePath("L2", "power_w"), "L2", "power_w"),
                OpcUaMeterConfig.Item.path("/" + sim.browsePath("L3", "energy_kwh"), "L3", "energy_kwh"),
                OpcUaMeterConfig.Item.path(sim.browsePath("L9", "power_w"), "L9", "power_w"));
        for (OpcUaMeterConfig.Acquisition mode : OpcUaMeterConfig.Acquisition.values()) {
            OpcUaMeterClient c = client(OpcUaMeterConfig.of("paths-" + mode, secureEndpoint(), items)
                    .withMode(mode));
            c.start();
            Map<String, Reading> got = byKey(drainWhenComplete(c, 2));
            assertEquals(expected("L2", "power_w"), got.get("L2/power_w").value());
            assertEquals(expected("L3", "energy_kwh"), got.get("L3/energy_kwh").value());
        }
    }

    @Test
    void browseListsTheMeterWithTypesValuesAndPathsToPasteIntoTheConfig() throws Exception {
        try (OpcUaConnection conn = OpcUaConnection.open(secureEndpoint(), pki)) {
            int ns = sim.namespaceIndex();
            List<OpcUaConnection.BrowsedNode> nodes = conn.browse("Objects/" + ns + ":Meter", 3, 1000);
            assertEquals(3 + 12, nodes.size(), nodes.toString());
            OpcUaConnection.BrowsedNode power = nodes.stream()
                    .filter(n -> n.nodeId().equals(sim.nodeId("L1", "power_w")))
                    .findFirst()
                    .orElseThrow();
            assertEquals("Variable", power.nodeClass());
            assertEquals("Double", power.dataType());
            assertEquals(String.valueOf(expected("L1", "power_w")), power.value());
            assertEquals(sim.browsePath("L1", "power_w"), power.browsePath());
            assertEquals(1, conn.translate(List.of(power.browsePath())).size());

            List<OpcUaConnection.ReadResult> read = conn.read(List.of(sim.nodeId("L2", "voltage_v"), "ns=0;i=2258"));
            assertEquals(expected("L2", "voltage_v"), read.get(0).value());
            assertEquals("Good", read.get(0).status());
        }
    }

    @Test
    void dataResumesAfterTheServerRestarts() throws Exception {
        OpcUaMeterClient c = client(OpcUaMeterConfig.of("room-a", secureEndpoint(), itemsByNodeId(CHANNELS, FIELDS)));
        c.start();
        drainWhenComplete(c, 12);
        restartServer();
        drainWhenComplete(c, 12);
    }

    @Test
    void closeIsIdempotentAndSafeWithoutStart() {
        OpcUaMeterClient never = client(OpcUaMeterConfig.of("idle", secureEndpoint(), itemsByNodeId(CHANNELS, FIELDS)));
        never.close();
        never.close();
        assertEquals(0, drain(never).size());
        OpcUaMeterClient c = client(OpcUaMeterConfig.of("twice", secureEndpoint(), itemsByNodeId(CHANNELS, FIELDS)));
        c.start();
        drainWhenComplete(c, 12);
        c.close();
        c.close();
        assertEquals(0, drain(c).size());
    }
}
