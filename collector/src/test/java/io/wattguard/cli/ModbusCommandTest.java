package io.wattguard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.config.ConfigNode;
import io.wattguard.config.Problems;
import io.wattguard.config.Section;
import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.meters.modbus.RegisterMap;
import io.wattguard.meters.modbus.RegisterMaps;
import io.wattguard.simulator.modbus.ModbusDeviceSimulator;
import io.wattguard.testing.Cli;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code wattguard modbus read} against our simulator (a j2mod slave on loopback), run in-process. */
class ModbusCommandTest {
    private static ModbusDeviceSimulator device;
    /** The same device behind a serial gateway in transparent mode: RTU frames over TCP, unit 5. */
    private static ModbusDeviceSimulator gateway;

    @BeforeAll
    static void startDevice() throws Exception {
        Problems problems = new Problems();
        ConfigNode root = ConfigNode.parse("test-map", new StringReader("""
                registers:
                  - {field: voltage_v, function: holding, address: 0, type: float32, order: cdab}
                  - {field: energy_kwh, function: holding, address: 2, type: uint32, counter: false}
                  - {field: temp_c, function: holding, address: 4, type: int16}
                  - {field: pulses, function: holding, address: 5, type: uint64, order: dcba}
                  - {field: current_a, function: holding, address: 9, type: float32}
                  - {field: power_w, function: input, address: 0, type: float32}
                  - {field: on, channel: "1", kind: outlet, function: discrete_input, address: 0}
                  - {field: on, channel: "2", kind: outlet, function: discrete_input, address: 1}
                """), problems);
        RegisterMap map = RegisterMaps.read(
                new Section(root, "", new Section.Context(problems, k -> null, Path.of("."))), problems);
        problems.throwIfAny();
        Map<String, Double> values = Map.of(
                "meter/total/voltage_v",
                230.5,
                "meter/total/current_a",
                229.87,
                "meter/total/energy_kwh",
                123456.0,
                "meter/total/temp_c",
                -42.0,
                "meter/total/pulses",
                1e9,
                "meter/total/power_w",
                1500.25,
                "outlet/1/on",
                1.0,
                "outlet/2/on",
                0.0);
        device = new ModbusDeviceSimulator(map, () -> values, 0);
        gateway = new ModbusDeviceSimulator(
                map, () -> values, 0, 5, ModbusDeviceSimulator.Framing.RTU_OVER_TCP, java.util.Set.of());
    }

    @AfterAll
    static void stopDevice() {
        device.close();
        gateway.close();
    }

    private static Cli.Result read(String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "modbus";
        all[1] = "read";
        all[2] = "127.0.0.1";
        all[3] = "--port=" + device.port();
        System.arraycopy(args, 0, all, 4, args.length);
        return Cli.run(all);
    }

    private static void ok(String expected, String... args) {
        Cli.Result r = read(args);
        assertEquals(0, r.code(), r.err());
        assertEquals(expected, r.out());
        assertEquals("", r.err());
    }

    @Test
    void valuesWithTheirRawWordsAndReferenceNumbers() {
        ok("holding 0 (400001) 8000 4366 = 230.5\n", "--address", "40001", "--type", "float32", "--order", "cdab");
        // 229.87 as float32 is 229.8699951171875 exactly: printed at the precision float32 holds.
        ok("holding 9 (400010) 4365 DEB8 = 229.87\n", "--address", "9", "--type", "float32");
        // The same words in the wrong order: what an operator sees before trying cdab.
        ok("holding 0 (400001) 8000 4366 = -2.4178E-41\n", "--address", "0", "--type", "float32");
        ok("holding 2 (400003) 0001 E240 = 123456\n", "--address", "0x2", "--type", "uint32", "--count", "1");
        ok("holding 4 (400005) FFD6 = -42\n", "--address", "40005", "--type", "int16");
        ok("holding 4 (400005) FFD6 = 65494\n", "--address", "4");
        ok(
                "holding 5 (400006) 00CA 9A3B 0000 0000 = 1000000000\n",
                "--address",
                "5",
                "--type",
                "uint64",
                "--order",
                "dcba");
        ok("input 0 (300001) 44BB 8800 = 1500.25\n", "--address", "300001", "--type", "float32");
        ok(
                "input 0 (300001) 44BB 8800 = 1.50025\n",
                "--function",
                "input",
                "--address",
                "0",
                "--type",
                "float32",
                "--scale",
                "0.001");
        ok(
                "discrete_input 0 (100001) 0001 = 1\ndiscrete_input 1 (100002) 0000 = 0\n",
                "--function",
                "discrete_input",
                "--address",
                "0",
                "--count",
                "2");
    }

