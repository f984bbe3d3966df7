package io.wattguard.analytics;

import java.util.Arrays;
import java.util.Locale;

/**
 * Finds sustained excess power of one entity, sample by sample. The residual (measured minus expected) is
 * standardised against the hour-of-week baseline; a one-sided CUSUM accumulates it, with an EWMA as a
 * cross-check. An alarm becomes an episode only when the excess is also large in watts: its mean since the
 * CUSUM left zero (the estimated size of the shift) and the median of the last {@code window} samples must
 * both reach an absolute floor. So noise at night, a statistically clear but small drift, and a short spike
 * (a backup starting) page nobody. The episode is dated back to the first sample of the current run of
 * excess above half the floor; it grows while it lasts and closes once the recent median has stayed below
 * half the floor for {@code quietSamples}.
 *
 * <p>Energy is the excess integrated over the sample interval: the counters give the entity's total energy,
 * but the part the business did not explain only exists as a difference of powers.
 */
public final class ExcessPowerDetector {
    /** Tuning. The defaults flag a one-sigma shift in about ten samples and almost never alarm on noise. */
    public record Settings(double k, double h, double ewmaLambda, double ewmaL, double floorW, int window,
            int quietSamples) {
        public static Settings defaults(double floorW) {
            return new Settings(0.5, 8, 0.1, 2.7, floorW, 10, 10);
        }
    }

    private final String entity;
    private final String level;
    private final String kind;
    private final Settings settings;
    private final Cusum cusum;
    private final Ewma ewma;
    /** The last {@value #HISTORY} samples: enough to measure and date a shift the CUSUM has been tracking. */
    private static final int HISTORY = 4096;
    private final double[] excessHistory = new double[HISTORY];
    private final long[] timeHistory = new long[HISTORY];
    private long count;
    private Episode open;
    private int quiet;
    private long quietSinceMs;
    private long lastMs = Long.MIN_VALUE;

    public ExcessPowerDetector(String entity, String level, String kind, Settings settings) {
        this.entity = entity;
        this.level = level;
        this.kind = kind;
        this.settings = settings;
        this.cusum = new Cusum(settings.k(), settings.h());
        this.ewma = new Ewma(settings.ewmaLambda(), settings.ewmaL());
    }

    /**
     * Feeds one sample; returns the episode when this sample opened, grew or closed one, else null. Samples
     * come in time order; {@code sigmaW} is the baseline's robust sigma at this time.
     */
    public Episode update(long timeMs, double actualW, double expectedW, double sigmaW) {
        long dtMs = lastMs == Long.MIN_VALUE ? 0 : timeMs - lastMs;
        lastMs = timeMs;
        double excess = actualW - expectedW;
        double z = excess / Math.max(sigmaW, 1e-9);
        boolean c = cusum.update(z);
        boolean e = ewma.update(z);
        excessHistory[(int) (count % HISTORY)] = excess;
        timeHistory[(int) (count % HISTORY)] = timeMs;
        count++;
        double recent = recentMedian();
        if (open == null) {
            int run = (int) Math.min(Math.min(cusum.runLength(), HISTORY), count);
            if (c && e && run >= settings.window() && recent >= settings.floorW() && meanOfLast(run) >= settings.floorW()) {
                long start = startOfExcess(run);
                open = new Episode(id(start), entity, level, kind, Episode.State.OPEN, Episode.Severity.MEDIUM, "", start,
                        timeMs, 0, timeMs, recent, excess, 0, 0, score(recent), "{}");
                quiet = 0;
                return open;
            }
            return null;
        }
        double energy = open.energyKwh() + Math.max(0, excess) * dtMs / 3.6e9;
        double mean = energy * 3.6e9 / Math.max(1, timeMs - open.startedMs());
        if (recent < settings.floorW() / 2) {
            if (quiet++ == 0) {
                quietSinceMs = timeMs;
            }
        } else {
            quiet = 0;
        }
        if (quiet >= settings.quietSamples()) {
            Episode closed = new Episode(open.id(), entity, level, kind, Episode.State.CLOSED, open.severity(), "",
                    open.startedMs(), open.detectedMs(), quietSinceMs, timeMs, mean, open.peakExcessW(), energy, 0,
                    open.score(), "{}");
            open = null;
            cusum.reset();
            ewma.reset();
            return closed;
        }
        open = new Episode(open.id(), entity, level, kind, Episode.State.OPEN, open.severity(), "", open.startedMs(),
                open.detectedMs(), 0, timeMs, mean, Math.max(open.peakExcessW(), excess), energy, 0,
                Math.max(open.score(), score(recent)), "{}");
        return open;
    }

    private double at(int back) {
        return excessHistory[(int) ((count - 1 - back) % HISTORY)];
    }

    private double recentMedian() {
        int n = (int) Math.min(settings.window(), count);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = at(i);
        }
        return Robust.median(v);
    }

    private double meanOfLast(int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += at(i);
        }
        return sum / n;
    }

    /** The first sample of the current run of excess above half the floor, within the CUSUM's run. */
    private long startOfExcess(int run) {
        int back = 0;
        while (back + 1 < run && at(back + 1) >= settings.floorW() / 2) {
            back++;
        }
        return timeHistory[(int) ((count - 1 - back) % HISTORY)];
    }

    /** 0..1: the sustained excess in floors, saturating at four floors. */
    private double score(double sustained) {
        return Math.max(0, Math.min(1.0, sustained / (4 * settings.floorW())));
    }

    /** Stable for an entity and start, so a replay of the same history gives the same ids. */
    private String id(long startMs) {
        return String.format(Locale.ROOT, "%s-%s-%d", level, entity, startMs);
    }

    public Episode openEpisode() {
        return open;
    }
}
