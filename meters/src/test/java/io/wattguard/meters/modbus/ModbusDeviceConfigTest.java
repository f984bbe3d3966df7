package io.wattguard.meters.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.config.Problem;
import io.wattguard.config.Problems;
import io.wattguard.config.Section;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModbusDeviceConfigTest {
    @Test
    void aSerialDeviceWithAProfile() {
        ModbusDeviceConfig c = Maps.device("""
                name: meter-r12
                transport: serial
                serial: {device: /dev/ttyUSB0, baud: 9600, parity: none}
                unit: 7
                timeout: 500ms
                retries: 2
                backoff: 50ms
                max_registers_per_read: 40
                profile: eastron-sdm630
                """);
        assertEquals(Endpoint.Transport.SERIAL, c.endpoint().transport());
        assertEquals(
                new Endpoint.Serial("/dev/ttyUSB0", 9600, 8, "none", 1),
                c.endpoint().serial());
        assertEquals("/dev/ttyUSB0 (9600 8N1)", c.endpoint().toString());
        assertEquals(7, c.unit());
        assertEquals(Duration.ofMillis(500), c.timeout());
        assertEquals(2, c.retries());
        assertEquals(40, c.planner().maxRegisters());
        assertEquals("eastron-sdm630", c.map().name());
        // A picky device limited to 40 registers a read costs one more request for the SDM630's first block.
        assertEquals(3, RequestPlanner.plan(c.map(), c.planner()).size());
    }

    @Test
    void defaultsAreThoseOfATypicalTcpDevice() {
        ModbusDeviceConfig c = Maps.device("name: pdu\nhost: 10.0.0.5\nprofile: generic-pdu\noutlets: 16\n");
        assertEquals(Endpoint.tcp("10.0.0.5", 502), c.endpoint());
        assertEquals(1, c.unit());
        assertEquals(Duration.ofSeconds(1), c.timeout());
        assertEquals(1, c.retries());
        assertEquals(Duration.ofMillis(100), c.backoff());
        assertEquals(RequestPlanner.Options.DEFAULT, c.planner());
    }

    @Test
    void everyProblemOfADeviceIsReported() {
        Problems problems = new Problems();
        Section s = Maps.section("""
                transport: tcp
                port: 70000
                unit: 300
                timeout: 5 seconds
                serial: {device: /dev/ttyS0}
                profile: generic-pdu
                """, problems);
        assertNull(ModbusDeviceConfig.read(s, problems));
        s.finish();
        assertEquals(
                List.of(
                        "t.yaml:1:1: name: missing required key 'name' (the device name used as the device tag)",
                        "t.yaml:1:1: host: missing required key 'host' (the device's host name or address)",
                        "t.yaml:2:7: port: expected an integer from 1 to 65535, found 70000",
                        "t.yaml:5:9: serial: serial settings need transport: serial",
                        "t.yaml:3:7: unit: expected an integer from 0 to 255, found 300",
                        "t.yaml:4:10: timeout: expected a duration such as 500ms, 10s, 5m, 1h or 1h30m, found '5 seconds'"),
                problems.all().stream().map(Problem::toString).toList());
    }

    @Test
    void aListOfDevicesNeedsUniqueNamesAndKnownKeys() {
        Problems problems = new Problems();
        Section root = Maps.section("""
                devices:
                  - {name: pdu-1, host: 127.0.0.1, profile: generic-pdu}
                  - {name: pdu-1, host: 127.0.0.2, profile: generic-pdu}
                  - {name: pdu-3, host: 127.0.0.3, profile: generic-pdu, timout: 2s, rack: r12}
                """, problems);
        List<String> racks = new java.util.ArrayList<>();
        List<ModbusDeviceConfig> devices =
                ModbusDeviceConfig.readAll(root, "devices", problems, s -> racks.add(s.string("rack", "none")));
        assertEquals(List.of("none", "none", "r12"), racks);
        assertEquals(
                List.of("pdu-1", "pdu-3"),
                devices.stream().map(ModbusDeviceConfig::name).toList());
        List<String> m = problems.all().stream().map(Problem::toString).toList();
        assertEquals(2, m.size(), m.toString());
        assertEquals(
                "t.yaml:3:12: devices[1].name: device name 'pdu-1' is already used at t.yaml:2 (names become the "
                        + "device tag and must be unique)",
                m.get(0));
        assertTrue(
                m.get(1).startsWith("t.yaml:4:66: devices[2].timout: unknown key (did you mean 'timeout'?)"), m.get(1));
    }

    @Test
    void theShippedExampleReadsCleanly() throws Exception {
        Problems problems = new Problems();
        String yaml;
        try (var in = ModbusDeviceConfig.class.getResourceAsStream("example-devices.yaml")) {
            yaml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        Section root = Maps.section(yaml, problems);
        List<ModbusDeviceConfig> devices = ModbusDeviceConfig.readAll(root, "devices", problems, s -> {});
        root.finish();
        assertTrue(problems.isEmpty(), problems.toString());
        assertEquals(4, devices.size());
        ModbusDeviceConfig bcm = devices.get(3);
        assertEquals(100, bcm.map().registers().get(0).address());
        assertEquals(ModbusFunction.HOLDING, bcm.map().registers().get(0).function());
        assertEquals("branch", bcm.map().registers().get(0).kind());
        // 100..101, 200..203, 300..303 and the model at 0..7: four reads with gap fill 4.
        assertEquals(4, RequestPlanner.plan(bcm.map(), bcm.planner()).size());
    }
}
