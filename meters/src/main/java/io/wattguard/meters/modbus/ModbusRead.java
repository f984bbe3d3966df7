package io.wattguard.meters.modbus;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One-shot reads for the {@code wattguard modbus read} field tool: read {@code count} values of one type
 * from consecutive addresses, and show each with its raw words, so that an operator writing a register map
 * can try types, word orders and scales against a real device.
 */
public final class ModbusRead {
    private ModbusRead() {}

    /**
     * What to read.
     *
     * @param address the 0-based protocol address of the first value (see {@link RegisterMaps} for how a
     *     reference number such as 40001 maps to it; {@link #parseAddress} accepts both)
     * @param count number of values (not registers)
     * @param length registers per value for {@link DataType#STRING}
     */
    public record Request(
            Endpoint endpoint,
            int unit,
            ModbusFunction function,
            int address,
            int count,
            DataType type,
            WordOrder order,
            double scale,
            int length,
            Duration timeout) {}

    /** A table and a 0-based protocol address. */
    public record Address(ModbusFunction function, int address) {}

    /** One value read: where, its raw words (or bit), and the decoded number or text. */
    public record Value(ModbusFunction function, int address, int[] raw, Double number, String text) {
        /** The Modicon reference number of its first register, e.g. 40001 for holding address 0. */
        public String reference() {
            return function.referenceDigit() + String.format("%05d", address + 1);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            sb.append(function.word())
                    .append(' ')
                    .append(address)
                    .append(" (")
                    .append(reference())
                    .append(") ");
            for (int w : raw) {
                sb.append(String.format("%04X ", w));
            }
            sb.append("= ");
            sb.append(text != null ? '"' + text + '"' : number == null ? "n/a" : number(number));
            return sb.toString();
        }

        /** An integral value as an integer (592, not 592.0; -1234567890123, not -1.234567890123E12). */
        static String number(double v) {
            if (v == Math.rint(v) && Math.abs(v) < 0x1p53) {
                return Long.toString((long) v);
            }
            return Double.toString(v);
        }
    }

    /**
     * A 0-based address from either spelling: a plain number or {@code 0x} hex is a protocol address for
     * {@code function}; a 5- or 6-digit Modicon reference ({@code 40001}, {@code 300013}) names its own table
     * when no function is given. Throws IllegalArgumentException with a message for the operator.
     */
    public static Address parseAddress(String text, ModbusFunction function) {
        boolean looksLikeReference = text.matches("[0134]\\d{4,5}") && !text.startsWith("0x");
        if (looksLikeReference && function == null) {
            int[] ref = RegisterMaps.parseReference(text);
            if (ref != null) {
                return new Address(ModbusFunction.ofReferenceDigit(ref[0]), ref[1]);
            }
        }
        Long a = RegisterMaps.parseInteger(text);
        if (a == null || a < 0 || a > 65535) {
            throw new IllegalArgumentException("expected an address from 0 to 65535 (decimal or 0x hex) or a reference "
                    + "number such as 40001, found '" + text + "'");
        }
        if (function == null) {
            throw new IllegalArgumentException("address " + text + " needs a table (coil, discrete_input, holding, "
                    + "input); or give a reference number such as 40001 whose first digit names it");
        }
        return new Address(function, a.intValue());
    }

    public static List<Value> read(Request q) throws IOException {
        if (q.count() < 1) {
            throw new IllegalArgumentException("count must be at least 1");
        }
        boolean bits = q.function().isBits();
        DataType type = bits ? DataType.BIT : q.type();
        if (!bits && type == DataType.BIT) {
            throw new IllegalArgumentException("type bit needs a coil or discrete_input table");
        }
        int size = type == DataType.BIT ? 1 : type == DataType.STRING ? q.length() : type.words();
        if (size < 1) {
            throw new IllegalArgumentException("type string needs a length in registers");
        }
        List<RegisterDef> regs = new ArrayList<>();
        for (int i = 0; i < q.count(); i++) {
            regs.add(new RegisterDef(
                    "value",
                    Integer.toString(i),
                    "meter",
                    q.function(),
                    q.address() + i * size,
                    type,
                    q.order(),
                    type == DataType.STRING ? size : 0,
                    q.scale(),
                    0,
                    null,
                    List.of(),
                    false,
                    false,
                    RegisterDef.Place.NONE));
        }
        List<RequestPlanner.Read> plan = RequestPlanner.plan(
                new RegisterMap("read", "", regs),
                new RequestPlanner.Options(RequestPlanner.MAX_REGISTERS, RequestPlanner.MAX_BITS, 0, 0));
        List<Value> out = new ArrayList<>();
        try (ModbusLink link = ModbusLink.open(q.endpoint())) {
            for (RequestPlanner.Read read : plan) {
                Response r = link.read(q.unit(), read.function(), read.start(), read.count(), (int)
                        q.timeout().toMillis());
                if (r.isException()) {
                    throw new IOException("device answered exception " + r.exceptionCode() + " ("
                            + Response.describe(r.exceptionCode()) + ") to " + read);
                }
                for (RequestPlanner.Slot slot : read.slots()) {
                    RegisterDef d = slot.register();
                    int at = slot.offset();
                    if (bits) {
                        out.add(new Value(
                                d.function(),
                                d.address(),
                                new int[] {r.bits()[at] ? 1 : 0},
                                r.bits()[at] ? 1.0 : 0.0,
                                null));
                        continue;
                    }
                    int[] raw = java.util.Arrays.copyOfRange(r.words(), at, at + size);
                    if (type == DataType.STRING) {
                        out.add(new Value(
                                d.function(),
                                d.address(),
                                raw,
                                null,
                                RegisterCodec.text(r.words(), at, size, q.order())));
                    } else {
                        double v = RegisterCodec.decoder(d).decode(r.words(), at);
                        out.add(new Value(d.function(), d.address(), raw, Double.isNaN(v) ? null : v, null));
                    }
                }
            }
        }
        return out;
    }
}