    @Test
    void rtuFramesOverTcpToAGatewayUnit() {
        Cli.Result r = Cli.run(
                "modbus",
                "read",
                "127.0.0.1",
                "--port",
                Integer.toString(gateway.port()),
                "--rtu-over-tcp",
                "--unit",
                "5",
                "--address",
                "40001",
                "--type",
                "float32",
                "--order",
                "cdab");
        assertEquals(0, r.code(), r.err());
        assertEquals("holding 0 (400001) 8000 4366 = 230.5\n", r.out());
    }

    @Test
    void badArgumentsExit2WithTheProblem() {
        assertBad(
                "--type: expected one of bit, int16, uint16, int32, uint32, int64, uint64, float32, float64, string, "
                        + "found 'float33' (did you mean 'float32'?)\n",
                "--address",
                "0",
                "--type",
                "float33");
        assertBad(
                "--order: expected one of abcd, cdab, badc, dcba, found 'cbad' (did you mean 'abcd'?)\n",
                "--address",
                "0",
                "--order",
                "cbad");
        assertBad(
                "--address: expected an address from 0 to 65535 (decimal or 0x hex) or a reference number such as "
                        + "40001, found '70000'\n",
                "--address",
                "70000");
        assertBad(
                "--type string needs --length N: registers per value, 1 to 125 (two characters each)\n",
                "--address",
                "0",
                "--type",
                "string");
        assertBad(
                "--timeout: expected a duration such as 500ms or 2s, found 'soon'\n",
                "--address",
                "0",
                "--timeout",
                "soon");
        Cli.Result noHost = Cli.run("modbus", "read", "--address", "0");
        assertEquals(2, noHost.code());
        assertEquals(
                "missing HOST (the device's address) or --serial DEVICE; see 'wattguard modbus read --help'\n",
                noHost.err());
        Cli.Result noAddress = Cli.run("modbus", "read", "127.0.0.1");
        assertEquals(2, noAddress.code());
        assertEquals(
                "Missing required option: '--address=ADDR'\nTry 'wattguard modbus read --help'.\n", noAddress.err());
    }

    private static void assertBad(String message, String... args) {
        Cli.Result r = read(args);
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(message, r.err());
        assertEquals("", r.out());
    }

    @Test
    void aDeviceThatNeverAnswersIsATimeoutThatNamesTheOptionToRaise() throws Exception {
        // A listener that accepts and never answers: a device too busy or a gateway with nothing behind it.
        try (java.net.ServerSocket silent =
                new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            Cli.Result r = Cli.run(
                    "modbus",
                    "read",
                    "127.0.0.1",
                    "--port",
                    Integer.toString(silent.getLocalPort()),
                    "--address",
                    "40001",
                    "--timeout",
                    "300ms");
            assertEquals(1, r.code());
            assertEquals(
                    "wattguard modbus read: tcp://127.0.0.1:" + silent.getLocalPort() + " unit 1: the device did "
                            + "not answer within --timeout 300ms (on a slow or busy link raise it, e.g. --timeout 5s; if it never "
                            + "answers: wrong unit id, address or transport? try --unit, --rtu-over-tcp)\n",
                    r.err());
        }
        assertBad("--timeout: expected 10ms to 1m, found 2m\n", "--address", "0", "--timeout", "2m");
    }

    @Test
    void anUnreachableDeviceExits1WithWhatWentWrong() throws Exception {
        int closed = PrivateInfluxd.freePort();
        Cli.Result r = Cli.run("modbus", "read", "127.0.0.1", "--port", Integer.toString(closed), "--address", "40001");
        assertEquals(1, r.code());
        assertEquals(
                "wattguard modbus read: tcp://127.0.0.1:" + closed + " unit 1: connection refused (nothing listens on "
                        + "that port, or a firewall rejects it)\n",
                r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace");
        // A unit the device does not serve: the simulator answers "gateway target failed to respond".
        Cli.Result unit = read("--unit", "9", "--address", "0");
        assertEquals(1, unit.code());
        assertEquals(
                "wattguard modbus read: tcp://127.0.0.1:" + device.port() + " unit 9: device answered exception 11 "
                        + "(gateway target device failed to respond) to holding 0..0\n",
                unit.err());
    }

    @Test
    void helpAnswersAnOperatorWritingARegisterMap() {
        Cli.Result r = Cli.run("modbus", "read", "--help");
        assertEquals(0, r.code());
        for (String s : new String[] {
            "40001 is holding address 0",
            "--order cdab",
            "--rtu-over-tcp",
            "--serial /dev/ttyUSB0 --baud 9600",
            "--scale 0.001",
            "--type string --length 8",
            "Exit code 0 when every value was read"
        }) {
            assertTrue(r.out().contains(s), s + " in:\n" + r.out());
        }
        assertTrue(Cli.run("--help").out().contains("modbus"));
    }
}
