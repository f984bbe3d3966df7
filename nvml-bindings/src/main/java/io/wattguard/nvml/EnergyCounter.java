package io.wattguard.nvml;

/**
 * Turns NVML's energy counter (millijoules since the driver loaded) into a cumulative value that only grows.
 * A reading below the previous one means the driver reloaded and the counter restarted from zero: the energy
 * used since the restart is the new reading itself, so it is added whole. Pure, and not thread-safe: keep one
 * per GPU in the poller that owns it.
 */
public final class EnergyCounter {
    private long last = -1;
    private long cumulative;
    private int resets;

    /** Feeds one raw reading; returns the cumulative millijoules, starting from the first reading. */
    public long update(long rawMillijoules) {
        if (rawMillijoules < 0) {
            throw new IllegalArgumentException("energy counter reading is negative: " + rawMillijoules);
        }
        if (last < 0) {
            cumulative = rawMillijoules;
        } else if (rawMillijoules >= last) {
            cumulative += rawMillijoules - last;
        } else {
            cumulative += rawMillijoules;
            resets++;
        }
        last = rawMillijoules;
        return cumulative;
    }

    public long cumulativeMillijoules() {
        return cumulative;
    }

    public double cumulativeJoules() {
        return cumulative / 1000.0;
    }

    /** How many counter restarts were seen. */
    public int resets() {
        return resets;
    }
}
