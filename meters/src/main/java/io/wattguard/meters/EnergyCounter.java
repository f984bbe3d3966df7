package io.wattguard.meters;

import java.util.Locale;

/**
 * Turns a device's cumulative counter, which wraps at its register width and resets when the device is
 * replaced, restarted or cleared, into a series that only grows, so that energy over a month is last minus
 * first. Pure: the caller keeps one per counter and feeds it every value read. Every meter protocol uses this
 * one class (Modbus registers, OPC UA items), so a counter behaves the same whatever it was read over.
 *
 * <p>A drop is a wrap when the counter was within the top quarter of its range and lands in the bottom
 * quarter (the distance travelled across the wrap is then small). A drop of less than a tenth is a glitch
 * (a meter re-reading its own store after a restart, float rounding): the series holds its value until the
 * counter passes it again, because treating it as a reset would add the whole counter again as fake energy.
 * Any larger drop is a reset, after which counting continues from the value before the reset. Floating-point
 * counters have no width and only reset.
 */
public final class EnergyCounter {
    private final double modulus;
    private double last = Double.NaN;
    private double base;
    private Step lastStep = Step.FIRST;
    private String lastChange;

    /** @param modulus the scaled value at which the counter wraps (2^bits * scale), or 0 for none */
    public EnergyCounter(double modulus) {
        this.modulus = modulus;
    }

    /** What happened at the last {@link #next} call, for logs and tests. */
    public enum Step {
        FIRST,
        ADVANCE,
        WRAP,
        GLITCH,
        RESET
    }

    /** Feeds a counter value; returns the monotonic value. */
    public double next(double value) {
        Step before = lastStep;
        double previous = last;
        if (Double.isNaN(last)) {
            lastStep = Step.FIRST;
        } else if (value >= last) {
            lastStep = Step.ADVANCE;
        } else if (modulus > 0 && last >= modulus * 0.75 && value < modulus * 0.25) {
            base += modulus;
            lastStep = Step.WRAP;
        } else if (value >= last * 0.9) {
            lastStep = Step.GLITCH;
            // Said once when the hold starts, not at every value read while the counter catches up.
            lastChange = before == Step.GLITCH
                    ? null
                    : "went back from " + num(previous) + " to " + num(value)
                            + " (a restarted meter re-reading its store?); " + num(base + last)
                            + " is kept until the counter passes it";
            return base + last;
        } else {
            base += last;
            lastStep = Step.RESET;
        }
        last = value;
        lastChange = switch (lastStep) {
            case WRAP ->
                "wrapped from " + num(previous) + " to " + num(value) + " at its register width; the series "
                        + "carries on at " + num(base + value);
            case RESET ->
                "went back from " + num(previous) + " to " + num(value) + " (reset, cleared or replaced); "
                        + "the series carries on at " + num(base + value);
            default -> null;
        };
        return base + value;
    }

    public Step lastStep() {
        return lastStep;
    }

    /**
     * What the last {@link #next} did to the series in words for the operator's log ("went back from ... to
     * ..."), or null when the counter simply went on (or is still held after a step back already reported).
     */
    public String lastChange() {
        return lastChange;
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
