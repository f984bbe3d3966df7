package io.wattguard.analytics;

import java.util.Arrays;

/** Robust location and scale: the median and the median absolute deviation. */
public final class Robust {
    /** MAD of a normal distribution times this is its standard deviation. */
    public static final double MAD_TO_SIGMA = 1.4826;

    private Robust() {}

    /** Median of the values; sorts the array in place. NaN when empty. */
    public static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }

    /** The median and the normal-consistent MAD of the values, leaving the array as it was. */
    public static double[] medianAndSigma(double[] values) {
        double[] v = values.clone();
        double med = median(v);
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.abs(v[i] - med);
        }
        return new double[] {med, MAD_TO_SIGMA * median(v)};
    }
}
