package io.wattguard.analytics;

/**
 * Exponentially weighted moving average of standardised residuals with an upper control limit
 * {@code L * sqrt(lambda / (2 - lambda))} (the asymptotic limit). Used as a cross-check on the CUSUM: both
 * react to sustained shifts, but a single wild sample moves the EWMA only by {@code lambda} of itself.
 */
public final class Ewma {
    private final double lambda;
    private final double limit;
    private double value;

    public Ewma(double lambda, double l) {
        if (!(lambda > 0 && lambda <= 1) || l <= 0) {
            throw new IllegalArgumentException("lambda must be in (0, 1] and L > 0");
        }
        this.lambda = lambda;
        this.limit = l * Math.sqrt(lambda / (2 - lambda));
    }

    public boolean update(double z) {
        value = lambda * z + (1 - lambda) * value;
        return value > limit;
    }

    public double value() {
        return value;
    }

    public double limit() {
        return limit;
    }

    public void reset() {
        value = 0;
    }
}
