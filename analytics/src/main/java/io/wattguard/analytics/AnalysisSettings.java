package io.wattguard.analytics;

/**
 * Tuning of the analysis, in the operator's units. The defaults come from the evaluation on the synthetic
 * site (see the simulator module): change them with that evaluation at hand.
 *
 * @param stepMs analysis resolution; readings are averaged per step
 * @param floorW smallest sustained host excess worth an episode, in watts
 * @param floorPerGpuW the same per GPU of the host
 * @param floorShare the same as a share of the host's nameplate; the largest of the three floors applies
 * @param balanceFloorW smallest unaccounted rack or room power worth an episode, in watts
 * @param weeks trailing weeks the baseline remembers
 * @param minHoursToFit learnable hours a model needs before it is first fitted
 * @param minPeers same-model hosts reporting in a step before their common move is discounted
 * @param holdMs how long a reading stands in for a missing one; a longer silence means no verdict until
 *     the source is back (a dropout is not a change in power); business feeds are held for 3 times their own
 *     cadence, and at least this ({@link BusinessFeeds})
 * @param offHoursUtil GPU utilisation share above which out-of-hours use without business is noted
 * @param offHoursMs how long that must last before it is an episode
 * @param evidenceQuietMs how long evidence must be absent before its episode closes
 * @param detector the change detector's tuning for every entity (its floor is set per entity): CUSUM, EWMA,
 *     the sustained window, and {@code confirmSamples}, how long a host excess that no component corroborates
 *     (seen on the outlet alone, or on a host that reports no component power) must last before it opens an
 *     episode ({@link #confirmUncorroboratedMs()}); one that a component corroborates opens after the sustained
 *     window
 * @param gpuBusyUtil GPU utilisation share at which a GPU counts as busy for GPU-level attribution: busy
 *     while the business processes on it leave at least this share unexplained is an {@code unexplained_gpu}
 *     step
 * @param businessTolerance how far business feeds may under-state the load they explain, as a share of what
 *     they report: load up to {@code business x (1 + this)} counts as explained
 * @param tariff price of a kWh over time, for the cost of excess energy
 */
public record AnalysisSettings(
        long stepMs,
        double floorW,
        double floorPerGpuW,
        double floorShare,
        double balanceFloorW,
        int weeks,
        int minHoursToFit,
        int minPeers,
        long holdMs,
        double offHoursUtil,
        long offHoursMs,
        long evidenceQuietMs,
        ExcessPowerDetector.Settings detector,
        double gpuBusyUtil,
        double businessTolerance,
        Tariff tariff) {

    /**
     * 30 minutes: outlet-only bursts (a PSU or its fans, a peripheral, a second device on the outlet) last
     * minutes, 10-20; mining lasts hours, so waiting half an hour where no component shows the work delays
     * such a miner by 20 minutes and drops every such burst.
     */
    public static final long DEFAULT_CONFIRM_UNCORROBORATED_MS = 30 * 60_000L;

    /**
     * Half the time a kernel runs: a miner keeps its GPU near 100%, while a notebook, a debugger or a
     * profiler between runs averages far below half over a minute.
     */
    public static final double DEFAULT_GPU_BUSY_UTIL = 0.5;

    /**
     * 15%: a scheduler's allocation or a CMDB's share says what a job may use, not what it draws; such figures
     * are good to about 15% (issue 11's site). A miner hiding in that last 15% of a busy host is left to the
     * GPU-level attribution and the evidence, which see processes rather than watts.
     */
    public static final double DEFAULT_BUSINESS_TOLERANCE = 0.15;

    public static AnalysisSettings defaults() {
        return new AnalysisSettings(
                60_000,
                40,
                20,
                0.04,
                100,
                4,
                12,
                4,
                120_000,
                0.5,
                1_800_000,
                600_000,
                ExcessPowerDetector.Settings.defaults(0, confirmSteps(DEFAULT_CONFIRM_UNCORROBORATED_MS, 60_000)),
                DEFAULT_GPU_BUSY_UTIL,
                DEFAULT_BUSINESS_TOLERANCE,
                Tariff.none());
    }

    /** Milliseconds in an hour times watts in a kilowatt: kWh over a span in ms to mean watts. */
    static final double MS_W_PER_KWH = 3.6e9;

    /** The energy of {@code watts} over one step, in kWh. */
    double stepKwh(double watts) {
        return watts * stepMs / MS_W_PER_KWH;
    }

    /**
     * A wait for an uncorroborated excess in steps, rounded up, and at least the sustained window (a shorter
     * wait is no extra wait), at most what the detector remembers.
     */
    public static int confirmSteps(long confirmMs, long stepMs) {
        long steps = (confirmMs + stepMs - 1) / stepMs;
        return (int) Math.max(
                ExcessPowerDetector.SUSTAINED_SAMPLES, Math.min(ExcessPowerDetector.MAX_CONFIRM_SAMPLES, steps));
    }

    /** How long an excess that no component corroborates must last before it opens an episode. */
    public long confirmUncorroboratedMs() {
        return detector.confirmSamples() * stepMs;
    }
}
