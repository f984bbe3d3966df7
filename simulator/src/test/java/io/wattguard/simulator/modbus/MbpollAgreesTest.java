package io.wattguard.simulator.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.wattguard.meters.Reading;
import io.wattguard.meters.modbus.ModbusClient;
import io.wattguard.meters.modbus.PollResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * mbpoll (libmodbus, a client nobody here wrote) reads the simulator and agrees with what our client
 * decodes from the same registers.
 */
class MbpollAgreesTest {
    private static final String MBPOLL = "/usr/bin/mbpoll";
    private static final Pattern LINE = Pattern.compile("^\\[(\\d+)\\]:\\s+(\\S+)");

    /** mbpoll's values by 0-based address. */
    static Map<Integer, String> mbpoll(int port, String type, int ref, int count)
            throws IOException, InterruptedException {
        return mbpoll(port, type, ref, count, false);
    }

    /** @param bigEndian 32-bit values high word first ({@code -B}); mbpoll's default is low word first */
    static Map<Integer, String> mbpoll(int port, String type, int ref, int count, boolean bigEndian)
            throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(MBPOLL))) {
            fail(MBPOLL + " is missing: run scripts/setup.sh test (it installs mbpoll, pymodbus and socat)");
        }
        List<String> cmd = new ArrayList<>(List.of(
                MBPOLL,
                "-m",
                "tcp",
                "-a",
                "1",
                "-p",
                Integer.toString(port),
                "-0",
                "-r",
                Integer.toString(ref),
                "-c",
                Integer.toString(count),
                "-t",
                type,
                "-1",
                "-o",
                "2"));
        if (bigEndian) {
            cmd.add("-B");
        }
        cmd.add("127.0.0.1");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "mbpoll did not finish");
        assertEquals(0, p.exitValue(), out);
        Map<Integer, String> values = new java.util.TreeMap<>();
        for (String line : out.split("\n")) {
            Matcher m = LINE.matcher(line.trim());
            if (m.find()) {
                values.put(Integer.parseInt(m.group(1)), m.group(2));
            }
        }
        assertTrue(!values.isEmpty(), out);
        return values;
    }

    @Test
    void mbpollAndOurClientReadTheSameValues() throws Exception {
        PduState state = ModbusPduSimulatorTest.state(4, 321.5);
        try (ModbusDeviceSimulator sim = ModbusPduSimulator.start(4, () -> state, 0);
                ModbusClient client = new ModbusClient(
                        ModbusPduSimulatorTest.config("pdu", sim.port(), 4, "2s"), Clock.systemUTC())) {
            PollResult r = client.poll();
            assertTrue(r.ok(), r.errors().toString());
            Map<String, Double> ours = r.readings().stream()
                    .collect(Collectors.toMap(x -> x.kind() + "/" + x.channel() + "/" + x.field(), Reading::value));

            // Inlet: uint16 voltage (x0.1), frequency (x0.01), current (x0.01), int16 pf (x0.001).
            Map<Integer, String> inlet = mbpoll(sim.port(), "3", 0, 4);
            assertEquals(ours.get("inlet/inlet/voltage_v"), Integer.parseInt(inlet.get(0)) * 0.1, 1e-9);
            assertEquals(ours.get("inlet/inlet/frequency_hz"), Integer.parseInt(inlet.get(1)) * 0.01, 1e-9);
            assertEquals(ours.get("inlet/inlet/current_a"), Integer.parseInt(inlet.get(2)) * 0.01, 1e-9);
            assertEquals(ours.get("inlet/inlet/pf"), (short) Integer.parseInt(inlet.get(3)) * 0.001, 1e-9);
            // Inlet power: float32, high word first (mbpoll -B).
            Map<Integer, String> power = mbpoll(sim.port(), "3:float", 4, 1, true);
            assertEquals(ours.get("inlet/inlet/power_w"), Double.parseDouble(power.get(4)), 1e-3);
            // Inlet energy: uint32 Wh, high word first.
            Map<Integer, String> energy = mbpoll(sim.port(), "3:int", 6, 1, true);
            assertEquals(ours.get("inlet/inlet/energy_kwh"), Long.parseLong(energy.get(6)) * 0.001, 1e-9);
            // Outlet n's float32 power at 102 + 8 (n - 1).
            for (int n = 1; n <= 4; n++) {
                int addr = 102 + 8 * (n - 1);
                Map<Integer, String> op = mbpoll(sim.port(), "3:float", addr, 1, true);
                assertEquals(
                        ours.get("outlet/" + n + "/power_w"), Double.parseDouble(op.get(addr)), 1e-3, "outlet " + n);
            }
            // Relay states as discrete inputs.
            Map<Integer, String> bits = mbpoll(sim.port(), "1", 0, 4);
            List<Double> expected = new ArrayList<>();
            for (int n = 1; n <= 4; n++) {
                expected.add(ours.get("outlet/" + n + "/on"));
            }
            assertEquals(
                    expected, bits.values().stream().map(Double::parseDouble).toList());
        }
    }
}
