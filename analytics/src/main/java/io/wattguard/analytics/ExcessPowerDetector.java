package io.wattguard.analytics;

/**
 * Finds sustained excess power of one entity, sample by sample. The residual (measured minus expected) is
 * standardised against the hour-of-week baseline; a one-sided CUSUM accumulates it, with an EWMA as a
 * cross-check. An alarm becomes an episode only when the excess is also large in watts: its mean since the
 * CUSUM left zero (the estimated size of the shift) and the median of the last {@code window} samples must
 * both reach an absolute floor, and no sample of that window may be below half the floor. So noise at
 * night, a statistically clear but small drift, and a burst shorter than the window page nobody.
 *
 * <p>The length that counts is the run's core: from its first to its last sample at or above the floor.
 * Samples between half the floor and the floor are tolerated inside a run (a load present on both sides
 * dipped), but at its edges they are no evidence of the load: they are what the host's own noise reaches.
 * Counting them let a 6-minute job beside four noisy minutes pass for a 10-minute excess. The episode is
 * dated back to the first sample of the core; it grows while it lasts and closes once the recent median has
 * stayed below half the floor for {@code quietSamples}.
 *
 * <p>Corroboration sets the speed. The caller says, per sample, whether something other than the meter
 * itself corroborates the excess (the component that does the work draws above its model, or a
 * non-business process runs). When most samples of the window are corroborated the episode may open after
 * {@code window} samples; otherwise the run of excess must last {@code confirmSamples} before it opens, so an
 * uncorroborated burst shorter than that never becomes an episode, whatever its size.
 */
public final class ExcessPowerDetector {
    /** Samples the excess must be sustained over before any episode opens: 10 one-minute steps. */
    public static final int SUSTAINED_SAMPLES = 10;
    /** Quiet samples that close an episode. */
    public static final int QUIET_SAMPLES = 10;
    /** Samples an uncorroborated excess must last by default: 30 one-minute steps. */
    public static final int CONFIRM_UNCORROBORATED_SAMPLES = 30;
    /** CUSUM reference value and decision interval, in sigmas: a one-sigma shift alarms in about ten samples. */
    private static final double CUSUM_K = 0.5;

    private static final double CUSUM_H = 8;
    /** EWMA weight and control limit, in sigmas of the EWMA: the cross-check that noise rarely passes. */
    private static final double EWMA_LAMBDA = 0.1;

    private static final double EWMA_L = 2.7;

    /**
     * Tuning. The defaults flag a one-sigma shift in about ten samples and almost never alarm on noise.
     * {@code confirmSamples}: how long an excess that nothing corroborates must last before it opens; at least
     * {@code window}, at most {@link #MAX_CONFIRM_SAMPLES}.
     */
    public record Settings(
            double k,
            double h,
            double ewmaLambda,
            double ewmaL,
            double floorW,
            int window,
            int quietSamples,
            int confirmSamples) {
        public Settings {
            if (confirmSamples < window || confirmSamples > MAX_CONFIRM_SAMPLES) {
                throw new IllegalArgumentException("confirmSamples must be in [" + window + ", " + MAX_CONFIRM_SAMPLES
                        + "], not " + confirmSamples);
            }
        }

        /** The same tuning with another floor: one set of settings for every entity, each with its floor. */
        public Settings withFloor(double w) {
            return new Settings(k, h, ewmaLambda, ewmaL, w, window, quietSamples, confirmSamples);
        }

        public static Settings defaults(double floorW) {
            return defaults(floorW, CONFIRM_UNCORROBORATED_SAMPLES);
        }

        public static Settings defaults(double floorW, int confirmSamples) {
            return new Settings(
                    CUSUM_K, CUSUM_H, EWMA_LAMBDA, EWMA_L, floorW, SUSTAINED_SAMPLES, QUIET_SAMPLES, confirmSamples);
        }
    }

    /** What one sample did to the detector's state. */
    public enum Change {
        NONE,
        OPENED,
        ONGOING,
        CLOSED
    }

    private final Settings settings;
    /** The last sample's {@code explainedAsOfMs}. */
    private long explainedAsOfMs = Long.MAX_VALUE;
    /** The floor in watts: {@code settings.floorW()} until {@link #setFloorW} moves it while closed. */
    private double floorW;

