package io.wattguard.meters.modbus;

import io.wattguard.config.ConfigNode;
import io.wattguard.config.Problem;
import io.wattguard.config.Problems;
import io.wattguard.config.Section;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads register maps and device profiles from YAML and validates them, reporting every problem at once
 * with its file, line, column and key path.
 *
 * <h2>Addresses</h2>
 * Vendor manuals write addresses two ways, and confusing them shifts every value by one register:
 * <ul>
 *   <li>{@code address:} the 0-based protocol address that goes on the wire (decimal or {@code 0x} hex), as
 *   in "register 0x000C". The table is given by {@code function:}.</li>
 *   <li>{@code reference:} a Modicon reference number, 1-based, whose first digit names the table:
 *   {@code 0xxxx} coils, {@code 1xxxx} discrete inputs, {@code 3xxxx} input registers, {@code 4xxxx}
 *   holding registers; five digits ({@code 30013}) or six ({@code 300013}). {@code 30013} is input
 *   register address 12. Write it quoted when it starts with 0 ({@code "00017"}), else YAML reads a
 *   number.</li>
 * </ul>
 * Exactly one of the two is given. A {@code function:} next to a {@code reference:} must agree with it.
 *
 * <h2>A register</h2>
 * <pre>
 * - field: power_w          # field of the meter measurement
 *   channel: "3"            # outlet id, phase or total (default: total)
 *   kind: outlet            # outlet, inlet, branch or meter (default: meter)
 *   function: input         # coil, discrete_input, holding, input
 *   address: 0x000C         # or reference: 30013
 *   type: float32           # bit, int16, uint16, int32, uint32, int64, uint64, float32, float64, string
 *   order: cdab             # abcd (default), cdab, badc, dcba
 *   scale: 0.1              # value = raw * scale + offset
 *   offset: 0
 *   unit: W
 *   length: 8               # registers, strings only
 *   not_available: [0xFFFF, nan]   # raw patterns that mean "no value": the field is omitted
 *   counter: true           # cumulative: wraps and resets unwrapped (default: true for energy_* fields)
 * </pre>
 * A device section or profile may carry {@code defaults:} with any of channel, kind, function, type, order,
 * scale and unit.
 */
public final class RegisterMaps {
    public static final Set<String> KINDS = Set.of("outlet", "inlet", "branch", "meter");
    /** Profiles shipped in the jar, by the name used in {@code profile:}. */
    public static final List<String> PROFILES =
            List.of("generic-three-phase", "generic-pdu", "eastron-sdm630", "eastron-sdm120");

    private static final String PROFILE_DIR = "/io/wattguard/meters/modbus/profiles/";

    private RegisterMaps() {}

    /** Values a register inherits when it does not say. */
    record Defaults(
            String channel,
            String kind,
            ModbusFunction function,
            DataType type,
            WordOrder order,
            double scale,
            String unit) {
        static final Defaults NONE = new Defaults("total", "meter", null, null, WordOrder.ABCD, 1.0, null);

        Defaults read(Section s) {
            Defaults d = new Defaults(
                    s.string("channel", channel),
                    s.string("kind", kind),
                    s.choice("function", function, ModbusFunction.class),
                    s.choice("type", type, DataType.class),
                    s.choice("order", order, WordOrder.class),
                    s.number("scale", scale, -1e12, 1e12),
                    s.string("unit", unit));
            s.finish();
            return d;
        }
    }

