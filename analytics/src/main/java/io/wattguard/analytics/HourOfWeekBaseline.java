package io.wattguard.analytics;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * What an entity's residual (measured minus load-explained watts) usually is at this hour of the week, as
 * the median and robust sigma of that hour over the trailing weeks. Hours are local to the site's zone, so
 * office hours stay office hours across DST. The caller leaves out points that belong to open anomaly
 * episodes, holidays and maintenance windows: a baseline that learned a miner would make it normal.
 */
public final class HourOfWeekBaseline {
    public static final int HOURS = 168;

    private final double[] median = new double[HOURS];
    private final double[] sigma = new double[HOURS];
    private final int[] count = new int[HOURS];
    private final double globalMedian;
    private final double globalSigma;
    private final ZoneId zone;

    private HourOfWeekBaseline(ZoneId zone, double globalMedian, double globalSigma) {
        this.zone = zone;
        this.globalMedian = globalMedian;
        this.globalSigma = globalSigma;
    }

    public static int hourOfWeek(long epochMs, ZoneId zone) {
        ZonedDateTime t = Instant.ofEpochMilli(epochMs).atZone(zone);
        return (t.getDayOfWeek().getValue() - 1) * 24 + t.getHour();
    }

    /**
     * Builds the baseline from residuals at their times. An hour with fewer than {@code minPerHour} values
     * falls back to the figures of all hours together; {@code sigmaFloor} keeps a flat, quiet series from
     * turning every watt into a large z-score.
     */
    public static HourOfWeekBaseline build(long[] timesMs, double[] residuals, ZoneId zone, int minPerHour,
            double sigmaFloor) {
        if (timesMs.length != residuals.length) {
            throw new IllegalArgumentException("times and residuals differ in length");
        }
        double[] all = Robust.medianAndSigma(residuals);
        HourOfWeekBaseline b = new HourOfWeekBaseline(zone, all.length == 0 || Double.isNaN(all[0]) ? 0 : all[0],
                Math.max(sigmaFloor, Double.isNaN(all[1]) ? 0 : all[1]));
        double[][] byHour = new double[HOURS][];
        int[] n = new int[HOURS];
        int[] hour = new int[timesMs.length];
        for (int i = 0; i < timesMs.length; i++) {
            hour[i] = hourOfWeek(timesMs[i], zone);
            n[hour[i]]++;
        }
        for (int h = 0; h < HOURS; h++) {
            byHour[h] = new double[n[h]];
        }
        int[] fill = new int[HOURS];
        for (int i = 0; i < timesMs.length; i++) {
            byHour[hour[i]][fill[hour[i]]++] = residuals[i];
        }
        for (int h = 0; h < HOURS; h++) {
            b.count[h] = n[h];
            if (n[h] >= minPerHour) {
                double[] ms = Robust.medianAndSigma(byHour[h]);
                b.median[h] = ms[0];
                b.sigma[h] = Math.max(sigmaFloor, ms[1]);
            } else {
                b.median[h] = b.globalMedian;
                b.sigma[h] = b.globalSigma;
            }
        }
        return b;
    }

    public double expected(long epochMs) {
        return median[hourOfWeek(epochMs, zone)];
    }

    public double sigma(long epochMs) {
        return sigma[hourOfWeek(epochMs, zone)];
    }

    /** How many robust sigmas above the usual value for this hour. */
    public double z(long epochMs, double residual) {
        int h = hourOfWeek(epochMs, zone);
        return (residual - median[h]) / sigma[h];
    }

    public int samples(int hourOfWeek) {
        return count[hourOfWeek];
    }
}