    private final Cusum cusum;
    private final Ewma ewma;
    /** The last {@value #HISTORY} samples: enough to measure and date a shift the CUSUM has been tracking. */
    private static final int HISTORY = 4096;
    /** The longest run of excess the detector can see, so the longest wait for an uncorroborated one. */
    public static final int MAX_CONFIRM_SAMPLES = HISTORY;

    private final double[] excessHistory = new double[HISTORY];
    private final long[] timeHistory = new long[HISTORY];
    private final long[] measuredHistory = new long[HISTORY];
    private final boolean[] corroboratedHistory = new boolean[HISTORY];
    private long count;
    private double[] scratch = new double[0];
    private boolean open;
    private long startedMs;
    private long endedMs;
    private double score;
    private double recent;
    private int quiet;
    private long quietSinceMs;

    public ExcessPowerDetector(Settings settings) {
        this.settings = settings;
        this.floorW = settings.floorW();
        this.cusum = new Cusum(settings.k(), settings.h());
        this.ewma = new Ewma(settings.ewmaLambda(), settings.ewmaL());
    }

    /**
     * Feeds one sample, in time order: {@code excessW} is measured minus expected watts, {@code sigmaW} the
     * baseline's robust sigma at this time. The excess counts as corroborated (an energy balance, or a caller
     * that measures the component itself).
     */
    public Change update(long timeMs, double excessW, double sigmaW) {
        return update(timeMs, excessW, sigmaW, true);
    }

    /**
     * Feeds one sample, in time order; {@code corroborated}: whether something besides the meter shows this
     * sample's excess (see the class comment). It only matters while the excess is above half the floor.
     */
    public Change update(long timeMs, double excessW, double sigmaW, boolean corroborated) {
        return update(timeMs, timeMs, excessW, sigmaW, corroborated, Long.MAX_VALUE);
    }

    /**
     * As {@link #update(long, double, double, boolean)}. {@code measuredAtMs}: when the newest reading behind
     * this sample was taken (a sample is a step's mean, so up to a step after {@code timeMs});
     * {@code explainedAsOfMs}: when what explains the load (the business feeds) last reported. A job is in a
     * report only if it was running when the report was made, so an excess opens only once the explanation was
     * made at or after the newest reading of the excess's first sample: a report made then names the job that
     * drew it, if it is business. A job started after the report waits for the next, at most one feed cadence.
     * {@link Long#MAX_VALUE} where nothing is waited for.
     */
    public Change update(
            long timeMs, long measuredAtMs, double excessW, double sigmaW, boolean corroborated, long explainedAsOfMs) {
        this.explainedAsOfMs = explainedAsOfMs;
        double z = excessW / Math.max(sigmaW, 1e-9);
        boolean c = cusum.update(z);
        boolean e = ewma.update(z);
        int slot = (int) (count % HISTORY);
        excessHistory[slot] = excessW;
        timeHistory[slot] = timeMs;
        measuredHistory[slot] = measuredAtMs;
        corroboratedHistory[slot] = corroborated;
        count++;
        recent = recentMedian();
        if (!open) {
            int run = (int) Math.min(Math.min(cusum.runLength(), HISTORY), count);
            // The mean is taken over the excess's core, not since the CUSUM left zero: after weeks of a
            // slightly positive residual the CUSUM's run is long and its mean says nothing about today.
            int core = c && e && run >= settings.window() && recent >= floorW && sustained() ? core(run) : 0;
            if (core >= settings.window()
                    && meanOfCore() >= floorW
                    && (core >= settings.confirmSamples() || corroborated())
                    && explainedAsOfMs >= coreMeasuredMs()) {
                open = true;
                startedMs = startOfCore();
                endedMs = 0;
                score = score(recent);
                quiet = 0;
                return Change.OPENED;
            }
            return Change.NONE;
        }
        if (recent < floorW / 2) {
            if (quiet++ == 0) {
                quietSinceMs = timeMs;
            }
        } else {
            quiet = 0;
        }
        if (quiet >= settings.quietSamples()) {
            open = false;
            endedMs = quietSinceMs;
            cusum.reset();
            ewma.reset();
            return Change.CLOSED;
        }
        score = Math.max(score, score(recent));
        return Change.ONGOING;
    }

