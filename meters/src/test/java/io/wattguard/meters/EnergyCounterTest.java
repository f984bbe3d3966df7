package io.wattguard.meters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
        var r = new io.wattguard.meters.modbus.RegisterDef(
                "energy_kwh",
                "total",
                "meter",
                io.wattguard.meters.modbus.ModbusFunction.HOLDING,
                0,
                io.wattguard.meters.modbus.DataType.UINT32,
                io.wattguard.meters.modbus.WordOrder.ABCD,
                0,
                0.001,
                0,
                "kWh",
                java.util.List.of(),
                false,
                true,
                io.wattguard.meters.modbus.RegisterDef.Place.NONE);
        EnergyCounter c = r.newCounter();
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

    @Test
    void aMeterRestartedBelowItsLastValueIsHeldAndSaidOnce() {
        EnergyCounter c = new EnergyCounter(0);
        c.next(987658.86);
        assertNull(c.lastChange());
        assertEquals(987658.86, c.next(987654.42), "the stored series never goes backwards");
        assertEquals(
                "went back from 987658.860 to 987654.420 (a restarted meter re-reading its store?); 987658.860 "
                        + "is kept until the counter passes it",
                c.lastChange());
        assertEquals(987658.86, c.next(987656.0));
        assertNull(c.lastChange(), "said once, not at every value while the counter catches up");
        assertEquals(987659.5, c.next(987659.5), 1e-9);
    }

    @Test
    void aResetIsSaidWithWhereTheSeriesCarriesOn() {
        EnergyCounter c = new EnergyCounter(0);
        c.next(500);
        assertEquals(502, c.next(2));
        assertEquals(
                "went back from 500.000 to 2.000 (reset, cleared or replaced); the series carries on at 502.000",
                c.lastChange());
        c.next(3);
        assertNull(c.lastChange());
    }
}
