package io.wattguard.simulator.opcua;

/**
 * What the simulated meter reads for one channel and field at a moment. The synthetic site, the demo and tests
 * supply their own; {@link #plausible()} gives values shaped like a real three-phase meter.
 */
@FunctionalInterface
public interface MeterValues {
    double value(String channel, String field, long timeMs);

    /** A busy rack's feed: power swinging around 1.5 kW per channel, energy counting up, 230 V at 50 Hz. */
    static MeterValues plausible() {
        return (channel, field, t) -> {
            double phase = (channel.hashCode() & 0xff) / 40.0;
            double power = 1500 + 200 * Math.sin(t / 60_000.0 + phase);
            return switch (field) {
                case "power_w" -> power;
                case "energy_kwh" -> 1000 + t / 3_600_000.0 * 1.5;
                case "voltage_v" -> 230 + Math.sin(t / 7_000.0 + phase);
                case "current_a" -> power / 230;
                case "pf" -> 0.95;
                case "frequency_hz" -> 50 + 0.02 * Math.sin(t / 11_000.0);
                default -> 0;
            };
        };
    }
}
