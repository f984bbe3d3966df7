package io.wattguard.meters.modbus;

/**
 * Turns a device's cumulative counter, which wraps at its register width and resets when the device is
 * replaced or cleared, into a series that only grows, so that energy over a month is last minus first.
 * Pure: the caller keeps one per counter and feeds it every value read.
 *
 * <p>A drop is a wrap when the counter was within the top quarter of its range and lands in the bottom
 * quarter (the distance travelled across the wrap is then small). A drop of less than a tenth is a glitch
 * (a meter re-reading its own store, float rounding): the series holds its value, because treating it as a
 * reset would add the whole counter again as fake energy. Any larger drop is a reset, after which counting
 * continues from the value before the reset. Floating-point counters have no width and only reset.
 */
public final class EnergyCounter {
    private final double modulus;
    private double last = Double.NaN;
    private double base;

    /** @param modulus the scaled value at which the counter wraps (2^bits * scale), or 0 for none */
    public EnergyCounter(double modulus) {
        this.modulus = modulus;
    }

    /** The counter of a register: its wrap point after scaling, none for floats. */
    public static EnergyCounter of(RegisterDef r) {
        DataType t = r.type();
        double m = t.isInteger() && !t.isSigned() ? Math.pow(2, 16 * t.words()) * Math.abs(r.scale()) : 0;
        return new EnergyCounter(m);
    }

    /** What happened at the last {@link #next} call, for logs and tests. */
    public enum Step { FIRST, ADVANCE, WRAP, GLITCH, RESET }

    private Step lastStep = Step.FIRST;

    /** Feeds a counter value; returns the monotonic value. */
    public double next(double value) {
        if (Double.isNaN(last)) {
            lastStep = Step.FIRST;
        } else if (value >= last) {
            lastStep = Step.ADVANCE;
        } else if (modulus > 0 && last >= modulus * 0.75 && value < modulus * 0.25) {
            base += modulus;
            lastStep = Step.WRAP;
        } else if (value >= last * 0.9) {
            lastStep = Step.GLITCH;
            return base + last;
        } else {
            base += last;
            lastStep = Step.RESET;
        }
        last = value;
        return base + value;
    }

    public Step lastStep() {
        return lastStep;
    }
}