    /**
     * The register map of one device section: a shipped {@code profile:} (with {@code outlets:} for PDU
     * templates) and/or its own {@code registers:}. Returns null, with problems reported, when nothing
     * usable is there. Marks only its own keys as read; the caller calls {@code finish()} on the section.
     */
    public static RegisterMap read(Section device, Problems problems) {
        String profile = device.string("profile", null);
        Map<String, Long> params = new HashMap<>();
        if (device.has("outlets")) {
            params.put("outlets", device.integer("outlets", 8, 1, 1024));
        }
        Defaults defaults = device.has("defaults") ? Defaults.NONE.read(device.section("defaults")) : Defaults.NONE;
        List<RegisterDef> regs = new ArrayList<>();
        String name = "custom";
        String source = "";
        if (profile != null) {
            RegisterMap p = profile(profile, params, problems, device, "profile");
            if (p == null && !device.has("registers")) {
                return null;
            }
            if (p != null) {
                regs.addAll(p.registers());
                name = p.name();
                source = p.source();
            }
        }
        regs.addAll(readRegisters(device, "registers", defaults));
        if (profile == null && !device.has("registers")) {
            device.error(
                    "registers",
                    "a Modbus device needs a profile: (one of " + String.join(", ", PROFILES)
                            + ") or its own registers:");
            return null;
        }
        RegisterMap map =
                new RegisterMap(profile != null && device.has("registers") ? name + "+custom" : name, source, regs);
        validate(map, problems);
        return map;
    }

    /** A shipped profile; {@code params} fills its template ({@code outlets} for PDUs). */
    public static RegisterMap profile(String name, Map<String, Long> params, Problems problems) {
        return profile(name, params, problems, null, null);
    }

    private static RegisterMap profile(
            String name, Map<String, Long> params, Problems problems, Section at, String key) {
        String resource = PROFILE_DIR + name + ".yaml";
        try (InputStream in = RegisterMaps.class.getResourceAsStream(resource)) {
            if (in == null) {
                String msg = "unknown profile '" + name + "'" + Section.didYouMean(name, PROFILES)
                        + "; shipped profiles: " + String.join(", ", PROFILES);
                if (at != null) {
                    at.error(key, msg);
                } else {
                    problems.add("(profiles)", msg);
                }
                return null;
            }
            ConfigNode root =
                    ConfigNode.parse("profile " + name, new InputStreamReader(in, StandardCharsets.UTF_8), problems);
            Section s = new Section(root, "", new Section.Context(problems, k -> null, Path.of(".")));
            return readProfile(s, params, problems, at);
        } catch (IOException e) {
            problems.add(resource, "cannot read profile: " + e.getMessage());
            return null;
        }
    }

    private static RegisterMap readProfile(Section s, Map<String, Long> params, Problems problems, Section device) {
        String name = s.requiredString("name", "the profile name");
        s.string("description", null);
        String source = s.requiredString("source", "the document the addresses come from");
        Map<String, Long> values = new HashMap<>();
        Section ps = s.section("parameters");
        for (String p : ps.keys()) {
            Section one = ps.section(p);
            long min = one.integer("min", 1, 0, Integer.MAX_VALUE);
            long max = one.integer("max", Integer.MAX_VALUE, 0, Integer.MAX_VALUE);
            long def = one.integer("default", min, min, max);
            one.finish();
            long v = params.getOrDefault(p, def);
            if (v < min || v > max) {
                String msg = "profile " + name + " takes " + p + " from " + min + " to " + max + ", found " + v;
                if (device != null) {
                    device.error(p, msg);
                } else {
                    problems.add("profile " + name, msg);
                }
                v = def;
            }
            values.put(p, v);
        }
        for (String p : params.keySet()) {
            if (!values.containsKey(p)) {
                String msg = "profile " + name + " takes no " + p
                        + (values.isEmpty() ? "" : " (it takes " + String.join(", ", values.keySet()) + ")");
                if (device != null) {
                    device.error(p, msg);
                } else {
                    problems.add("profile " + name, msg);
                }
            }
        }
        Defaults defaults = s.has("defaults") ? Defaults.NONE.read(s.section("defaults")) : Defaults.NONE;
        List<RegisterDef> regs = new ArrayList<>(readRegisters(s, "registers", defaults));
        for (Section block : s.sections("repeat")) {
            String countParam = block.requiredString("count", "the parameter giving the number of repetitions");
            int stride = (int) block.integer("stride", 1, 0, 65535);
            Long count = countParam == null ? null : values.get(countParam);
            if (countParam != null && count == null) {
                block.error("count", "no parameter '" + countParam + "' in parameters:");
            }
            Defaults bd = block.has("defaults") ? defaults.read(block.section("defaults")) : defaults;
            List<RegisterDef> template = readRegisters(block, "registers", bd);
            block.finish();
            for (int n = 1; count != null && n <= count; n++) {
                for (RegisterDef r : template) {
                    regs.add(r.withAddress(
                            r.address() + (n - 1) * stride, r.channel().replace("{n}", Integer.toString(n))));
                }
            }
        }
        s.finish();
        return new RegisterMap(name, source, regs);
    }