    public boolean isOpen() {
        return open;
    }

    /** The estimated start of the current (or last) episode. */
    public long startedMs() {
        return startedMs;
    }

    /** When the last episode ended: the first of the quiet samples that closed it; 0 while open. */
    public long endedMs() {
        return endedMs;
    }

    /** The median excess of the last {@code window} samples. */
    public double recentW() {
        return recent;
    }

    /** 0..1, the largest sustained excess of the episode in floors, saturating at four floors. */
    public double score() {
        return score;
    }

    /** The sum of the excess of the remembered samples at or after {@code startMs}, up to {@code untilMs}. */
    public double excessSince(long startMs, long untilMs) {
        double sum = 0;
        for (int back = 0; back < Math.min(count, HISTORY); back++) {
            long t = timeHistory[(int) ((count - 1 - back) % HISTORY)];
            if (t < startMs) {
                break;
            }
            if (t <= untilMs) {
                sum += at(back);
            }
        }
        return sum;
    }

    public double floorW() {
        return floorW;
    }

    /**
     * Moves the floor, for the next samples; ignored while an episode is open, so that an episode closes by the
     * measure it opened by.
     */
    public void setFloorW(double w) {
        if (!open) {
            floorW = w;
        }
    }

    // ---- what the last sample left, for an explanation (read-only: nothing here changes a verdict) ---------

    /** A condition that kept the last sample from opening an episode, in the order an operator checks them. */
    public enum Blocker {
        /** The median of the last window is below the floor. */
        BELOW_FLOOR,
        /** A sample of the last window is below half the floor: the excess is not sustained. */
        NOT_SUSTAINED,
        /** The CUSUM or the EWMA is below its limit: not yet statistically clear against the baseline's sigma. */
        NOT_SIGNIFICANT,
        /**
         * The CUSUM has been above zero for fewer samples than the window, or the excess's core (its samples
         * from the first to the last at or above the floor) is shorter than the window.
         */
        TOO_SHORT,
        /** The mean excess since the run began is below the floor. */
        MEAN_BELOW_FLOOR,
        /** Most samples of the window uncorroborated, and the run has not lasted {@code confirmSamples}. */
        UNCORROBORATED,
        /**
         * The business feeds last reported before the excess's first step was measured: a job started since is
         * not in them yet.
         */
        AWAITING_BUSINESS
    }

    /**
     * Every condition that the last sample failed, in {@link Blocker} order; empty while an episode is open or
     * when the last sample opened one. The same tests as {@link #update}, evaluated again on its state.
     */
    public java.util.List<Blocker> blockers() {
        java.util.List<Blocker> l = new java.util.ArrayList<>();
        if (open || count == 0) {
            return l;
        }
        int run = runLength();
        if (recent < floorW) {
            l.add(Blocker.BELOW_FLOOR);
        }
        if (count < settings.window() || !sustained()) {
            l.add(Blocker.NOT_SUSTAINED);
        }
        if (cusum.value() <= settings.h() || ewma.value() <= ewma.limit()) {
            l.add(Blocker.NOT_SIGNIFICANT);
        }
        if (run < settings.window()) {
            l.add(Blocker.TOO_SHORT);
        }
        if (l.isEmpty()) {
            int core = core(run);
            if (core < settings.window()) {
                l.add(Blocker.TOO_SHORT);
            } else if (meanOfCore() < floorW) {
                l.add(Blocker.MEAN_BELOW_FLOOR);
            } else if (core < settings.confirmSamples() && !corroborated()) {
                l.add(Blocker.UNCORROBORATED);
            } else if (explainedAsOfMs < coreMeasuredMs()) {
                l.add(Blocker.AWAITING_BUSINESS);
            }
        }
        return l;
    }

    /** When what explains the load was last brought up to date, as of the last sample. */
    public long explainedAsOfMs() {
        return explainedAsOfMs;
    }

    /** The CUSUM statistic, in sigmas, and the limit above which it alarms. */
    public double cusum() {
        return cusum.value();
    }

    public double cusumLimit() {
        return settings.h();
    }

    /** The EWMA of the standardised excess, and its control limit. */
    public double ewma() {
        return ewma.value();
    }

