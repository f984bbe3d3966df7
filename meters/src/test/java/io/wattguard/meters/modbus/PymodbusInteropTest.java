package io.wattguard.meters.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.meters.Reading;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Our client against pymodbus 3.0 (a server nobody here wrote), over MBAP TCP and RTU over TCP. */
class PymodbusInteropTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T00:00:00Z"), ZoneOffset.UTC);

    static String deviceYaml(String transport, int port) {
        return """
                name: py
                transport: %s
                host: 127.0.0.1
                port: %d
                unit: 1
                timeout: 2s
                retries: 1
                gap_fill: 0
                registers:
                  - {field: voltage_v, function: holding, address: 0, type: float32, order: cdab, unit: V}
                  - {field: energy_kwh, function: holding, reference: 40003, type: uint32, scale: 0.001, unit: kWh}
                  - {field: pulses, function: holding, address: 4, type: int64, counter: true}
                  - {field: temperature_c, function: holding, address: 8, type: int16}
                  - {field: current_a, function: holding, address: 9, type: uint16, scale: 0.01, not_available: [0xFFFF]}
                  - {field: pf, kind: meter, channel: L1, function: holding, address: 20, type: int16}
                  - {field: model, function: holding, address: 30, type: string, length: 4}
                  - {field: frequency_hz, function: input, address: 0, type: float32}
                  - {field: breaker_closed, channel: "1", function: discrete_input, address: 0}
                  - {field: breaker_closed, channel: "2", function: discrete_input, address: 1}
                  - {field: breaker_closed, channel: "3", function: discrete_input, address: 2}
                """.formatted(transport, port);
    }

    private static Map<String, Double> byName(PollResult r) {
        return r.readings().stream().collect(Collectors.toMap(x -> x.channel() + "/" + x.field(), Reading::value));
    }

    @Test
    void decodesEveryTypeAndUnwrapsTheEnergyCounterOverTcp() throws Exception {
        try (Peers.Proc py = Peers.pymodbus("tcp")) {
            check("tcp", Peers.port(py));
        }
    }

    @Test
    void rtuFramesOverTcpDecodeTheSame() throws Exception {
        try (Peers.Proc py = Peers.pymodbus("rtu-over-tcp")) {
            check("rtu_over_tcp", Peers.port(py));
        }
    }

    private void check(String transport, int port) {
        ModbusDeviceConfig cfg = Maps.device(deviceYaml(transport, port));
        try (ModbusClient client = new ModbusClient(cfg, CLOCK)) {
            // holding 0..9, 20, 30..33, input 0..1, discrete 0..2: gap_fill 0 keeps the bad address apart.
            assertEquals(5, client.plan().size(), client.plan().toString());
            double[] energy = new double[4];
            for (int poll = 0; poll < 4; poll++) {
                PollResult r = client.poll();
                Map<String, Double> v = byName(r);
                assertEquals(230.5, v.get("total/voltage_v"), 1e-9);
                assertEquals(1234567890123456.0, v.get("total/pulses"));
                assertEquals(-42.0, v.get("total/temperature_c"));
                assertFalse(v.containsKey("total/current_a"), "0xFFFF means not available: field omitted");
                assertFalse(v.containsKey("L1/pf"), "the read that failed gives no value");
                assertEquals(49.98, v.get("total/frequency_hz"), 1e-5);
                assertEquals(1.0, v.get("1/breaker_closed"));
                assertEquals(0.0, v.get("2/breaker_closed"));
                assertEquals(1.0, v.get("3/breaker_closed"));
                assertEquals(
                        List.of("py: exception 2 (illegal data address) reading holding 20..20 [meter L1 pf]"),
                        r.errors());
                assertTrue(r.reachable());
                assertEquals(Map.of("meter/total/model", "SDM630"), r.texts());
                assertEquals(CLOCK.millis(), r.timestampMs());
                energy[poll] = v.get("total/energy_kwh");
            }
            // The server's Wh counter goes 0xFFFFFF00, +128, wraps to 0, then 128: the series keeps growing.
            assertEquals(0xFFFFFF00L * 0.001, energy[0], 1e-6);
            for (int i = 1; i < 4; i++) {
                assertEquals(0.128, energy[i] - energy[i - 1], 1e-6, "step " + i);
            }
        }
    }

    @Test
    void oneShotReadShowsRawWordsAndDecodedValues() throws Exception {
        try (Peers.Proc py = Peers.pymodbus("tcp")) {
            int port = Peers.port(py);
            ModbusRead.Address a = ModbusRead.parseAddress("40001", null);
            assertEquals(new ModbusRead.Address(ModbusFunction.HOLDING, 0), a);
            List<ModbusRead.Value> v = ModbusRead.read(new ModbusRead.Request(
                    Endpoint.tcp("127.0.0.1", port),
                    1,
                    a.function(),
                    a.address(),
                    1,
                    DataType.FLOAT32,
                    WordOrder.CDAB,
                    1,
                    0,
                    Duration.ofSeconds(2)));
            assertEquals(1, v.size());
            assertEquals(230.5, v.get(0).number());
            assertEquals("holding 0 (400001) 8000 4366 = 230.5", v.get(0).toString());

            List<ModbusRead.Value> wrong = ModbusRead.read(new ModbusRead.Request(
                    Endpoint.tcp("127.0.0.1", port),
                    1,
                    ModbusFunction.HOLDING,
                    8,
                    2,
                    DataType.INT16,
                    WordOrder.ABCD,
                    0.5,
                    0,
                    Duration.ofSeconds(2)));
            assertEquals(-21.0, wrong.get(0).number());
            assertEquals(-0.5, wrong.get(1).number(), "0xFFFF read as int16 is -1");

            Function<Integer, String> bad = addr -> {
                try {
                    ModbusRead.read(new ModbusRead.Request(
                            Endpoint.tcp("127.0.0.1", port),
                            1,
                            ModbusFunction.HOLDING,
                            addr,
                            1,
                            DataType.UINT16,
                            WordOrder.ABCD,
                            1,
                            0,
                            Duration.ofSeconds(2)));
                    return null;
                } catch (java.io.IOException e) {
                    return e.getMessage();
                }
            };
            assertEquals("device answered exception 2 (illegal data address) to holding 20..20", bad.apply(20));
            assertNull(bad.apply(21));
        }
    }
}
