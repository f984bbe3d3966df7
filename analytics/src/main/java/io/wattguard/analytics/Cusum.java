package io.wattguard.analytics;

/**
 * One-sided (upper) CUSUM on standardised residuals: {@code S = max(0, S + z - k)}, alarm when {@code S > h}.
 * It accumulates small persistent excesses that no single sample would reveal, which is what a miner capped
 * at 60% of its power limit looks like. With {@code k = 0.5} (tuned to a one-sigma shift) and {@code h = 5} the
 * in-control average run length of this one-sided scheme is about 930 samples (465 for the two-sided scheme
 * of the textbook tables) and a one-sigma shift is flagged after about 10.
 */
public final class Cusum {
    private final double k;
    private final double h;
    private double s;
    private int run;

    public Cusum(double k, double h) {
        if (k < 0 || h <= 0) {
            throw new IllegalArgumentException("k must be >= 0 and h > 0");
        }
        this.k = k;
        this.h = h;
    }

    /** Adds one standardised residual; true while the statistic is above the threshold. */
    public boolean update(double z) {
        s = Math.max(0, s + z - k);
        run = s > 0 ? run + 1 : 0;
        return s > h;
    }

    public double value() {
        return s;
    }

    /**
     * Samples since the statistic last left zero: the change point estimate, so an episode's start can be
     * dated back to when the excess began rather than when the alarm fired.
     */
    public int runLength() {
        return run;
    }

    public void reset() {
        s = 0;
        run = 0;
    }
}