    public double ewmaLimit() {
        return ewma.limit();
    }

    /** Samples since the CUSUM left zero, as far back as the detector remembers. */
    public int runLength() {
        return (int) Math.min(Math.min(cusum.runLength(), HISTORY), count);
    }

    /**
     * Samples in the core of the current run of excess (see the class comment): from its first to its last
     * sample at or above the floor, in a run of samples at or above half the floor ending with the last one.
     */
    public int excessRunLength() {
        return count == 0 || at(0) < floorW / 2 ? 0 : core((int) Math.min(count, HISTORY));
    }

    /** How many of the last {@code window} samples were at or above half the floor. */
    public int sustainedSamples() {
        int n = 0;
        for (int i = 0; i < Math.min(settings.window(), count); i++) {
            n += at(i) >= floorW / 2 ? 1 : 0;
        }
        return n;
    }

    /** How many of the last {@code window} samples were corroborated. */
    public int corroboratedSamples() {
        int n = 0;
        for (int i = 0; i < Math.min(settings.window(), count); i++) {
            n += corroboratedHistory[(int) ((count - 1 - i) % HISTORY)] ? 1 : 0;
        }
        return n;
    }

    /** Consecutive quiet samples (recent median below half the floor) of the open episode. */
    public int quietSamples() {
        return quiet;
    }

    public Settings settings() {
        return settings;
    }

    private double at(int back) {
        return excessHistory[(int) ((count - 1 - back) % HISTORY)];
    }

    private double recentMedian() {
        int n = (int) Math.min(settings.window(), count);
        if (scratch.length != n) {
            scratch = new double[n];
        }
        for (int i = 0; i < n; i++) {
            scratch[i] = at(i);
        }
        return Robust.median(scratch);
    }

    /**
     * Every one of the last {@code window} samples at least half the floor: a burst shorter than the window
     * (a backup starting, a test job) never opens an episode, however large, while noise around a real
     * shift of one floor or more almost never dips that far.
     */
    private boolean sustained() {
        for (int i = 0; i < settings.window(); i++) {
            if (at(i) < floorW / 2) {
                return false;
            }
        }
        return true;
    }

    /**
     * Most samples of the window corroborated: the component carried the excess through the window, not for a
     * sample or two that noise or a short job could give.
     */
    private boolean corroborated() {
        int n = 0;
        for (int i = 0; i < settings.window(); i++) {
            if (corroboratedHistory[(int) ((count - 1 - i) % HISTORY)]) {
                n++;
            }
        }
        return 2 * n > settings.window();
    }

    /** The core that {@link #core} found last: its first and last sample, as samples back from the last. */
    private int coreFirst;

    private int coreLast;

    /**
     * The length of the current run's core within the last {@code run} samples, 0 if it has none: the run of
     * samples at or above half the floor that ends with the last sample, less the samples below the floor at
     * either end.
     */
    private int core(int run) {
        int first = excessRun(run);
        while (first > 0 && at(first) < floorW) {
            first--;
        }
        int last = 0;
        while (last < first && at(last) < floorW) {
            last++;
        }
        coreFirst = first;
        coreLast = last;
        return at(first) < floorW ? 0 : first - last + 1;
    }

    private double meanOfCore() {
        double sum = 0;
        for (int i = coreLast; i <= coreFirst; i++) {
            sum += at(i);
        }
        return sum / (coreFirst - coreLast + 1);
    }

    /** How many samples back the current run of excess above half the floor began, within the CUSUM's run. */
    private int excessRun(int run) {
        int back = 0;
        while (back + 1 < run && at(back + 1) >= floorW / 2) {
            back++;
        }
        return back;
    }

    /** The first sample of the core that {@link #core} found last. */
    private long startOfCore() {
        return timeHistory[(int) ((count - 1 - coreFirst) % HISTORY)];
    }

    /**
     * When the newest reading of the first sample of the core that {@link #core} found last was taken; after
     * {@link #blockers()}, that of the current run.
     */
    long coreMeasuredMs() {
        return measuredHistory[(int) ((count - 1 - coreFirst) % HISTORY)];
    }

    private double score(double sustained) {
        return Math.max(0, Math.min(1.0, sustained / (4 * floorW)));
    }
}
