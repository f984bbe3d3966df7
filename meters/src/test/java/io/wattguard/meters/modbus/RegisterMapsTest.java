package io.wattguard.meters.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.config.Problem;
import io.wattguard.config.Problems;
import io.wattguard.config.Section;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegisterMapsTest {
    private final Problems problems = new Problems();

    private RegisterMap read(String yaml) {
        Section s = Maps.section(yaml, problems);
        RegisterMap m = RegisterMaps.read(s, problems);
        s.finish();
        return m;
    }

    private List<String> messages() {
        return problems.all().stream().map(Problem::toString).toList();
    }

    @Test
    void addressesAndReferenceNumbersNameTheSameRegisters() {
        RegisterMap m = read("""
                registers:
                  - {field: a, function: holding, address: 12}
                  - {field: b, function: input, address: 0x0010}
                  - {field: c, reference: 30013}
                  - {field: d, reference: 400101, type: float32}
                  - {field: e, reference: "00017"}
                  - {field: f, reference: 10001}
                """);
        assertTrue(problems.isEmpty(), problems.toString());
        List<RegisterDef> r = m.registers();
        assertEquals(
                List.of(
                        ModbusFunction.HOLDING,
                        ModbusFunction.INPUT,
                        ModbusFunction.INPUT,
                        ModbusFunction.HOLDING,
                        ModbusFunction.COIL,
                        ModbusFunction.DISCRETE_INPUT),
                r.stream().map(RegisterDef::function).toList());
        assertEquals(
                List.of(12, 16, 12, 100, 16, 0),
                r.stream().map(RegisterDef::address).toList());
        assertEquals(DataType.BIT, r.get(4).type(), "coils default to bit");
        assertEquals(DataType.UINT16, r.get(0).type(), "registers default to uint16");
    }

    @Test
    void everyProblemOfAMapIsReportedAtOnceWithItsPlace() {
        RegisterMap m = read("""
                registers:
                  - {field: power_w, function: holding, address: 0, type: float32}
                  - {field: current_a, function: holding, address: 1}
                  - {field: on, function: holding, address: 5, type: bit}
                  - {field: state, function: coil, address: 0, type: uint16}
                  - {field: model, function: holding, address: 10, type: string}
                  - {field: pf, function: input, reference: 40001}
                  - {field: voltage_v, function: holding, address: 70000}
                  - {field: x, function: holdng, address: 20, sacle: 2}
                  - {field: current_a, function: input, address: 30, kind: outlett, not_available: [0x10000]}
                  - {field: current_a, function: input, address: 31}
                """);
        assertNotNull(m);
        assertEquals(
                List.of(
                        "t.yaml:7:27: registers[5].function: reference 40001 is a holding register but function says input",
                        "t.yaml:8:52: registers[6].address: expected a 0-based protocol address from 0 to 65535 (decimal or 0x hex),"
                                + " found '70000'",
                        "t.yaml:9:26: registers[7].function: expected one of coil, discrete_input, holding, input, found 'holdng'"
                                + " (did you mean 'holding'?)",
                        "t.yaml:9:5: registers[7]: missing required key 'function' (coil, discrete_input, holding or input)",
                        "t.yaml:9:54: registers[7].sacle: unknown key (did you mean 'scale'?); known keys here: field, channel,"
                                + " kind, function, address, reference, type, order, length, scale, offset, unit, not_available,"
                                + " counter",
                        "t.yaml:10:60: registers[8].kind: expected one of outlet, inlet, branch, meter, found 'outlett'"
                                + " (did you mean 'outlet'?)",
                        "t.yaml:4:5: registers[2]: type bit needs function coil or discrete_input, found holding",
                        "t.yaml:5:5: registers[3]: a coil holds single bits: type must be bit, found uint16",
                        "t.yaml:6:5: registers[4]: type string needs length: (registers, two characters each)",
                        "t.yaml:10:5: registers[8]: not_available 0x10000 does not fit in uint16 (give the raw register pattern,"
                                + " e.g. 0x8000 for int16)",
                        "t.yaml:11:5: registers[9]: field current_a of meter total is already read at t.yaml:3:5 (holding 1)",
                        "t.yaml:7:5: registers[5]: meter total pf (holding 0..0) overlaps meter total power_w (0..1, t.yaml:2:5)",
                        "t.yaml:3:5: registers[1]: meter total current_a (holding 1..1) overlaps meter total power_w (0..1,"
                                + " t.yaml:2:5)"),
                messages());
    }

    @Test
    void everyShippedProfileLoadsCleanly() {
        for (String name : RegisterMaps.PROFILES) {
            RegisterMap m = RegisterMaps.profile(name, Map.of(), problems);
            assertNotNull(m, name);
            assertTrue(RegisterMaps.validate(m, problems), name + ": " + problems);
            assertTrue(!m.source().isBlank(), name + " names its source");
            assertEquals(name, m.name());
        }
        assertTrue(problems.isEmpty(), problems.toString());
    }

    @Test
    void thePduTemplateRepeatsPerOutlet() {
        RegisterMap m = RegisterMaps.profile("generic-pdu", Map.of("outlets", 24L), problems);
        assertTrue(problems.isEmpty(), problems.toString());
        assertEquals(6 + 24 * 5, m.registers().size());
        RegisterDef last = m.registers().stream()
                .filter(r -> r.channel().equals("24") && r.field().equals("energy_kwh"))
                .findFirst()
                .orElseThrow();
        assertEquals(100 + 23 * 8 + 4, last.address());
        assertEquals("outlet", last.kind());
        assertEquals(DataType.UINT64, last.type());
        RegisterDef on = m.registers().stream()
                .filter(r -> r.channel().equals("24") && r.field().equals("on"))
                .findFirst()
                .orElseThrow();
        assertEquals(ModbusFunction.DISCRETE_INPUT, on.function());
        assertEquals(23, on.address());
    }

    @Test
    void unknownProfilesAndOutOfRangeParametersAreNamed() {
        assertNull(read("profile: generic-pdus\n"));
        read("profile: generic-pdu\noutlets: 200\n");
        read("profile: eastron-sdm630\noutlets: 4\n");
        assertEquals(
                List.of(
                        "t.yaml:1:10: profile: unknown profile 'generic-pdus' (did you mean 'generic-pdu'?); shipped profiles: "
                                + "generic-three-phase, generic-pdu, eastron-sdm630, eastron-sdm120",
                        "t.yaml:2:10: outlets: profile generic-pdu takes outlets from 1 to 96, found 200",
                        "t.yaml:2:10: outlets: profile eastron-sdm630 takes no outlets"),
                messages());
    }

    @Test
    void aProfilePlusOwnRegistersIsCheckedAsOneMap() {
        RegisterMap m = read("""
                profile: eastron-sdm120
                registers:
                  - {field: serial, function: holding, address: 0xFC00, type: uint32}
                  - {field: voltage_v, function: input, address: 1}
                """);
        assertEquals("eastron-sdm120+custom", m.name());
        assertEquals(2, problems.all().size(), problems.toString());
        assertTrue(
                messages().get(0).contains("field voltage_v of meter total is already read at profile eastron-sdm120:"),
                messages().get(0));
        assertTrue(
                messages().get(1).contains("overlaps meter total voltage_v (0..1, profile eastron-sdm120:"),
                messages().get(1));
    }
}
