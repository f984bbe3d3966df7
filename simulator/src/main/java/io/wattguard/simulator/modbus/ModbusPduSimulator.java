package io.wattguard.simulator.modbus;

import io.wattguard.config.Problems;
import io.wattguard.meters.modbus.RegisterMap;
import io.wattguard.meters.modbus.RegisterMaps;
import java.io.IOException;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A metered PDU with N outlets speaking Modbus TCP on loopback, laid out by the shipped {@code generic-pdu}
 * profile, so the collector reads it with {@code profile: generic-pdu} and {@code outlets: N}.
 */
public final class ModbusPduSimulator {
    private ModbusPduSimulator() {}

    /** The register map the simulator serves for {@code outlets} outlets. */
    public static RegisterMap map(int outlets) {
        Problems problems = new Problems();
        RegisterMap map = RegisterMaps.profile("generic-pdu", Map.of("outlets", (long) outlets), problems);
        problems.throwIfAny();
        return map;
    }

    /** Starts a PDU on {@code port} (0: any free port); the state is asked for at every request. */
    public static ModbusDeviceSimulator start(int outlets, Supplier<PduState> state, int port) throws IOException {
        return new ModbusDeviceSimulator(map(outlets), () -> state.get().values(), port);
    }
}
