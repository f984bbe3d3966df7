package io.wattguard.meters.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class EnergyCounterTest {
    @Test
    void wrapsAtTheRegisterWidthAreUnwrapped() {
        EnergyCounter c = new EnergyCounter(65536);
        assertEquals(65000, c.next(65000));
        assertEquals(65500, c.next(65500));
        assertEquals(65536 + 100, c.next(100));
        assertEquals(EnergyCounter.Step.WRAP, c.lastStep());
        assertEquals(65536 + 200, c.next(200));
        assertEquals(EnergyCounter.Step.ADVANCE, c.lastStep());
    }

    @Test
    void aResetContinuesFromTheLastValue() {
        EnergyCounter c = new EnergyCounter(4294967296.0);
        c.next(1000);
        assertEquals(1000 + 5, c.next(5), "meter replaced or cleared: counting goes on from 1000");
        assertEquals(EnergyCounter.Step.RESET, c.lastStep());
        assertEquals(1000 + 15, c.next(15));
    }

    @Test
    void floatCountersOnlyReset() {
        EnergyCounter c = new EnergyCounter(0);
        c.next(12345.5);
        assertEquals(12345.5 + 0.5, c.next(0.5));
        assertEquals(EnergyCounter.Step.RESET, c.lastStep());
    }

    @Test
    void scaledUint32CounterWrapsAtItsScaledWidth() {
        RegisterDef r = new RegisterDef("energy_kwh", "total", "meter", ModbusFunction.HOLDING, 0, DataType.UINT32,
                WordOrder.ABCD, 0, 0.001, 0, "kWh", java.util.List.of(), false, true, RegisterDef.Place.NONE);
        EnergyCounter c = EnergyCounter.of(r);
        c.next(4294967.0);
        assertEquals(4294967.296 + 0.1, c.next(0.1), 1e-6);
    }

    @Test
    void aSmallStepBackIsHeldNotTakenAsAReset() {
        EnergyCounter c = new EnergyCounter(0);
        c.next(12345.6);
        assertEquals(12345.6, c.next(12345.5), "no fake energy from a glitch");
        assertEquals(EnergyCounter.Step.GLITCH, c.lastStep());
        assertEquals(12345.7, c.next(12345.7), 1e-9);
        assertEquals(EnergyCounter.Step.ADVANCE, c.lastStep());
    }
}
