package io.wattguard.meters.modbus;

import io.wattguard.config.Problems;
import io.wattguard.config.Section;
import java.time.Duration;
import java.util.Locale;

/**
 * One Modbus device as configured: where it is, how patient to be with it, and its register map.
 *
 * <pre>
 * - name: pdu-a1
 *   transport: tcp            # tcp (default), rtu_over_tcp, serial
 *   host: 10.0.4.21
 *   port: 502
 *   serial: {device: /dev/ttyUSB0, baud: 19200, parity: even, data_bits: 8, stop_bits: 1}
 *   unit: 1                   # unit (slave) id, 0-255
 *   timeout: 1s               # per request, connecting included
 *   retries: 1                # extra tries of a failed request, on a fresh connection
 *   backoff: 100ms            # wait before the first retry, doubled for each further one
 *   max_registers_per_read: 125   # lower for devices that refuse long reads
 *   max_bits_per_read: 2000
 *   gap_fill: 16              # unused registers a read may span to save a request
 *   gap_fill_bits: 256
 *   profile: generic-pdu      # a shipped profile (see RegisterMaps.PROFILES) ...
 *   outlets: 24               # ... and its parameter
 *   registers: [...]          # and/or the device's own map (see RegisterMaps)
 * </pre>
 */
public record ModbusDeviceConfig(
        String name,
        Endpoint endpoint,
        int unit,
        Duration timeout,
        int retries,
        Duration backoff,
        RequestPlanner.Options planner,
        RegisterMap map) {

    public enum TransportWord {
        TCP,
        RTU_OVER_TCP,
        SERIAL
    }

    public enum Parity {
        NONE,
        EVEN,
        ODD
    }

    public ModbusDeviceConfig {
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0");
        }
    }

    /**
     * Reads a list of device sections under {@code key} (e.g. {@code devices:}), each finished so that typos
     * are reported, and checks that device names are unique (they become the {@code device} tag). Devices
     * with problems are left out; every problem is in {@code problems}. {@code ownKeys} is called with each
     * device section before it is finished, so the caller reads the keys it adds (rack, room, interval).
     */
    public static java.util.List<ModbusDeviceConfig> readAll(
            Section parent, String key, Problems problems, java.util.function.Consumer<Section> ownKeys) {
        java.util.List<ModbusDeviceConfig> out = new java.util.ArrayList<>();
        java.util.Map<String, String> seen = new java.util.HashMap<>();
        for (Section s : parent.sections(key)) {
            ModbusDeviceConfig c = read(s, problems);
            ownKeys.accept(s);
            s.finish();
            if (c == null) {
                continue;
            }
            String at = s.node().file() + ":" + s.node().line();
            String first = seen.putIfAbsent(c.name(), at);
            if (first != null) {
                s.error(
                        "name",
                        "device name '" + c.name() + "' is already used at " + first
                                + " (names become the device tag and must be unique)");
                continue;
            }
            out.add(c);
        }
        return out;
    }

    /**
     * Reads one device section. Unknown keys are left for the caller's {@code finish()}, since the collector
     * adds its own keys (rack, room, interval) to the same section. Returns null when the section is unusable;
     * every problem is in {@code problems}.
     */
    public static ModbusDeviceConfig read(Section s, Problems problems) {
        int before = problems.all().size();
        String name = s.requiredString("name", "the device name used as the device tag");
        TransportWord t = s.choice("transport", TransportWord.TCP, TransportWord.class);
        Endpoint endpoint;
        if (t == TransportWord.SERIAL) {
            Section ser = s.section("serial");
            String dev = ser.requiredString("device", "the serial device, e.g. /dev/ttyUSB0");
            int baud = (int) ser.integer("baud", 19200, 300, 4_000_000);
            int dataBits = (int) ser.integer("data_bits", 8, 7, 8);
            Parity parity = ser.choice("parity", Parity.EVEN, Parity.class);
            int stop = (int) ser.integer("stop_bits", 1, 1, 2);
            ser.finish();
            if (s.has("host") || s.has("port")) {
                s.error("host", "host and port are for transport tcp or rtu_over_tcp; this device is serial");
            }
            endpoint = new Endpoint(
                    Endpoint.Transport.SERIAL,
                    null,
                    0,
                    new Endpoint.Serial(dev, baud, dataBits, parity.name().toLowerCase(Locale.ROOT), stop));
        } else {
            String host = s.requiredString("host", "the device's host name or address");
            int port = (int) s.integer("port", 502, 1, 65535);
            if (s.has("serial")) {
                s.error("serial", "serial settings need transport: serial");
            }
            endpoint = new Endpoint(
                    t == TransportWord.TCP ? Endpoint.Transport.TCP : Endpoint.Transport.RTU_OVER_TCP,
                    host,
                    port,
                    null);
        }
        int unit = (int) s.integer("unit", 1, 0, 255);
        Duration timeout = s.duration("timeout", Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(1));
        int retries = (int) s.integer("retries", 1, 0, 10);
        Duration backoff = s.duration("backoff", Duration.ofMillis(100), Duration.ZERO, Duration.ofMinutes(1));
        RequestPlanner.Options o = new RequestPlanner.Options(
                (int) s.integer(
                        "max_registers_per_read", RequestPlanner.MAX_REGISTERS, 1, RequestPlanner.MAX_REGISTERS),
                (int) s.integer("max_bits_per_read", RequestPlanner.MAX_BITS, 1, RequestPlanner.MAX_BITS),
                (int) s.integer("gap_fill", RequestPlanner.Options.DEFAULT.gapRegisters(), 0, 124),
                (int) s.integer("gap_fill_bits", RequestPlanner.Options.DEFAULT.gapBits(), 0, 1999));
        RegisterMap map = RegisterMaps.read(s, problems);
        if (map != null) {
            for (RegisterDef r : map.registers()) {
                int max = r.function().isBits() ? o.maxBits() : o.maxRegisters();
                if (r.size() > max) {
                    s.error(
                            "max_registers_per_read",
                            r.displayName() + " (" + r.where() + ") needs " + r.size()
                                    + " registers in one read, more than max_registers_per_read " + max);
                }
            }
        }
        if (problems.all().size() > before || map == null) {
            return null;
        }
        return new ModbusDeviceConfig(name, endpoint, unit, timeout, retries, backoff, o, map);
    }
}
