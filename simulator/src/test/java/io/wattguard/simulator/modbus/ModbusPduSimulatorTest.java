package io.wattguard.simulator.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.config.ConfigNode;
import io.wattguard.config.Problems;
import io.wattguard.config.Section;
import io.wattguard.meters.Reading;
import io.wattguard.meters.modbus.ModbusClient;
import io.wattguard.meters.modbus.ModbusDeviceConfig;
import io.wattguard.meters.modbus.PollResult;
import java.io.StringReader;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The PDU simulator read by our client with the shipped generic-pdu profile. */
class ModbusPduSimulatorTest {
    static ModbusDeviceConfig config(String name, int port, int outlets, String timeout) {
        Problems problems = new Problems();
        String yaml = """
                name: %s
                host: 127.0.0.1
                port: %d
                timeout: %s
                retries: 1
                backoff: 10ms
                profile: generic-pdu
                outlets: %d
                """.formatted(name, port, timeout, outlets);
        Section s = new Section(
                ConfigNode.parse("t.yaml", new StringReader(yaml), problems),
                "",
                new Section.Context(problems, k -> null, Path.of(".")));
        ModbusDeviceConfig c = ModbusDeviceConfig.read(s, problems);
        s.finish();
        problems.throwIfAny();
        return c;
    }

    static PduState state(int outlets, double energyBase) {
        List<PduState.Outlet> list = new ArrayList<>();
        for (int i = 1; i <= outlets; i++) {
            list.add(new PduState.Outlet(i % 3 != 0, i * 0.25, 0.95, i * 55.5, energyBase + i * 10.125));
        }
        return new PduState(230.1, 50.02, list);
    }

    @Test
    void whatTheSimulatorServesIsWhatTheClientReads() throws Exception {
        AtomicReference<PduState> state = new AtomicReference<>(state(8, 1000));
        try (ModbusDeviceSimulator sim = ModbusPduSimulator.start(8, state::get, 0);
                ModbusClient client = new ModbusClient(
                        config("pdu-a1", sim.port(), 8, "2s"),
                        Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC))) {
            assertEquals(3, client.plan().size());
            PollResult r = client.poll();
            assertTrue(r.ok(), r.errors().toString());
            Map<String, Double> v = r.readings().stream()
                    .collect(Collectors.toMap(x -> x.kind() + "/" + x.channel() + "/" + x.field(), Reading::value));
            assertEquals(6 + 8 * 5, v.size(), v.toString());
            assertEquals(230.1, v.get("inlet/inlet/voltage_v"), 1e-9);
            assertEquals(50.02, v.get("inlet/inlet/frequency_hz"), 1e-9);
            assertEquals(55.5 * 36, v.get("inlet/inlet/power_w"), 1e-3);
            assertEquals(0.5, v.get("outlet/2/current_a"), 1e-9);
            assertEquals(0.95, v.get("outlet/2/pf"), 1e-9);
            assertEquals(111.0, v.get("outlet/2/power_w"), 1e-4);
            assertEquals(1020.25, v.get("outlet/2/energy_kwh"), 1e-9);
            assertEquals(0.0, v.get("outlet/3/on"));
            assertEquals(1.0, v.get("outlet/4/on"));
            assertTrue(r.readings().stream()
                    .allMatch(x -> x.device().equals("pdu-a1")
                            && x.timestampMs()
                                    == Instant.parse("2026-03-01T10:00:00Z").toEpochMilli()));

            // An outlet that cannot measure its current sends the profile's 0xFFFF: the field is omitted.
            List<PduState.Outlet> outlets = new ArrayList<>(state.get().outlets());
            PduState.Outlet o = outlets.get(0);
            outlets.set(0, new PduState.Outlet(o.on(), Double.NaN, Double.NaN, o.powerW(), o.energyKwh()));
            state.set(new PduState(230.1, 50.02, outlets));
            Map<String, Double> w = client.poll().readings().stream()
                    .collect(Collectors.toMap(x -> x.kind() + "/" + x.channel() + "/" + x.field(), Reading::value));
            assertFalse(w.containsKey("outlet/1/current_a"));
            assertFalse(w.containsKey("outlet/1/pf"));
            assertEquals(55.5, w.get("outlet/1/power_w"), 1e-4);
        }
    }

    @Test
    void theInletEnergyCounterWrapsOnTheWireAndNotInTheSeries() throws Exception {
        // The inlet counter is uint32 Wh: it wraps at 4,294,967.296 kWh.
        AtomicReference<PduState> state = new AtomicReference<>(state(1, 4_294_950.0));
        try (ModbusDeviceSimulator sim = ModbusPduSimulator.start(1, state::get, 0);
                ModbusClient client = new ModbusClient(config("pdu", sim.port(), 1, "2s"), Clock.systemUTC())) {
            double before = inletEnergy(client.poll());
            assertTrue(before < 4_294_967.296, "not yet wrapped: " + before);
            state.set(state(1, 4_294_950.0 + 10.0));
            double after = inletEnergy(client.poll());
            assertEquals(10.0, after - before, 1e-6);
            assertTrue(after > 4_294_967.296, "past the wrap point: " + after);
        }
    }

    private static double inletEnergy(PollResult r) {
        assertTrue(r.ok(), r.errors().toString());
        return r.readings().stream()
                .filter(x -> x.kind().equals("inlet") && x.field().equals("energy_kwh"))
                .findFirst()
                .orElseThrow()
                .value();
    }

    @Test
    void rtuFramingOverTcpServesTheSameValues() throws Exception {
        PduState s = state(2, 5);
        try (ModbusDeviceSimulator sim = new ModbusDeviceSimulator(
                ModbusPduSimulator.map(2),
                s::values,
                0,
                1,
                ModbusDeviceSimulator.Framing.RTU_OVER_TCP,
                java.util.Set.of())) {
            ModbusDeviceConfig tcp = config("rtu", sim.port(), 2, "2s");
            ModbusDeviceConfig rtu = new ModbusDeviceConfig(
                    tcp.name(),
                    io.wattguard.meters.modbus.Endpoint.rtuOverTcp("127.0.0.1", sim.port()),
                    1,
                    tcp.timeout(),
                    tcp.retries(),
                    tcp.backoff(),
                    tcp.planner(),
                    tcp.map());
            try (ModbusClient client = new ModbusClient(rtu, Clock.systemUTC())) {
                PollResult r = client.poll();
                assertTrue(r.ok(), r.errors().toString());
                assertEquals(6 + 2 * 5, r.readings().size());
                assertEquals(
                        111.0,
                        r.readings().stream()
                                .filter(x ->
                                        x.channel().equals("2") && x.field().equals("power_w"))
                                .findFirst()
                                .orElseThrow()
                                .value(),
                        1e-4);
            }
        }
    }

    @Test
    void closeIsIdempotent() throws Exception {
        ModbusDeviceSimulator sim = ModbusPduSimulator.start(2, () -> state(2, 0), 0);
        sim.close();
        sim.close();
        ModbusClient c = new ModbusClient(config("x", 1, 2, "1s"), Clock.systemUTC());
        c.close();
        c.close();
    }
}