    /** Reads the list of registers under {@code key}. */
    static List<RegisterDef> readRegisters(Section parent, String key, Defaults d) {
        List<RegisterDef> out = new ArrayList<>();
        for (Section s : parent.sections(key)) {
            RegisterDef r = readRegister(s, d);
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    static RegisterDef readRegister(Section s, Defaults d) {
        ConfigNode n = s.node();
        RegisterDef.Place place = new RegisterDef.Place(n.file(), n.line(), n.column(), s.path());
        String field = s.requiredString("field", "the field name, e.g. power_w");
        String channel = s.string("channel", d.channel());
        String kind = s.string("kind", d.kind());
        if (kind != null && !KINDS.contains(kind)) {
            s.error(
                    "kind",
                    "expected one of outlet, inlet, branch, meter, found '" + kind + "'"
                            + Section.didYouMean(kind, KINDS));
        }
        ModbusFunction function = s.choice("function", null, ModbusFunction.class);
        String addressText = s.string("address", null);
        String referenceText = s.string("reference", null);
        int address = -1;
        if (addressText != null && referenceText != null) {
            s.error(
                    "reference",
                    "give either address: (0-based protocol address) or reference: (Modicon number "
                            + "such as 40001), not both");
        } else if (addressText != null) {
            Long a = parseInteger(addressText);
            if (a == null || a < 0 || a > 65535) {
                s.error(
                        "address",
                        "expected a 0-based protocol address from 0 to 65535 (decimal or 0x hex), found '" + addressText
                                + "'");
            } else {
                address = a.intValue();
            }
        } else if (referenceText != null) {
            int[] ref = parseReference(referenceText);
            if (ref == null) {
                s.error(
                        "reference",
                        "expected a Modicon reference number such as 40001 or 300013 (first digit 0, 1, "
                                + "3 or 4 names the table, the rest counts from 1), found '" + referenceText + "'");
            } else {
                ModbusFunction implied = ModbusFunction.ofReferenceDigit(ref[0]);
                if (function != null && function != implied) {
                    s.error(
                            "function",
                            "reference " + referenceText + " is a " + implied.word() + " register but "
                                    + "function says " + function.word());
                }
                function = implied;
                address = ref[1];
            }
        } else {
            s.error("missing required key 'address' (0-based protocol address) or 'reference' (Modicon number such "
                    + "as 40001)");
        }
        if (function == null) {
            function = d.function();
        }
        if (function == null && address >= 0) {
            s.error("missing required key 'function' (coil, discrete_input, holding or input)");
        }
        DataType defType =
                d.type() != null ? d.type() : function != null && function.isBits() ? DataType.BIT : DataType.UINT16;
        DataType type = s.choice("type", defType, DataType.class);
        WordOrder order = s.choice("order", d.order(), WordOrder.class);
        int length = (int) s.integer("length", 0, 1, 125);
        double scale = s.number("scale", d.scale(), -1e12, 1e12);
        if (scale == 0) {
            s.error("scale", "scale 0 would turn every value into the offset");
        }
        double offset = s.number("offset", 0, -1e15, 1e15);
        String unit = s.string("unit", d.unit());
        List<Long> sentinels = new ArrayList<>();
        boolean nan = false;
        for (String t : s.strings("not_available")) {
            if (t.equalsIgnoreCase("nan")) {
                nan = true;
                continue;
            }
            Long v = parseInteger(t);
            if (v == null) {
                s.error(
                        "not_available",
                        "expected raw register values such as 0xFFFF, 0x8000 or nan, found '" + t + "'");
            } else {
                sentinels.add(v);
            }
        }
        boolean counter = s.bool("counter", field != null && field.startsWith("energy"));
        s.finish();
        if (field == null || address < 0 || function == null || kind == null || channel == null) {
            return null;
        }
        return new RegisterDef(
                field, channel, kind, function, address, type, order, length, scale, offset, unit, sentinels, nan,
                counter, place);
    }

    /** Decimal, {@code 0x} hex or {@code 0b} binary; underscores allowed. */
    static Long parseInteger(String text) {
        String t = text.trim().replace("_", "").toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("0x")) {
                return Long.parseUnsignedLong(t.substring(2), 16);
            }
            if (t.startsWith("0b")) {
                return Long.parseUnsignedLong(t.substring(2), 2);
            }
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** {table digit, 0-based address} of a Modicon reference, or null. */
    static int[] parseReference(String text) {
        String t = text.trim();
        if (!t.matches("[0134]\\d{4,5}")) {
            return null;
        }
        int digit = t.charAt(0) - '0';
        int n = Integer.parseInt(t.substring(1));
        if (n < 1 || n > 65536) {
            return null;
        }
        return new int[] {digit, n - 1};
    }

    /** Checks a whole map and reports every problem found; returns true when it is usable. */
    public static boolean validate(RegisterMap map, Problems problems) {
        int before = problems.all().size();
        Map<String, RegisterDef> byField = new HashMap<>();
        for (RegisterDef r : map.registers()) {
            DataType t = r.type();
            if (r.function().isBits() != (t == DataType.BIT)) {
                report(
                        problems,
                        r,
                        t == DataType.BIT
                                ? "type bit needs function coil or discrete_input, found "
                                        + r.function().word()
                                : "a " + r.function().word() + " holds single bits: type must be bit, found "
                                        + t.word());
            }
            if (t == DataType.STRING && r.length() <= 0) {
                report(problems, r, "type string needs length: (registers, two characters each)");
            }
            if (t != DataType.STRING && r.length() > 0) {
                report(problems, r, "length: only applies to type string (" + t.word() + " has a fixed size)");
            }
            if (r.end() > 65536) {
                report(problems, r, "runs past the last address 65535 (" + r.address() + " + " + r.size() + ")");
            }
            int bits = t == DataType.BIT || t == DataType.STRING ? 16 : 16 * t.words();
            for (long s : r.notAvailable()) {
                if (bits < 64 && (s < 0 || s >= (1L << bits))) {
                    report(
                            problems,
                            r,
                            String.format(
                                    "not_available 0x%X does not fit in %s (give the raw register "
                                            + "pattern, e.g. 0x8000 for int16)",
                                    s, t.word()));
                }
            }
            if (r.nanIsNotAvailable() && !t.isFloat()) {
                report(problems, r, "not_available nan only applies to float32 and float64");
            }
            if (r.counter() && !(t.isInteger() || t.isFloat())) {
                report(problems, r, "counter: true needs a numeric type, found " + t.word());
            }
            if (t != DataType.STRING) {
                String key = r.kind() + "/" + r.channel() + "/" + r.field();
                RegisterDef prev = byField.putIfAbsent(key, r);
                if (prev != null) {
                    report(
                            problems,
                            r,
                            "field " + r.field() + " of " + r.kind() + " " + r.channel()
                                    + " is already read at " + prev.where() + " ("
                                    + prev.function().word() + " "
                                    + prev.address() + ")");
                }
            }
        }
        for (ModbusFunction f : ModbusFunction.values()) {
            List<RegisterDef> regs = map.registers().stream()
                    .filter(r -> r.function() == f)
                    .sorted(Comparator.comparingInt(RegisterDef::address))
                    .toList();
            RegisterDef reach = null;
            for (RegisterDef r : regs) {
                if (reach != null && r.address() < reach.end()) {
                    report(
                            problems,
                            r,
                            r.displayName() + " (" + f.word() + " " + r.address() + ".." + (r.end() - 1)
                                    + ") overlaps " + reach.displayName() + " (" + reach.address() + ".."
                                    + (reach.end() - 1)
                                    + ", " + reach.where() + ")");
                }
                if (reach == null || r.end() > reach.end()) {
                    reach = r;
                }
            }
        }
        return problems.all().size() == before;
    }

    private static void report(Problems problems, RegisterDef r, String message) {
        RegisterDef.Place p = r.where();
        problems.add(new Problem(p.file(), p.line(), p.column(), p.path(), message));
    }
}
