package io.wattguard.cli;

import io.wattguard.meters.modbus.DataType;
import io.wattguard.meters.modbus.Endpoint;
import io.wattguard.meters.modbus.ModbusFunction;
import io.wattguard.meters.modbus.ModbusRead;
import io.wattguard.meters.modbus.WordOrder;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "modbus",
        mixinStandardHelpOptions = true,
        description = {"Field tools for Modbus devices (PDUs, meters).", "", "Run 'wattguard modbus read --help'."},
        subcommands = {ModbusCommand.Read.class})
final class ModbusCommand {
    // No call(): run without a subcommand, picocli reports it missing, which Main answers with usage and exit 2.

    @Command(
            name = "read",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Read registers once and show each value with its raw words.",
                "",
                "Each value comes with its Modicon reference number: the tool for writing a",
                "register map. Try types and word orders until the value matches the",
                "device's display, then copy address, type, order and scale into the map.",
                "",
                "--address 12 or 0x0C is the 0-based protocol address (what goes on the",
                "wire) in the table given by --function (holding if not given). A 5- or",
                "6-digit reference number such as 40001 or 300013 names its table by its",
                "first digit (0 coil, 1 discrete input, 3 input, 4 holding) and counts",
                "from 1: 40001 is holding address 0. Vendor manuals use both; values off",
                "by one register are the sign of the wrong one.",
                "",
                "Prints one line a value: TABLE ADDRESS (REFERENCE) RAW-WORDS-IN-HEX = VALUE",
                "Exit code 0 when every value was read, 1 when the device did not answer",
                "or refused, 2 for bad arguments.",
                ""
            },
            footer = {
                "",
                "Examples:",
                "  # Ten holding registers from reference 40001, as unsigned words:",
                "  wattguard modbus read 10.20.12.31 --address 40001 --count 10",
                "",
                "  # A float32 at input register 0 of a meter with unit id 3, behind an",
                "  # RS-485 gateway in transparent mode:",
                "  wattguard modbus read 10.20.0.40 --port 4001 --rtu-over-tcp --unit 3 \\",
                "      --function input --address 0 --type float32",
                "",
                "  # The same value from a device that sends the low word first",
                "  # (in the map: order: cdab):",
                "  wattguard modbus read 10.20.0.40 --address 300001 --type float32 \\",
                "      --order cdab",
                "",
                "  # Four energy counters in Wh as uint32, shown in kWh (map: scale: 0.001):",
                "  wattguard modbus read 10.20.12.31 --address 300105 --count 4 \\",
                "      --type uint32 --scale 0.001",
                "",
                "  # A model name in 8 registers; relay states from discrete inputs:",
                "  wattguard modbus read 10.20.12.31 --address 40031 --type string --length 8",
                "  wattguard modbus read 10.20.12.31 --address 100001 --count 24",
                "",
                "  # On an RS-485 adapter (8 data bits, 1 stop bit):",
                "  wattguard modbus read --serial /dev/ttyUSB0 --baud 9600 --parity none \\",
                "      --unit 7 --address 30001"
            })
    static final class Read implements Callable<Integer> {

        @Parameters(
                index = "0",
                arity = "0..1",
                paramLabel = "HOST",
                description = "the device's host name or address (TCP and RTU over TCP); leave out with --serial")
        String host;

        @Option(
                names = {"-p", "--port"},
                paramLabel = "PORT",
                defaultValue = "502",
                description = "TCP port (default: ${DEFAULT-VALUE})")
        int port;

        @Option(
                names = "--rtu-over-tcp",
                description = "RTU frames over the TCP socket (serial gateways in transparent mode)")
        boolean rtuOverTcp;

        @Option(
                names = "--serial",
                paramLabel = "DEVICE",
                description = "RTU on a serial device, e.g. /dev/ttyUSB0, instead of HOST")
        String serial;

        @Option(
                names = "--baud",
                paramLabel = "N",
                defaultValue = "19200",
                description = "serial speed (default: ${DEFAULT-VALUE})")
        int baud;

        @Option(
                names = "--parity",
                paramLabel = "P",
                defaultValue = "even",
                description = "serial parity: none, even, odd (default: ${DEFAULT-VALUE})")
        String parity;

        @Option(
                names = {"-u", "--unit"},
                paramLabel = "ID",
                defaultValue = "1",
                description = "unit (slave) id, 0 to 255 (default: ${DEFAULT-VALUE})")
        int unit;

        @Option(
                names = {"-f", "--function"},
                paramLabel = "TABLE",
                description =
                        "coil, discrete_input, holding or input; default holding, or the table a reference number names")
        String function;

        @Option(
                names = {"-a", "--address"},
                required = true,
                paramLabel = "ADDR",
                description = "0-based protocol address (decimal or 0x hex) or reference number (40001, 300013)")
        String address;

        @Option(
                names = {"-n", "--count"},
                paramLabel = "N",
                defaultValue = "1",
                description = "number of values, of --type each (default: ${DEFAULT-VALUE})")
        int count;

        @Option(
                names = {"-t", "--type"},
                paramLabel = "TYPE",
                defaultValue = "uint16",
                description =
                        "int16, uint16, int32, uint32, int64, uint64, float32, float64, string; coils and discrete inputs are bits (default: ${DEFAULT-VALUE})")
        String type;

        @Option(
                names = {"-o", "--order"},
                paramLabel = "ORDER",
                defaultValue = "abcd",
                description =
                        "word and byte order of multi-register values: abcd (high word first), cdab (low word first), badc, dcba (default: ${DEFAULT-VALUE})")
        String order;

        @Option(
                names = "--scale",
                paramLabel = "X",
                defaultValue = "1",
                description = "multiply each number by X, e.g. 0.1 (default: ${DEFAULT-VALUE})")
        double scale;

        @Option(
                names = "--length",
                paramLabel = "N",
                defaultValue = "0",
                description = "registers per value, for --type string")
        int length;

        @Option(
                names = "--timeout",
                paramLabel = "DURATION",
                defaultValue = "1s",
                description = "per request, connecting included, e.g. 500ms, 2s (default: ${DEFAULT-VALUE})")
        String timeout;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            ModbusRead.Request q = request();
            PrintWriter out = spec.commandLine().getOut();
            try {
                for (ModbusRead.Value v : ModbusRead.read(q)) {
                    out.println(v);
                }
                out.flush();
                return 0;
            } catch (IOException e) {
                throw new Failure("wattguard modbus read: " + q.endpoint() + " unit " + q.unit() + ": " + reason(e));
            }
        }

        private String reason(IOException e) {
            if (e instanceof java.net.ConnectException) {
                return "connection refused (nothing listens on that port, or a firewall rejects it)";
            }
            if (e instanceof java.net.SocketTimeoutException) {
                return "the device did not answer within --timeout " + timeout + " (on a slow or busy link raise it, "
                        + "e.g. --timeout 5s; if it never answers: wrong unit id, address or transport? try --unit, "
                        + "--rtu-over-tcp)";
            }
            if (e instanceof java.net.UnknownHostException) {
                return "unknown host " + e.getMessage();
            }
            String m = e.getMessage();
            return m == null ? e.getClass().getSimpleName() : m;
        }

        /** Every argument checked before anything is opened; a problem is bad input (exit 2). */
        ModbusRead.Request request() {
            Endpoint endpoint;
            if (serial != null) {
                if (host != null) {
                    throw new UserError("give either HOST or --serial DEVICE, not both");
                }
                if (rtuOverTcp) {
                    throw new UserError("--rtu-over-tcp is for TCP gateways; --serial is RTU already");
                }
                if (baud < 300 || baud > 4_000_000) {
                    throw new UserError("--baud: expected 300 to 4000000, found " + baud);
                }
                String par = parity.toLowerCase(Locale.ROOT);
                if (!Arrays.asList("none", "even", "odd").contains(par)) {
                    throw new UserError("--parity: expected none, even or odd, found '" + parity + "'");
                }
                endpoint =
                        new Endpoint(Endpoint.Transport.SERIAL, null, 0, new Endpoint.Serial(serial, baud, 8, par, 1));
            } else {
                if (host == null || host.isBlank()) {
                    throw new UserError(
                            "missing HOST (the device's address) or --serial DEVICE; see 'wattguard modbus read --help'");
                }
                if (port < 1 || port > 65535) {
                    throw new UserError("--port: expected 1 to 65535, found " + port);
                }
                endpoint = rtuOverTcp ? Endpoint.rtuOverTcp(host, port) : Endpoint.tcp(host, port);
            }
            if (unit < 0 || unit > 255) {
                throw new UserError("--unit: expected 0 to 255, found " + unit);
            }
            ModbusFunction f = function == null ? null : word("--function", function, ModbusFunction.class);
            String addr = address.trim();
            // Without --function a plain address is a holding register, the table most maps use.
            ModbusFunction table = f != null ? f : addr.matches("[0134]\\d{4,5}") ? null : ModbusFunction.HOLDING;
            ModbusRead.Address a;
            try {
                a = ModbusRead.parseAddress(addr, table);
            } catch (IllegalArgumentException e) {
                throw new UserError("--address: " + e.getMessage());
            }
            DataType t = word("--type", type, DataType.class);
            if (a.function().isBits()) {
                if (!"uint16".equalsIgnoreCase(type) && t != DataType.BIT) {
                    throw new UserError("--type: a " + a.function().word() + " holds single bits; leave --type out");
                }
                t = DataType.BIT;
            } else if (t == DataType.BIT) {
                throw new UserError("--type bit needs --function coil or discrete_input");
            }
            if (t == DataType.STRING && (length < 1 || length > 125)) {
                throw new UserError(
                        "--type string needs --length N: registers per value, 1 to 125 (two characters each)");
            }
            if (t != DataType.STRING && length != 0) {
                throw new UserError("--length only applies to --type string");
            }
            if (count < 1 || count > 2000) {
                throw new UserError("--count: expected 1 to 2000 values, found " + count);
            }
            int size = t == DataType.BIT ? 1 : t == DataType.STRING ? length : t.words();
            if ((long) a.address() + (long) count * size > 65536) {
                throw new UserError("--count: " + count + " values of " + size + " registers from address "
                        + a.address() + " run past the last address 65535");
            }
            WordOrder o = word("--order", order, WordOrder.class);
            if (scale == 0 || !Double.isFinite(scale)) {
                throw new UserError("--scale: expected a non-zero number such as 0.1, found " + scale);
            }
            return new ModbusRead.Request(
                    endpoint,
                    unit,
                    a.function(),
                    a.address(),
                    count,
                    t,
                    o,
                    scale,
                    length,
                    DurationOption.parse("--timeout", timeout, Duration.ofMillis(10), Duration.ofSeconds(60)));
        }

        private static <E extends Enum<E>> E word(String option, String text, Class<E> type) {
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(text.trim().replace('-', '_'))) {
                    return e;
                }
            }
            String[] names = Arrays.stream(type.getEnumConstants())
                    .map(e -> e.name().toLowerCase(Locale.ROOT))
                    .toArray(String[]::new);
            throw new UserError(option + ": expected one of " + String.join(", ", names) + ", found '" + text + "'"
                    + io.wattguard.config.Section.didYouMean(text, Arrays.asList(names)));
        }
    }
}
