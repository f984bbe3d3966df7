package io.wattguard.meters.modbus;

import java.util.List;

/**
 * A device's register map: what to read and how each value becomes a reading.
 *
 * @param name the profile name or {@code custom}
 * @param source the vendor document the addresses come from, for shipped real-device profiles
 */
public record RegisterMap(String name, String source, List<RegisterDef> registers) {
    public RegisterMap {
        registers = List.copyOf(registers);
    }
}
