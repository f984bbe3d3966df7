package io.wattguard.simulator.modbus;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a simulated PDU measures at one moment: its inlet voltage and frequency and each outlet's draw. The
 * inlet's current, power and energy are the sums over outlets, as on a real PDU (minus its own losses, which
 * the simulation leaves out).
 */
public record PduState(double voltageV, double frequencyHz, List<Outlet> outlets) {
    /** One outlet; energy is the cumulative counter in kWh. NaN for a value the device cannot measure. */
    public record Outlet(boolean on, double currentA, double pf, double powerW, double energyKwh) {}

    public PduState {
        outlets = List.copyOf(outlets);
    }

    /** The values keyed as {@link ModbusDeviceSimulator} serves them, for the {@code generic-pdu} profile. */
    public Map<String, Double> values() {
        Map<String, Double> m = new HashMap<>();
        double current = 0;
        double power = 0;
        double energy = 0;
        for (int i = 0; i < outlets.size(); i++) {
            Outlet o = outlets.get(i);
            String ch = "outlet/" + (i + 1) + "/";
            m.put(ch + "on", o.on() ? 1.0 : 0.0);
            m.put(ch + "current_a", o.currentA());
            m.put(ch + "pf", o.pf());
            m.put(ch + "power_w", o.powerW());
            m.put(ch + "energy_kwh", o.energyKwh());
            current += nz(o.currentA());
            power += nz(o.powerW());
            energy += nz(o.energyKwh());
        }
        m.put("inlet/inlet/voltage_v", voltageV);
        m.put("inlet/inlet/frequency_hz", frequencyHz);
        m.put("inlet/inlet/current_a", current);
        m.put("inlet/inlet/power_w", power);
        m.put("inlet/inlet/energy_kwh", energy);
        m.put("inlet/inlet/pf", current > 0 && voltageV > 0 ? Math.min(1, power / (voltageV * current)) : Double.NaN);
        return m;
    }

    private static double nz(double d) {
        return Double.isNaN(d) ? 0 : d;
    }
}
