package io.wattguard.meters.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.meters.Reading;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RTU on a serial line: socat makes a pseudo-terminal pair, pymodbus serves RTU on one end and our client
 * (j2mod's serial transport over jSerialComm) reads on the other.
 */
class SerialRtuTest {
    @TempDir
    Path dir;

    @Test
    void readsThroughAPseudoTerminalPair() throws Exception {
        Peers.requireTool("/usr/bin/socat");
        Peers.requirePymodbus();
        Path a = dir.resolve("ttyA");
        Path b = dir.resolve("ttyB");
        try (Peers.Proc socat = new Peers.Proc(
                List.of("/usr/bin/socat", "-d", "-d", "pty,raw,echo=0,link=" + a, "pty,raw,echo=0,link=" + b))) {
            // socat says so once both pseudo-terminals and their links exist.
            socat.await("starting data transfer loop", 10);
            assertTrue(Files.exists(a) && Files.exists(b), socat.output());
            try (Peers.Proc py = new Peers.Proc(List.of(
                    Peers.PYTHON,
                    Peers.SERVER_SCRIPT.toString(),
                    "serial",
                    b.toRealPath().toString(),
                    "19200"))) {
                py.await("READY", 20);
                ModbusDeviceConfig cfg = Maps.device("""
                        name: serial-meter
                        transport: serial
                        serial: {device: %s, baud: 19200, parity: none}
                        unit: 1
                        timeout: 1s
                        retries: 3
                        backoff: 200ms
                        registers:
                          - {field: voltage_v, function: holding, address: 0, type: float32, order: cdab}
                          - {field: pulses, function: holding, address: 4, type: int64, counter: false}
                          - {field: frequency_hz, function: input, address: 0, type: float32}
                          - {field: breaker_closed, function: discrete_input, address: 0}
                        """.formatted(a.toRealPath()));
                try (ModbusClient client = new ModbusClient(cfg, Clock.systemUTC())) {
                    PollResult r = client.poll();
                    assertTrue(r.ok(), r.errors() + "\npymodbus: " + py.output());
                    Map<String, Double> v =
                            r.readings().stream().collect(Collectors.toMap(Reading::field, Reading::value));
                    assertEquals(230.5, v.get("voltage_v"));
                    assertEquals(1234567890123456.0, v.get("pulses"));
                    assertEquals(49.98, v.get("frequency_hz"), 1e-5);
                    assertEquals(1.0, v.get("breaker_closed"));
                }
            }
        }
    }

    @Test
    void aMissingSerialDeviceIsAnErrorNotAHang() {
        ModbusDeviceConfig cfg = Maps.device("""
                name: nowhere
                transport: serial
                serial: {device: %s, baud: 9600, parity: even}
                timeout: 200ms
                retries: 0
                registers:
                  - {field: voltage_v, function: input, address: 0, type: float32}
                """.formatted(dir.resolve("no-such-tty")));
        try (ModbusClient client = new ModbusClient(cfg, Clock.systemUTC())) {
            PollResult r = client.poll();
            assertEquals(1, r.errors().size(), r.errors().toString());
            assertTrue(r.errors().get(0).contains("no-such-tty"), r.errors().get(0));
            assertTrue(r.readings().isEmpty());
        }
    }
}
